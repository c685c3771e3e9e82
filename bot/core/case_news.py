"""What a change to a case owes people, whoever made it (chat, dashboard, API,
scheduler): the change stored and every card of the case redrawn for whoever reads it,
the case's card put before its unit, and its sender, followers and handlers told."""

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Protocol

from bot.core.authority import actor_of
from bot.core.ports import (
    Chat,
    HasAccounts,
    HasAttachments,
    HasAudit,
    HasCalendar,
    HasCases,
    HasFollowers,
    HasInbound,
    HasLimits,
    HasLocks,
    HasOutbox,
    HasPublications,
    HasSenderChats,
)
from bot.core.sender_chats import sender_reach
from bot.core.similar import raised_by
from bot.core.work import Work
from bot.delivery.notify import sender_chats
from bot.present.case_view import CardFacts, case_card
from bot.present.i18n import _
from bot.spine.capabilities import capabilities
from bot.spine.messages import Reply
from complaints.case import Case
from complaints.people import Account
from complaints.privacy import anonymise
from complaints.publication import known_details


class Needs(
        HasAccounts, HasAttachments, HasAudit, HasCalendar, HasCases, HasFollowers,
        HasInbound, HasLimits, HasLocks, HasOutbox, HasPublications, HasSenderChats,
        Protocol):
    """The repositories these use cases use."""


async def assignee_name(work: Work[Needs], case: Case) -> str | None:
    if case.assignee_id is None:
        return None
    account = await work.uow.accounts.get(case.assignee_id)
    return account.name if account else None


async def card_for(work: Work[Needs], case: Case, reader: Account) -> Callable[[], Reply]:
    """A builder of the reader's card, to be called in the reader's language."""
    assert case.id is not None
    uow = work.uow
    chats = sender_chats(case)
    window_end = None
    erased = case.contact.erased  # nothing is sent to the sender any more
    if capabilities(case.channel).reply_window and not erased:
        seen = await uow.inbound.last_seen(case.channel, case.chat_id)
        window_end = seen + timedelta(hours=work.settings.zalo_oa_reply_hours) if seen else None
    duplicate_of = await uow.cases.get(case.duplicate_of) if case.duplicate_of else None
    facts = CardFacts(assignee=await assignee_name(work, case),
                      raised_by=(await raised_by(uow, [case.id]))[case.id],
                      duplicate_of=duplicate_of.code if duplicate_of else None,
                      photos=len(await uow.attachments.of_case(case.id)),
                      failure=None if erased or not chats else
                      await uow.outbox.last_failure(case.id, chats[0]),
                      window_end=window_end)
    actor = await actor_of(uow.accounts, work.directory, reader)
    directory, tz, now = work.directory, work.tz, work.now
    return lambda: case_card(case, actor, directory, tz, now, facts)


async def save_and_refresh(work: Work[Needs], case: Case) -> None:
    """Store the change and redraw every card of the case for whoever reads it."""
    assert case.id is not None
    await work.uow.cases.save(case)
    for outbox_id, chat, reader_id in await work.uow.outbox.cards(case.id):
        reader = await work.uow.accounts.get(reader_id)
        if reader is not None:
            work.redraw(outbox_id, chat, reader, await card_for(work, case, reader), case.id)


async def send_card_to_unit(work: Work[Needs], case: Case) -> list[Account]:
    """Put a new or transferred case in front of its unit's staff. A unit nobody has
    joined yet falls back to the focal point's staff, so no case goes unseen."""
    assert case.id is not None
    readers = await work.uow.accounts.members(case.unit)
    if not readers and case.unit != work.directory.focal_unit:
        readers = await work.uow.accounts.members(work.directory.focal_unit)
    for reader in readers:
        chats = tuple(await work.uow.accounts.chats(reader.id))
        work.owe(reader, await card_for(work, case, reader), chats=chats, case_id=case.id,
                 card_case_id=case.id)
        await send_photos(work, case, reader, chats)
    return readers


async def send_photos(work: Work[Needs], case: Case, reader: Account,
                      chats: tuple[Chat, ...]) -> None:
    """The case's photos and scanned letters, after its card."""
    assert case.id is not None
    photos = await work.uow.attachments.of_case(case.id)
    for number, attachment_id in enumerate(photos, start=1):
        work.owe(reader, partial(_photo, case.code, number, len(photos), attachment_id),
                 case_id=case.id, chats=chats)
    for number, attachment_id in enumerate(await work.uow.attachments.scans(case.id), start=1):
        work.owe(reader, partial(_scan, case.code, number, attachment_id), case_id=case.id,
                 chats=chats)


def _photo(code: str, number: int, total: int, attachment_id: int) -> Reply:
    return Reply(_("{code}: photo {number} of {total}").format(code=code, number=number,
                                                               total=total),
                 photo_attachment=attachment_id)


def _scan(code: str, number: int, attachment_id: int) -> Reply:
    return Reply(_("{code}: scanned letter {number} (PDF)").format(code=code, number=number),
                 document=attachment_id)


async def tell_sender(work: Work[Needs], case: Case, build: Callable[[], Reply]) -> None:
    """Write to the sender in every chat of theirs (bot.core.sender_chats); not to one who
    erased their data (their chat is known by its pseudonym only)."""
    contact = (case.contact.name, case.contact.phone, case.contact.address)

    def marked() -> Reply:
        """What staff wrote may name the person or others: such a message is sensitive
        (the outbox keeps only a mark of it once delivered)."""
        reply = build()
        return replace(reply, sensitive=True) \
            if anonymise(reply.text, *contact) != reply.text else reply
    for person, chats in await sender_reach(work.uow, case):
        work.owe(person, marked, case_id=case.id, chats=tuple(chats))


async def tell_followers(work: Work[Needs], case: Case, build: Callable[[], Reply]) -> None:
    """Write to the citizens following the case (the same problem, raised by them too),
    in the chat they followed it from. What staff wrote to the sender may name them: the
    followers get it with the anonymiser's blanks."""
    assert case.id is not None
    known = known_details(case)

    def redacted() -> Reply:
        reply = build()
        return replace(reply, text=anonymise(reply.text, *known))
    for follower in await work.uow.followers.of_case(case.id):
        account = await work.uow.accounts.get(follower.account_id)
        if account is not None:
            work.owe(account, redacted, case_id=case.id, chats=(follower.chat,))


async def tell_handlers(work: Work[Needs], case: Case, build: Callable[[], Reply]) -> None:
    """Tell the staff handling a case: its assignee, else everyone in the unit."""
    if case.assignee_id is not None:
        assignee = await work.uow.accounts.get(case.assignee_id)
        readers = [assignee] if assignee else []
    else:
        readers = await work.uow.accounts.members(case.unit)
    for reader in readers:
        work.owe(reader, build, case_id=case.id)
