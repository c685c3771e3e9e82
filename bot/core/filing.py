"""Recording a new PAKN, however it came (a chat, an Open311 app, staff taking a call or
a letter): routed to its unit, its time limits counted from its receipt by the working
calendar, its receipt recorded as the case's first event, its photos and files linked."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core import case_news
from bot.core.case_news import send_card_to_unit
from bot.core.ports import (
    Chat,
)
from bot.core.work import Work
from bot.present.case_view import receipt
from bot.spine.messages import OPEN311, Kind, Reply
from complaints.calendar import DeadlineRules, WorkingCalendar
from complaints.case import Case, Contact, Location, open_case
from complaints.directory import Directory

# Filing uses what telling people about a case uses, no more.
Needs = case_news.Needs


@dataclass(frozen=True)
class Filing:
    """A complete PAKN, however it came: the chat dialog's answers, an Open311 request or
    a form filled in by staff."""

    field: str
    area: str | None
    text: str
    contact: Contact
    location: Location | None = None
    photos: tuple[int, ...] = ()
    procedure: str | None = None


@dataclass(frozen=True)
class Source:
    """Where the case came from and where its sender is written to."""

    channel: str
    chat_id: str
    citizen_id: int
    reply_channel: str | None = None


async def record_case(uow: Needs, directory: Directory, calendar: WorkingCalendar,
                      rules: DeadlineRules, timezone_year: int, filing: Filing, source: Source,
                      received_at: datetime, facts: Mapping[str, Any] | None = None) -> Case:
    """Store a new case received at `received_at` (numbered in `timezone_year`, the local
    year of receipt), with `facts` on its receipt event."""
    unit = directory.route(filing.field, filing.area)
    field = directory.field(filing.field)
    case = Case(
        code=await uow.cases.next_code(timezone_year),
        channel=source.channel, chat_id=source.chat_id, citizen_id=source.citizen_id,
        reply_channel=source.reply_channel,
        contact=filing.contact, field=field.code, area=filing.area, unit=unit.code,
        text=filing.text, received_at=received_at,
        due_at=rules.deadline(calendar, received_at, field.resolve_days),
        location=filing.location, procedure=filing.procedure,
    )
    event = open_case(case, received_at,
                      rules.deadline(calendar, received_at, field.transfer_days))
    event.data.update(facts or {})
    await uow.cases.add(case)
    assert case.id is not None
    await uow.attachments.link(list(filing.photos), case.id)
    return case


async def file_case(work: Work[Needs], filing: Filing, source: Source) -> Case:
    """Route, date and record a PAKN received now, and put it in front of its unit's
    staff (the door confirms it to the sender: bot.present.case_view.receipt)."""
    case = await record_case(
        work.uow, work.directory, await work.calendar(), work.settings.deadline_rules,
        work.now.astimezone(work.tz).year, filing, source, work.now)
    await send_card_to_unit(work, case)
    return case


async def file_for_app(work: Work[Needs], filing: Filing, *, app_chat: str, app_name: str,
                       language: str) -> Case:
    """A PAKN an app sent through Open311, filed as a chat files one, with the app's
    account (the chat of its key: bot.core.apikeys) as its sender: the request kept among
    the incoming messages, the receipt owed to the app's chat (bot.channels.open311), in
    the language the app asked in, as every later message about the case."""
    uow, chat = work.uow, Chat(OPEN311, app_chat)
    account = await uow.accounts.identify(OPEN311, app_chat, app_chat, app_name, language,
                                          work.now)
    # A request has no id of the app's own: each one is new.
    await uow.inbound.record(OPEN311, uuid.uuid4().hex, app_chat, account.id,
                             Kind.TEXT.value, filing.text, {}, work.now)
    case = await file_case(work, filing, Source(OPEN311, app_chat, account.id))
    directory, tz = work.directory, work.tz
    work.owe(account, lambda: Reply(receipt(case, directory, tz)), chats=(chat,),
             case_id=case.id)
    return case
