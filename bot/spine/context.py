"""What a handler gets for one incoming message: the unit of work, who is writing, the
chat's dialog state, and ways to answer them and to notify others."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.calendars import Calendars
from bot.core.ports import Chat, Dialog, UnitOfWork
from bot.delivery.notify import Notifier
from bot.runtime.settings import Settings
from bot.spine.capabilities import Capabilities, capabilities
from bot.spine.messages import IncomingMessage, Reply
from complaints.calendar import DeadlineRules, WorkingCalendar
from complaints.directory import Directory
from complaints.people import Account, Actor


@dataclass
class Context:
    uow: UnitOfWork
    message: IncomingMessage
    account: Account
    dialog: Dialog
    directory: Directory
    settings: Settings
    now: datetime
    language: str
    calendars: Calendars
    options: list[tuple[str, str]] | None = None
    """Buttons of the last reply to this chat, for answers typed as a number or label."""
    covers: frozenset[str] = frozenset()
    """The units whose cases the person handles as the focal point's staff
    (bot.core.authority)."""
    notifier: Notifier = field(init=False)

    def __post_init__(self) -> None:
        self.notifier = Notifier(
            self.uow, self.settings.default_language, self.now,
            key_prefix=f"{self.message.channel}:{self.message.update_key}",
            known_languages={self.account.id: self.language})

    @property
    def actor(self) -> Actor:
        return self.account.as_actor(self.covers)

    @property
    def chat(self) -> Chat:
        return Chat(self.message.channel, self.message.chat_id)

    @property
    def capabilities(self) -> Capabilities:
        return capabilities(self.message.channel)

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    @property
    def deadline_rules(self) -> DeadlineRules:
        return self.settings.deadline_rules

    async def calendar(self) -> WorkingCalendar:
        return await self.calendars.around(self.uow.calendar, self.now, self.tz)

    def set_language(self, language: str) -> None:
        self.language = language
        self.notifier.known_languages[self.account.id] = language

    async def reply(self, reply: Reply, *, case_id: int | None = None,
                    card_case_id: int | None = None) -> None:
        """Answer in the chat the message came from."""
        if reply.options:
            self.options = reply.options
        await self.notifier.send(self.chat, reply, case_id=case_id, card_case_id=card_case_id)

    async def notify(self, account: Account, build: Callable[[], Reply], *,
                     case_id: int | None = None, card_case_id: int | None = None,
                     chats: list[Chat] | None = None) -> list[Chat]:
        """Send to a person in every chat they use (or the given ones), in their language;
        in this chat it counts as a reply."""
        targets = chats if chats is not None else await self.uow.accounts.chats(account.id)
        others = [chat for chat in targets if chat != self.chat]
        if len(others) < len(targets):
            await self.reply(build(), case_id=case_id, card_case_id=card_case_id)
        if others:
            await self.notifier.notify(account, build, case_id=case_id,
                                       card_case_id=card_case_id, chats=others)
        return targets

    async def edit(self, outbox_id: int, chat: Chat, reader: Account,
                   build: Callable[[], Reply], case_id: int | None = None) -> None:
        # This chat's state is saved from `dialog` when the message is done: its options
        # go there, not through a second copy of the row.
        here = chat == self.chat
        reply = await self.notifier.edit(outbox_id, chat, reader, build, case_id,
                                         remember_options=not here)
        if here and reply.options and self.capabilities.numbered_options:
            self.options = reply.options
