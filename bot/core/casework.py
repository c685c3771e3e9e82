"""What staff do to a case, whichever door they use (their chat, the dashboard): take
it, write to its sender, ask them for more, transfer it, apologise for a delay with one
new date, close it as a duplicate of another, resolve it. Each use case takes the unit
of work, the acting person and the time (`Work`), checks the rules, records the change,
owes its sender, followers and readers of its cards their messages (in `work.owed`),
and returns what happened: the case, its new events and what the actor is told."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from bot.core import case_rating
from bot.core.apology import check_date, end_of, issue
from bot.core.case_news import save_and_refresh, send_card_to_unit, tell_followers, tell_sender
from bot.core.ports import (
    HasAccounts,
    HasApologies,
    HasAttachments,
    HasAudit,
    HasCalendar,
    HasCases,
    HasDialogs,
    HasFollowers,
    HasInbound,
    HasLimits,
    HasLocks,
    HasMeta,
    HasOutbox,
    HasPublications,
    HasRatings,
    HasSenderChats,
)
from bot.core.similar import merge_cases, raised_by
from bot.core.work import Work
from bot.present.case_view import raised_line
from bot.present.i18n import _, format_date
from bot.present.names import unit_name
from bot.spine.callbacks import AnswerCase
from bot.spine.messages import Button, Reply
from bot.spine.states import CaseState, MenuState
from complaints import case as lifecycle
from complaints.apology import TITLE_MAX, TITLE_MIN
from complaints.case import Case, Event, check_text
from complaints.errors import InvalidTransition
from complaints.people import Account, Actor


class Needs(
        HasAccounts, HasApologies, HasAttachments, HasAudit, HasCalendar, HasCases,
        HasDialogs, HasFollowers, HasInbound, HasLimits, HasLocks, HasMeta, HasOutbox,
        HasPublications, HasRatings, HasSenderChats, Protocol):
    """The repositories these use cases use."""


@dataclass(frozen=True)
class Done:
    """What a staff action did: the case as it is now, the events it recorded (on this
    case and, for a merge, on the case that goes on) and what the actor is told."""

    case: Case
    events: tuple[Event, ...]
    told: Callable[[], str]
    """The word to the person who acted, built in their language."""


def _since(case: Case, before: int) -> tuple[Event, ...]:
    """The events recorded since `before` of them were (saving the case empties them)."""
    return tuple(case.events[before:])


async def claim(work: Work[Needs], actor: Actor, case: Case) -> Done:
    before = len(case.events)
    lifecycle.claim(case, actor, work.now)
    events = _since(case, before)
    await save_and_refresh(work, case)
    directory = work.directory
    await tell_sender(work, case, lambda: Reply(
        _("Your PAKN {code} is now being handled by {unit}.").format(
            code=case.code, unit=unit_name(directory, case.unit))))
    return Done(case, events, lambda: _("You took {code}.").format(code=case.code))


async def reply(work: Work[Needs], actor: Actor, case: Case, text: str) -> Done:
    before = len(case.events)
    event = lifecycle.reply(case, actor, text, work.now)
    events = _since(case, before)
    await save_and_refresh(work, case)
    directory = work.directory
    await tell_sender(work, case, lambda: Reply(
        _("Message from {unit} about your PAKN {code}:\n{text}").format(
            unit=unit_name(directory, case.unit), code=case.code, text=event.data["text"])))
    return Done(case, events,
                lambda: _("Sent to the sender of {code}.").format(code=case.code))


async def ask(work: Work[Needs], actor: Actor, case: Case, question: str) -> Done:
    """Ask the sender for more: their next message in the chat they filed from is added
    to the case."""
    before = len(case.events)
    event = lifecycle.request_info(case, actor, question, work.now)
    events = _since(case, before)
    await save_and_refresh(work, case)
    assert case.id is not None
    case_id, directory = case.id, work.directory
    await tell_sender(work, case, lambda: Reply(
        _("{unit} needs more information about your PAKN {code}:\n{text}\n\nYour next "
          "message here (text, photo or location) will be added to the case.").format(
            unit=unit_name(directory, case.unit), code=case.code, text=event.data["text"]),
        buttons=((Button(_("Answer"), AnswerCase(case_id).pack()),),)))
    if case.reply_channel is None:  # an SMS or email is answered by calling back
        # A chat doing nothing else waits for the answer. (Staff asking from the very
        # chat the case came from keep their own state: their conversation saves it.)
        dialog = await work.uow.dialogs.load(case.channel, case.chat_id)
        if dialog.state == MenuState.IDLE:
            dialog.reset(CaseState.INFO, case_id=case.id)
            await work.uow.dialogs.save(dialog, work.now)
    return Done(case, events,
                lambda: _("Your question was sent to the sender of {code}.").format(
                    code=case.code))


async def transfer(work: Work[Needs], actor: Actor, case: Case, unit: str, reason: str) -> Done:
    directory = work.directory
    if not directory.has_unit(unit):
        raise InvalidTransition("transfer", "unknown_unit")
    before = len(case.events)
    days = directory.field(case.field).transfer_days if directory.has_field(case.field) else 5
    transfer_due = work.settings.deadline_rules.deadline(await work.calendar(), work.now, days)
    event = lifecycle.transfer(case, actor, unit, reason, directory.focal_unit, work.now,
                               transfer_due)
    events = _since(case, before)
    await save_and_refresh(work, case)
    await send_card_to_unit(work, case)
    await tell_sender(work, case, lambda: Reply(
        _("Your PAKN {code} was transferred to {unit}, which is responsible for it.").format(
            code=case.code, unit=unit_name(directory, case.unit))))
    forced = bool(event.data["forced_to_focal"])

    def told() -> str:
        note = _("{code} was transferred to {unit}.").format(
            code=case.code, unit=unit_name(directory, case.unit))
        if forced:
            note += " " + _("It had reached the limit of transfers, so it went to the focal "
                            "point.")
        return note
    return Done(case, events, told)


async def merge(work: Work[Needs], actor: Actor, case: Case, into: str, reason: str) -> Done:
    """Close the case as a duplicate of `into`; its sender and followers follow that one."""
    assert case.id is not None
    merged = await merge_cases(work.uow, actor, work.now, case.id, into, reason)
    duplicate, survivor = merged.duplicate, merged.survivor
    await save_and_refresh(work, duplicate)
    await save_and_refresh(work, survivor)
    assert survivor.id is not None
    count = (await raised_by(work.uow, [survivor.id]))[survivor.id]
    directory = work.directory
    await tell_sender(work, duplicate, lambda: Reply(
        _("Your PAKN {code} is about the same problem as {into}, which {unit} is handling: "
          "the two were joined. You will get the answer of {into} here.").format(
            code=case.code, into=survivor.code, unit=unit_name(directory, survivor.unit))))
    await tell_followers(work, duplicate, lambda: Reply(
        _("The PAKN {code} you follow is about the same problem as {into}, which {unit} is "
          "handling: the two were joined. You will get the answer of {into} here.").format(
            code=case.code, into=survivor.code, unit=unit_name(directory, survivor.unit))))
    return Done(duplicate, merged.events,
                lambda: _("{code} was closed as a duplicate of {into}.").format(
                    code=case.code, into=survivor.code) + " " + raised_line(count) + ".")


async def resolve(work: Work[Needs], actor: Actor, case: Case, answer: str) -> Done:
    """The final answer: sent to the sender and followers, who are asked to rate it."""
    before = len(case.events)
    lifecycle.resolve(case, actor, answer, work.now)
    events = _since(case, before)
    await save_and_refresh(work, case)
    directory = work.directory
    await tell_sender(work, case, lambda: Reply(
        _("Your PAKN {code} has been resolved by {unit}.\nAnswer:\n{answer}").format(
            code=case.code, unit=unit_name(directory, case.unit), answer=answer)))
    await tell_followers(work, case, lambda: Reply(
        _("The PAKN {code} you follow has been resolved by {unit}.\nAnswer:\n{answer}").format(
            code=case.code, unit=unit_name(directory, case.unit), answer=answer)))
    await case_rating.ask(work, case)
    return Done(case, events,
                lambda: _("{code} is resolved and the answer was sent.").format(code=case.code))


def may_apologise(actor: Actor, case: Case) -> None:
    """Only the case's handlers, and only once: the rules allow one new date."""
    lifecycle.require_handler(actor, case, "extend")
    if case.extended_due_at is not None:
        raise InvalidTransition("extend", "already_extended")


