"""What a handler gets for one incoming message: the unit of work, who is writing, the
chat's dialog state, and ways to answer them and to notify others."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import resolve_language, use_locale
from bot.messages import TEXT_LIMITS, IncomingMessage, Reply, fit
from bot.ports import Chat, Dialog, Outgoing, UnitOfWork
from bot.settings import Settings
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
    calendar: Callable[[], WorkingCalendar]
    options: list[tuple[str, str]] | None = None
    """Buttons of the last reply to this chat, for answers typed as a number or label."""
    _sent: int = field(default=0)

    @property
    def actor(self) -> Actor:
        return self.account.as_actor()

    @property
    def chat(self) -> Chat:
        return Chat(self.message.channel, self.message.chat_id)

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    @property
    def deadline_rules(self) -> DeadlineRules:
        return DeadlineRules(self.settings.timezone, self.settings.cutoff,
                             self.settings.end_of_day)

    def _key(self) -> str:
        self._sent += 1
        return f"{self.message.channel}:{self.message.update_key}:{self._sent}"

    async def reply(self, reply: Reply, *, case_id: int | None = None,
                    card_case_id: int | None = None) -> None:
        """Answer in the chat the message came from."""
        if reply.options:
            self.options = reply.options
        await self._send(self.chat, reply, case_id, card_case_id)

    async def _send(self, chat: Chat, reply: Reply, case_id: int | None,
                    card_case_id: int | None) -> None:
        parts = fit(reply, chat.channel)
        for number, part in enumerate(parts, start=1):
            # A card is the part with the buttons: the one later changes redraw.
            await self.uow.outbox.enqueue(
                Outgoing(chat, part.to_json(), self._key(), case_id=case_id,
                         card_case_id=card_case_id if number == len(parts) else None),
                self.now)

    async def language_of(self, account: Account) -> str:
        if account.id == self.account.id:
            return self.language
        code = None if account.language else await self.uow.accounts.language_code(account.id)
        return resolve_language(account.language, code, self.settings.default_language)

    async def notify(self, account: Account, build: Callable[[], Reply], *,
                     case_id: int | None = None, card_case_id: int | None = None,
                     chats: list[Chat] | None = None) -> list[Chat]:
        """Send a message to a person in every chat they use (or the given ones), built
        in their language."""
        with use_locale(await self.language_of(account)):
            reply = build()
        targets = chats if chats is not None else await self.uow.accounts.chats(account.id)
        for chat in targets:
            if chat == self.chat:
                await self.reply(reply, case_id=case_id, card_case_id=card_case_id)
            else:
                await self._send(chat, reply, case_id, card_case_id)
        return targets

    async def edit(self, outbox_id: int, chat: Chat, reader: Account,
                   build: Callable[[], Reply], case_id: int | None = None) -> None:
        """Redraw a message already sent (a case card) for the person who reads it; a
        message can only be redrawn whole, so a text grown past the limit is shortened."""
        with use_locale(await self.language_of(reader)):
            reply = build()
        limit = TEXT_LIMITS.get(chat.channel)
        if limit is not None and len(reply.text) > limit:
            reply = replace(reply, text=reply.text[:limit - 1] + "…")
        await self.uow.outbox.enqueue(
            Outgoing(chat, reply.to_json(), self._key(), kind="edit", case_id=case_id,
                     edit_of=outbox_id), self.now)
