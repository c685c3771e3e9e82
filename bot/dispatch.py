"""One incoming message, one transaction: dedupe, state, domain change and outgoing
messages commit together or not at all; the channel acknowledges only after commit."""

import copy
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from bot.calendars import Calendars
from bot.callbacks import unpack
from bot.context import Context
from bot.errors import explain
from bot.i18n import _, resolve_language, set_language
from bot.messages import IncomingMessage, Kind, Reply
from bot.ports import UnitOfWork
from bot.routing import Router
from bot.settings import Settings
from complaints.errors import ComplaintsError, NotAllowed
from storage.errors import Conflict, StorageError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
T = TypeVar("T")


class Store(Protocol):
    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


def utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    def __init__(self, store: Store, router: Router, settings: Settings,
                 calendars: Calendars,
                 clock: Callable[[], datetime] = utcnow,
                 on_commit: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.router = router
        self.settings = settings
        self.calendars = calendars
        self.clock = clock
        self.on_commit = on_commit

    async def handle(self, message: IncomingMessage) -> bool:
        """Process a message; False when it was a redelivery of one already processed.

        Raises StorageError when the database cannot take it: the channel must then
        answer so that the message is delivered again later.
        """
        return await self._run(message, self._converse) is not None

    async def perform(self, message: IncomingMessage,
                      action: Callable[[Context], Awaitable[T]],
                      account_id: int | None = None) -> T | None:
        """Process a request that is not a conversation step (one made through an API or
        the dashboard) the same way: recorded, in one transaction with what it changes and
        the messages it owes. Errors of the action propagate and nothing is kept; None when
        the request was processed before. `account_id`: who acts, when already known
        (signed in on the web) rather than found from the channel's user."""
        return await self._run(message, action, account_id)

    async def _run(self, message: IncomingMessage,
                   action: Callable[[Context], Awaitable[T]],
                   account_id: int | None = None) -> T | None:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                async with self.store.unit_of_work() as uow:
                    ctx = await self._open(uow, message, account_id)
                    if ctx is None:
                        return None
                    result = await action(ctx)
                break
            except Conflict:
                if attempt == MAX_ATTEMPTS:
                    raise
                log.info("conflict on %s update %s, processing again", message.channel,
                         message.update_key)
        self.on_commit()
        return result

    async def _open(self, uow: UnitOfWork, message: IncomingMessage,
                    account_id: int | None = None) -> Context | None:
        """Record the message and build its context; None for a redelivery."""
        now = self.clock()
        if account_id is None:
            account = await uow.accounts.identify(
                message.channel, message.user_id, message.chat_id, message.profile_name,
                message.language_code, now)
        elif (known := await uow.accounts.get(account_id)) is not None:
            account = known
        else:
            raise NotAllowed("unknown account")
        if not await uow.inbound.record(message.channel, message.update_key, message.chat_id,
                                        account.id, message.kind.value, message.log_text(),
                                        message.log_data(), now):
            return None
        language = resolve_language(account.language, message.language_code,
                                    self.settings.default_language)
        set_language(language)
        dialog = await uow.dialogs.load(message.channel, message.chat_id)
        return Context(uow=uow, message=message, account=account, dialog=dialog,
                       directory=await uow.directory.load(), settings=self.settings, now=now,
                       language=language, calendars=self.calendars)

    async def _converse(self, ctx: Context) -> bool:
        """A step of the chat: routed to its handler; a domain error is explained to the
        person and leaves the conversation where it was."""
        uow, message, dialog = ctx.uow, ctx.message, ctx.dialog
        offered = dialog.offered()
        state_before, data_before = dialog.state, copy.deepcopy(dialog.data)
        try:
            async with uow.savepoint():
                await self._route(ctx, offered)
        except ComplaintsError as error:
            dialog.state, dialog.data = state_before, data_before
            await ctx.reply(Reply(explain(error)))
        except StorageError:
            raise
        except Exception:
            log.exception("handler failed on %s update %s", message.channel, message.update_key)
            dialog.state, dialog.data = state_before, data_before
            await ctx.reply(Reply(_("Sorry, something went wrong on our side. Your message "
                                    "was saved; please try again in a moment.")))
        if ctx.options is not None:
            dialog.offer(ctx.options)
        elif dialog.state != state_before:
            dialog.forget_offer()
        await uow.dialogs.save(dialog, ctx.now)
        return True

    async def _route(self, ctx: Context, offered: list[list[str]] | None) -> None:
        message = ctx.message
        payload_data = message.payload
        if message.kind is Kind.TEXT and offered and message.text:
            payload_data = _typed_option(message.text, offered)
        if message.kind is Kind.BUTTON or payload_data:
            payload = unpack(payload_data)
            handler = self.router.buttons.get(type(payload)) if payload else None
            if payload is None or handler is None:
                await ctx.reply(Reply(_("This button is no longer valid. Send /trogiup "
                                        "to see what you can do.")))
                return
            await handler(ctx, payload)
            return
        if message.kind is Kind.COMMAND:
            command = self.router.commands.get(message.command or "")
            if command is None:
                await ctx.reply(Reply(_("I do not know that command. Send /trogiup to see "
                                        "what you can do.")))
                return
            await command(ctx)
            return
        state_handler = self.router.state_handler(ctx.dialog.state)
        if state_handler is None:
            ctx.dialog.reset()
            state_handler = self.router.states["idle"]
        await state_handler(ctx)


def _typed_option(text: str, items: list[list[str]]) -> str | None:
    """An option answered by its number ("2") or its exact label, as on text-only channels."""
    typed = text.strip().casefold()
    if typed.isdigit() and 1 <= int(typed) <= len(items):
        return items[int(typed) - 1][1]
    return next((payload for label, payload in items if label.strip().casefold() == typed),
                None)