async def signed(work: Work[Needs], official: Account, name: str, title: str) -> Account:
    """The official's name and title, as the apology is signed: kept for the next one."""
    name, title = check_text(name, TITLE_MIN, TITLE_MAX), check_text(title, TITLE_MIN, TITLE_MAX)
    if name != official.name:
        await work.uow.accounts.set_name(official.id, name)
    await work.uow.accounts.set_title(official.id, title)
    return replace(official, name=name)


async def apologise(work: Work[Needs], actor: Actor, official: Account, case: Case, reason: str,
                    day: date) -> Done:
    """The written apology with the one new date, signed by `official` (with the title
    kept for them), sent to the sender and told to the followers."""
    may_apologise(actor, case)
    reason = check_text(reason, lifecycle.REASON_MIN, lifecycle.ANSWER_MAX)
    await check_date(work, case, day)
    before = len(case.events)
    new_due = end_of(day, work.settings.end_of_day, work.tz)
    lifecycle.extend(case, actor, reason, new_due, work.now)
    events = _since(case, before)
    await save_and_refresh(work, case)
    title = await work.uow.accounts.title(official.id)
    await issue(work, case, kind="staff", reason=reason, new_due=new_due, official=official,
                official_title=title)
    tz = work.tz
    return Done(case, events,
                lambda: _("The apology for {code} was sent with the new date {date}.").format(
                    code=case.code, date=format_date(new_due, tz)))
