"""Deciding on publication in tests, through the use cases (bot.core.publication) as
the dashboard does: as the person of a chat, on a case by its code."""

from collections.abc import Callable
from datetime import datetime

from bot.core import publication
from complaints.people import Account
from storage.uow import SqlUnitOfWork, Store


async def person(uow: SqlUnitOfWork, channel: str, chat: str) -> Account:
    account = await uow.accounts.find(channel, chat)
    assert account is not None, chat
    return account


async def approve(store: Store, clock: Callable[[], datetime], channel: str, chat: str,
                  code: str, *, question: str | None = None, answer: str | None = None,
                  location: bool = False, confirmed: bool = False) -> publication.Approval:
    """Approve the case's texts: the anonymiser's proposal unless others are given."""
    async with store.unit_of_work() as uow:
        actor = (await person(uow, channel, chat)).as_actor()
        case = await uow.cases.get_by_code(code)
        assert case is not None, code
        proposal = await publication.propose(uow, actor, case, clock())
        return await publication.approve(
            uow, actor, case, proposal.question if question is None else question,
            proposal.answer if answer is None else answer, clock(), location=location,
            confirmed=confirmed)


async def withdraw(store: Store, clock: Callable[[], datetime], channel: str, chat: str,
                   code: str) -> None:
    async with store.unit_of_work() as uow:
        actor = (await person(uow, channel, chat)).as_actor()
        case = await uow.cases.get_by_code(code)
        assert case is not None, code
        await publication.withdraw(uow, actor, case, clock())
