"""Putting messages in the outbox for anyone: built in the reader's language, cut to fit
the channel, under keys that make putting the same message twice a no-op."""

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from bot.core.ports import Chat, HasAccounts, HasDialogs, HasOutbox, Outgoing
from bot.present.i18n import resolve_language, use_locale
from bot.runtime.logs import current_request_id
from bot.spine.capabilities import capabilities
from bot.spine.messages import Reply, fit, numbered
from complaints.case import Case
from complaints.people import Account


class Needs(HasAccounts, HasDialogs, HasOutbox, Protocol):
    """What owing people messages uses: their chats and language, the outbox."""


def sender_chats(case: Case) -> list[Chat]:
    """Where the sender of a case is written to: the chat they filed from, or the phone
    (SMS) or email they gave staff; none when only paper reaches them, or when they had
    their data erased (the chat id left is a pseudonym)."""
    return [Chat(*case.reply_chat)] if case.reply_chat and not case.contact.erased else []


class Notifier:
    def __init__(self, uow: Needs, default_language: str, now: datetime,
                 key_prefix: str, known_languages: dict[int, str] | None = None) -> None:
        self.uow = uow
        self.default_language = default_language
        self.now = now
        self.key_prefix = key_prefix
        self.known_languages = dict(known_languages or {})
        self._numbers = itertools.count(1)

    async def language_of(self, account: Account) -> str:
        if account.id in self.known_languages:
            return self.known_languages[account.id]
        code = None if account.language else await self.uow.accounts.language_code(account.id)
        return resolve_language(account.language, code, self.default_language)

    def _keys(self, chat: Chat, key: str | None) -> Callable[[int], str]:
        """Keys of the parts of one message. A caller's own key (a reminder's) makes the
        message once-only whoever sends it; otherwise the key comes from the incoming
        update, which is itself processed once."""
        if key is None:
            number = next(self._numbers)
            return lambda part: f"{self.key_prefix}:{number}.{part}"
        return lambda part: f"{key}:{chat.channel}:{chat.chat_id}:{part}"

    async def send(self, chat: Chat, reply: Reply, *, case_id: int | None = None,
                   card_case_id: int | None = None, key: str | None = None) -> None:
        parts = fit(reply, capabilities(chat.channel))
        keys = self._keys(chat, key)
        for number, part in enumerate(parts, start=1):
            # A card is the part with the buttons: the one later changes redraw.
            await self.uow.outbox.enqueue(
                Outgoing(chat, part.to_json(), keys(number), case_id=case_id,
                         card_case_id=card_case_id if number == len(parts) else None,
                         sensitive=reply.sensitive, request_id=current_request_id()),
                self.now)

    async def notify(self, account: Account, build: Callable[[], Reply], *,
                     case_id: int | None = None, card_case_id: int | None = None,
                     chats: list[Chat] | None = None, key: str | None = None) -> list[Chat]:
        """Send to a person in every chat they use (or the given ones), in their language."""
        with use_locale(await self.language_of(account)):
            reply = build()
        targets = chats if chats is not None else await self.uow.accounts.chats(account.id)
        for chat in targets:
            await self.send(chat, reply, case_id=case_id, card_case_id=card_case_id, key=key)
            await self._remember_options(chat, reply)
        return targets

    async def _remember_options(self, chat: Chat, reply: Reply) -> None:
        """Where options come as a numbered list, the person answers with a number: keep
        the list in their chat's state to read the answer against."""
        if reply.options and capabilities(chat.channel).numbered_options:
            dialog = await self.uow.dialogs.load(chat.channel, chat.chat_id)
            dialog.offer(reply.options)
            await self.uow.dialogs.save(dialog, self.now)

    async def edit(self, outbox_id: int, chat: Chat, reader: Account,
                   build: Callable[[], Reply], case_id: int | None = None,
                   remember_options: bool = True) -> Reply:
        """Redraw a message already sent (a case card) for the person who reads it; a
        message can only be redrawn whole, so a text grown past the limit is shortened.
        Returns the reply as redrawn."""
        with use_locale(await self.language_of(reader)):
            reply = build()
        channel = capabilities(chat.channel)
        if channel.text_limit is not None:
            # Where options become a numbered list, the list takes room too.
            listing = len(numbered(reply)) - len(reply.text) if channel.numbered_options else 0
            room = channel.text_limit - listing
            if len(reply.text) > room:
                reply = replace(reply, text=reply.text[:room - 1] + "…")
        await self.uow.outbox.enqueue(
            Outgoing(chat, reply.to_json(), self._keys(chat, None)(1), kind="edit",
                     case_id=case_id, edit_of=outbox_id, sensitive=reply.sensitive,
                     request_id=current_request_id()), self.now)
        if remember_options:
            await self._remember_options(chat, reply)
        return reply
