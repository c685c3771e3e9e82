"""What a use case works with (one transaction, the time, the directory and calendar in
force) and what it owes people, and the runner that gives it to the doors that are not a
chat: one transaction, retried on a conflict, then the outbox woken."""

import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.core.calendars import Calendars
from bot.core.errors import Conflict
from bot.core.ports import Chat, HasAccounts, HasCalendar, UnitOfWork
from bot.delivery.notify import Notifier
from bot.present.i18n import resolve_language
from bot.runtime.settings import Settings
from bot.spine.messages import Reply
from complaints.calendar import WorkingCalendar
from complaints.directory import Directory
from complaints.people import Account

T = TypeVar("T")


class Basics(HasAccounts, HasCalendar, Protocol):
    """What every use case has: the people (to write to them in their language) and the
    calendar (deadlines). Each use case adds the repositories it uses (bot.core.ports)."""


U = TypeVar("U", bound=Basics, covariant=True)
ATTEMPTS = 4


@dataclass(frozen=True)
class Owed:
    """A message owed to a person, built in their language when it is put in the outbox.
    `key` makes it once-only whoever owes it; `chats`: only these of their chats."""

    to: Account
    build: Callable[[], Reply]
    key: str | None = None
    chats: tuple[Chat, ...] | None = None
    case_id: int | None = None
    """The case it is about: a failure to deliver it shows on the case."""
    card_case_id: int | None = None
    """It is the case's card: later changes to the case redraw it."""
    edit_of: int | None = None
    """It redraws this message already sent (a card), in its one chat."""


@dataclass
class Work(Generic[U]):
    uow: U
    now: datetime
    settings: Settings
    directory: Directory
    calendars: Calendars
    owed: list[Owed] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    async def calendar(self) -> WorkingCalendar:
        return await self.calendars.around(self.uow.calendar, self.now, self.tz)

    def owe(self, to: Account, build: Callable[[], Reply], *, key: str | None = None,
            chats: tuple[Chat, ...] | None = None, case_id: int | None = None,
            card_case_id: int | None = None) -> None:
        self.owed.append(Owed(to, build, key, chats, case_id, card_case_id))

    def redraw(self, outbox_id: int, chat: Chat, reader: Account,
               build: Callable[[], Reply], case_id: int | None) -> None:
        """Owe the reader a new drawing of a message already sent to them (a card)."""
        self.owed.append(Owed(reader, build, None, (chat,), case_id, edit_of=outbox_id))

    async def language_of(self, account: Account) -> str:
        """The language a person is written to in."""
        code = None if account.language else await self.uow.accounts.language_code(account.id)
        return resolve_language(account.language, code, self.settings.default_language)


DoorWork = Work[UnitOfWork]
"""What a door gives a use case: every repository of the transaction it opened."""


async def deliver(owed: list[Owed], notifier: Notifier) -> None:
    """Put what a use case owes in the outbox, in the same transaction."""
    for message in owed:
        if message.edit_of is not None:
            assert message.chats is not None
            await notifier.edit(message.edit_of, message.chats[0], message.to, message.build,
                                message.case_id)
            continue
        await notifier.notify(message.to, message.build, key=message.key,
                              chats=list(message.chats) if message.chats is not None else None,
                              case_id=message.case_id, card_case_id=message.card_case_id)


class Store(Protocol):
    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


class Runner:
    """Runs a use case for a door that is not a chat conversation."""

    def __init__(self, store: Store, settings: Settings, calendars: Calendars,
                 clock: Callable[[], datetime], on_commit: Callable[[], None]) -> None:
        self.store = store
        self.settings = settings
        self.calendars = calendars
        self.clock = clock
        self.on_commit = on_commit

    async def run(self, use_case: Callable[[DoorWork], Awaitable[T]], door: str) -> T:
        """One transaction for the use case and the messages it owes; run again from the
        start when a concurrent transaction changed the same rows."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self.store.unit_of_work() as uow:
                    work = Work(uow, self.clock(), self.settings, await uow.directory.load(),
                                self.calendars)
                    result = await use_case(work)
                    await deliver(work.owed, Notifier(uow, self.settings.default_language,
                                                      work.now, f"{door}:{uuid.uuid4().hex}"))
                break
            except Conflict:
                if attempt == ATTEMPTS:
                    raise
        self.on_commit()
        return result
