"""The written apology with one new date (Thông tư 03/2025/TT-VPCP, Mẫu số 04, used for
PAKN by analogy with dossiers): numbered in the unit's register, made as a PDF in the
sender's language and sent, when staff write it or on the unit's behalf when a deadline
passed without one."""

from datetime import date, datetime, time
from functools import partial
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.ports import (
    ApologyRecord,
    FileKind,
    HasAccounts,
    HasApologies,
    HasAttachments,
    HasAudit,
    HasCalendar,
    HasCases,
    HasFollowers,
    HasLimits,
    HasMeta,
    HasSenderChats,
)
from bot.core.sender_chats import sender_reach
from bot.core.work import Work
from bot.present.case_view import removed
from bot.present.documents import apology_message, apology_pdf
from bot.present.i18n import _, format_date, use_locale
from bot.present.names import field_name, unit_name
from bot.spine.messages import Reply
from complaints.apology import ApologyNotice, apology_number
from complaints.case import Case
from complaints.directory import Directory
from complaints.errors import ValidationError
from complaints.people import Account


class Needs(
        HasAccounts, HasApologies, HasAttachments, HasAudit, HasCalendar, HasCases,
        HasFollowers, HasLimits, HasMeta, HasSenderChats, Protocol):
    """The repositories these use cases use."""


def end_of(day: date, end_of_day: time, tz: ZoneInfo) -> datetime:
    """The new date as the moment it ends, the unit's working day over."""
    return datetime.combine(day, end_of_day, tzinfo=tz)


async def check_date(work: Work[Needs], case: Case, day: date) -> None:
    """The one new date: a working day after the current due date."""
    calendar = await work.calendar()
    current = case.effective_due_at.astimezone(work.tz).date()
    if not calendar.is_working_day(day):
        raise ValidationError("date_not_working_day")
    if day <= current:
        raise ValidationError("new_date_too_early")


async def notice(uow: Needs, directory: Directory, case: Case, now: datetime,
                 timezone: ZoneInfo, *, reason: str, new_due: date | None, number: str,
                 official_name: str, official_title: str) -> ApologyNotice:
    contact = case.contact
    name, address, phone = ((removed(),) * 3 if contact.erased
                            else (contact.name, contact.address, contact.phone))
    return ApologyNotice(
        place=directory.place, unit_name=unit_name(directory, case.unit), number=number,
        issued_on=now.astimezone(timezone).date(), recipient_name=name,
        recipient_address=address, recipient_phone=phone,
        received_on=case.received_at.astimezone(timezone).date(),
        field_name=field_name(directory, case.field), case_code=case.code,
        original_due=case.due_at.astimezone(timezone).date(), reason=reason, new_due=new_due,
        official_name=official_name, official_title=official_title)


async def issue(work: Work[Needs], case: Case, *, kind: str, reason: str | None,
                new_due: datetime | None, official: Account | None,
                official_title: str) -> bool:
    """Number the apology in the unit's register, make its PDF in the sender's language,
    keep both, and owe them to the sender. False if the case already had an apology of
    this kind.

    Without an official (`official` None) it is the apology sent on the unit's behalf
    when the deadline passed: its reason is that, and the new date is still owed."""
    assert case.id is not None
    uow, directory, now, timezone = work.uow, work.directory, work.now, work.tz
    citizen = await uow.accounts.get(case.citizen_id)
    assert citizen is not None
    year = now.astimezone(timezone).year
    number = apology_number(await uow.meta.next_number(f"apology:{case.unit}:{year}"), case.unit)
    with use_locale(await work.language_of(citizen)):
        if official is None:
            official_name = _("On behalf of {unit}").format(unit=unit_name(directory, case.unit))
        else:
            official_name = official.name
        if reason is None:
            reason = _("the time limit passed before the unit could give its answer")
        written = await notice(uow, directory, case, now, timezone, reason=reason,
                               new_due=new_due.astimezone(timezone).date() if new_due else None,
                               number=number, official_name=official_name,
                               official_title=official_title)
        pdf = apology_pdf(written)
        text = apology_message(written)
    document = await uow.attachments.add(
        case.citizen_id, case.channel, now, content=pdf, mime="application/pdf",
        filename=f"{case.code}-{number.replace('/', '-')}.pdf", case_id=case.id,
        kind=FileKind.DOCUMENT)
    if not await uow.apologies.add(ApologyRecord(
            case.id, kind, number, case.unit, reason, new_due,
            official.id if official else None, official_name, official_title, document, now)):
        return False
    key = f"apology:{case.id}:{kind}"

    def paper() -> Reply:
        return Reply(_("The apology as a document: {code}").format(code=case.code),
                     document=document)
    for person, chats in await sender_reach(uow, case):
        work.owe(person, lambda: Reply(text), case_id=case.id, chats=tuple(chats), key=key)
        work.owe(person, paper, case_id=case.id, chats=tuple(chats), key=key + ":document")
    # Those following it are told in a line: the written apology names the sender.
    for follower in await uow.followers.of_case(case.id):
        account = await uow.accounts.get(follower.account_id)
        if account is not None:
            work.owe(account, partial(_followed_late, case, directory, new_due, timezone),
                     case_id=case.id, chats=(follower.chat,),
                     key=f"{key}:{follower.account_id}")
    return True


def _followed_late(case: Case, directory: Directory, new_due: datetime | None,
                   timezone: ZoneInfo) -> Reply:
    text = _("The PAKN {code} you follow is late: {unit} apologised to its sender.").format(
        code=case.code, unit=unit_name(directory, case.unit))
    if new_due is not None:
        text += " " + _("The answer is now promised by {date}.").format(
            date=format_date(new_due, timezone))
    return Reply(text)
