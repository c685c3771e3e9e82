"""A citizen's message reaches the case it answers: the one it replies to (on channels
with reply threads), or the open case on which staff last wrote to them."""

from datetime import datetime
from typing import Protocol

from bot.core.ports import Chat, HasAttachments, HasCases, HasOutbox
from complaints import case as lifecycle
from complaints.case import Case, EventKind, Location
from complaints.errors import InvalidTransition, NotAllowed
from complaints.people import Actor

OPEN_LOOKED_AT = 20
"""A citizen's open cases looked at for one awaiting their answer (the newest)."""
STAFF_WROTE = frozenset({EventKind.REPLIED.value, EventKind.INFO_REQUESTED.value})


class Needs(HasAttachments, HasCases, HasOutbox, Protocol):
    """The repositories these use cases use."""


async def replied_case(uow: Needs, chat: Chat, reply_to: str | None) -> Case | None:
    """The case of the message a reply names (by the channel's id of it), if any."""
    if not reply_to:
        return None
    case_id = await uow.outbox.case_of_message(chat, reply_to)
    return await uow.cases.get(case_id) if case_id is not None else None


async def awaiting_answer(uow: Needs, actor: Actor, chat: Chat) -> list[Case]:
    """The citizen's open cases filed from this chat on which staff wrote last (a
    message or a question, not yet answered), the newest first."""
    cases = await uow.cases.open_of_chat(actor.account_id, chat.channel, chat.chat_id,
                                         OPEN_LOOKED_AT)
    last = await uow.cases.last_exchange([c.id for c in cases if c.id is not None])
    return [c for c in cases if last.get(c.id or 0) in STAFF_WROTE]


async def add_citizen_reply(uow: Needs, actor: Actor, now: datetime, case: Case,
                            text: str | None, attachments: tuple[int, ...] = (),
                            location: Location | None = None) -> Case:
    """Add what the sender wrote to their open case (and answer a question, if one was
    asked); the photos are linked to the case."""
    if case.citizen_id != actor.account_id:
        raise NotAllowed("provide_info")
    if not case.is_open:
        raise InvalidTransition("provide_info", case.status)
    lifecycle.provide_info(case, actor, text, now, attachments, location)
    assert case.id is not None
    await uow.attachments.link(list(attachments), case.id)
    await uow.cases.save(case)
    return case
