"""One incoming message, one transaction: dedupe, state, domain change and outgoing
messages commit together or not at all; the channel acknowledges only after commit. (The
transaction may be shared with other messages' and committed once for all: group commit,
storage.db; a message undone with them is taken again alone.)"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from bot.core import audit
from bot.core.authority import covered_units
from bot.core.calendars import Calendars
from bot.core.errors import Conflict, StorageError
from bot.core.ports import Chat, LeaseHolder, Queued, UnitOfWork
from bot.core.privacy import pseudonym_key
from bot.delivery.notify import Notifier
from bot.present.errors import explain, stale_button
from bot.present.i18n import _, format_datetime, resolve_language, set_language, use_locale
from bot.runtime.logs import current_request_id, request_scope
from bot.runtime.metrics import UPDATES
from bot.runtime.settings import Settings
from bot.spine.callbacks import unpack
from bot.spine.context import Context
from bot.spine.flood import FloodGate
from bot.spine.messages import IncomingMessage, Kind, Reply
from bot.spine.routing import Router
from bot.spine.sanitise import clean
from bot.spine.states import MenuState
from complaints.errors import ComplaintsError
from complaints.privacy import pseudonym

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4


class Failed(Exception):
    """A step of the chat failed; `error`: the domain's reason, None for a fault of ours."""

    def __init__(self, error: ComplaintsError | None) -> None:
        super().__init__(error)
        self.error = error


class Store(Protocol):
    def unit_of_work(self, brief: bool = False,
                     alone: bool = False) -> AbstractAsyncContextManager[UnitOfWork]:
        """`brief`: a message's step, a few small statements the database may run
        without handing them to another thread, in a transaction shared with other
        messages' steps (group commit) unless `alone`."""
        ...


class Delivery(LeaseHolder, Protocol):
    """Who sends the messages a transaction owes once it commits (bot.delivery.outbox)."""

    lease_seconds: float

    def hand_over(self, items: list[Queued]) -> None: ...


def utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    def __init__(self, store: Store, router: Router, settings: Settings,
                 calendars: Calendars,
                 clock: Callable[[], datetime] = utcnow,
                 on_commit: Callable[[], None] = lambda: None,
                 flood: FloodGate | None = None) -> None:
        self.store = store
        self.router = router
        self.settings = settings
        self.calendars = calendars
        self.clock = clock
        self.on_commit = on_commit
        self.flood = flood
        self.delivery: Delivery | None = None
        """Set, the messages each update owes are leased for it as they are put, and
        handed to it on commit: no claim from the queue. Otherwise `on_commit` wakes
        whoever claims them."""
        self._key: bytes | None = None
        """The key of erased people's pseudonyms (bot.core.privacy), read once."""
        self._reading_key = asyncio.Lock()
        """The updates that come before the key is read wait for the one reading it,
        rather than each opening a transaction for it."""

    async def _pseudonym_key(self) -> bytes:
        """The key of erased people's pseudonyms, made if need be in a transaction of its
        own the first time, then kept for the process: it never changes, and it is kept
        only once committed, so every worker holds the same one."""
        if self._key is not None:
            return self._key
        async with self._reading_key:
            if self._key is None:
                async with self.store.unit_of_work() as uow:
                    key = await pseudonym_key(uow, self.settings)
                self._key = key
        return self._key

    async def handle(self, message: IncomingMessage) -> bool:
        with request_scope(current_request_id()):
            outcome = "failed"
            try:
                outcome = await self._handle(message)
            finally:
                UPDATES.labels(message.channel, outcome).inc()
                log.debug("%s update %s: %s", message.channel, message.update_key, outcome)
        return outcome in ("processed", "duplicate")

    async def _handle(self, message: IncomingMessage) -> str:
        """Process a message. True when it is in the database (processed now, or before:
        a redelivery); False when it was not taken: refused by flood control (the person
        is told), or with ids that fit no chat.

        Raises StorageError when the database cannot take it: the channel must then
        answer so that the message is delivered again later.
        """
        cleaned = clean(message)
        if cleaned is None:
            log.warning("%s: an update whose ids fit no chat was dropped", message.channel)
            return "dropped"
        if self.flood is not None:
            chat = (cleaned.channel, cleaned.chat_id)
            throttled = self.flood.admit(chat, self.clock())
            if throttled is not None:
                if throttled.tell:
                    await self._tell_throttled(cleaned, throttled.until)
                    self.flood.told(chat)
                return "throttled"
        try:
            done = await self._run(cleaned)
        except StorageError:
            if self.flood is not None:
                self.flood.refund((cleaned.channel, cleaned.chat_id))
            raise
        return "processed" if done else "duplicate"

    async def _tell_throttled(self, message: IncomingMessage, until: datetime) -> None:
        """The one message of a throttled period: what was not taken, and until when."""
        now = self.clock()
        async with self.store.unit_of_work() as uow:
            account = await uow.accounts.find(message.channel, message.user_id)
            language = resolve_language(account.language if account else None,
                                        message.language_code, self.settings.default_language)
            with use_locale(language):
                text = _("You are sending messages faster than I can read them, so I did not "
                         "take your last messages. Please send them again after {time}."
                         ).format(time=format_datetime(until, self.settings.tz))
            notifier = Notifier(uow, self.settings.default_language, now, key_prefix="flood")
            await notifier.send(Chat(message.channel, message.chat_id), Reply(text),
                                key=f"flood:{until.isoformat()}")
        self.on_commit()

    async def _run(self, message: IncomingMessage) -> bool | None:
        """The message's step in one transaction (None: a redelivery). A step that
        fails is not undone by a savepoint around every step, which cost two statements
        and about a seventh of the transaction's CPU (benchmarks/RESULTS.md): its
        transaction rolls back, and the message is taken again in a new one with the
        failure alone answered."""
        key = await self._pseudonym_key()
        step: Callable[[Context], Awaitable[bool]] = self._converse
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                # Taken again, a step runs alone: a step that fails cannot undo it.
                async with self.store.unit_of_work(brief=True, alone=attempt > 1) as uow:
                    if self.delivery is not None:
                        uow.outbox.lease_new(self.delivery, self.delivery.lease_seconds)
                    ctx = await self._open(uow, message, key)
                    if ctx is None:
                        return None
                    result = await step(ctx)
                break
            except Conflict:
                if attempt == MAX_ATTEMPTS:
                    raise
                log.info("conflict on %s update %s, processing again", message.channel,
                         message.update_key)
            except Failed as failed:
                step = partial(self._answer_failure, failed.error)
        if uow.outbox.leased and self.delivery is not None:
            self.delivery.hand_over(uow.outbox.leased)
        if uow.outbox.unleased:
            self.on_commit()
        return result

    async def _open(self, uow: UnitOfWork, message: IncomingMessage,
                    key: bytes) -> Context | None:
        """Record the message and build its context; None for a redelivery. `key`: the
        pseudonyms' key."""
        now = self.clock()
        account = await uow.accounts.identify(
            message.channel, message.user_id, message.chat_id, message.profile_name,
            message.language_code, now,
            erased_as=pseudonym(key, message.channel, message.user_id))
        if not await uow.inbound.record(message.channel, message.update_key, message.chat_id,
                                        account.id, message.kind.value, message.log_text(),
                                        message.log_data(), now):
            return None
        language = resolve_language(account.language, message.language_code,
                                    self.settings.default_language)
        set_language(language)
        dialog = await uow.dialogs.load(message.channel, message.chat_id)
        directory = await uow.directory.load()
        return Context(uow=uow, message=message, account=account, dialog=dialog,
                       directory=directory, settings=self.settings, now=now,
                       language=language, calendars=self.calendars,
                       covers=await covered_units(uow.accounts, directory, account))

    async def _converse(self, ctx: Context) -> bool:
        """A step of the chat, routed to its handler. One that fails (a domain error, or
        a fault of ours) raises Failed: the step is undone with its transaction."""
        dialog = ctx.dialog
        state_before = dialog.state
        try:
            async with ctx.uow.storage_errors():
                await self._route(ctx, dialog.offered())
        except StorageError:
            raise
        except ComplaintsError as error:
            raise Failed(error) from error
        except Exception as error:
            log.exception("handler failed on %s update %s", ctx.message.channel,
                          ctx.message.update_key)
            raise Failed(None) from error
        if ctx.options is not None:
            dialog.offer(ctx.options)
        elif dialog.state != state_before:
            dialog.forget_offer()
        await ctx.uow.dialogs.save(dialog, ctx.now)
        return True

    async def _answer_failure(self, error: ComplaintsError | None, ctx: Context) -> bool:
        """A failed step taken again: the person is told why (a domain error, explained;
        None: a fault of ours) and the conversation stays where it was."""
        uow, message = ctx.uow, ctx.message
        if error is None:
            await ctx.reply(Reply(_("Sorry, something went wrong on our side. Your message "
                                    "was saved; please try again in a moment.")))
        else:
            await ctx.reply(Reply(explain(error)))
            if (reason := audit.reason_of(error)) is not None:
                await audit.record(uow, account_id=ctx.account.id, channel=message.channel,
                                   update_key=message.update_key,
                                   action=audit.attempt_of(message, ctx.dialog.state),
                                   case_id=audit.case_of(error, message, ctx.dialog.data),
                                   reason=reason, now=ctx.now)
        await uow.dialogs.save(ctx.dialog, ctx.now)
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
                raise stale_button(reason="unknown_button")
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
            state_handler = self.router.states[MenuState.IDLE]
        await state_handler(ctx)


def _typed_option(text: str, items: list[list[str]]) -> str | None:
    """An option answered by its number ("2") or its exact label, as on text-only channels."""
    typed = text.strip().casefold()
    if typed.isdigit() and 1 <= int(typed) <= len(items):
        return items[int(typed) - 1][1]
    return next((payload for label, payload in items if label.strip().casefold() == typed),
                None)
