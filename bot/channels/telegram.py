"""Telegram: python-telegram-bot inside our aiohttp server.

The Application is built with no Updater: updates reach us by our own webhook route
(or our own long-polling loop), are translated into IncomingMessage and processed in
one transaction; only then is Telegram answered, so an update is either processed or
delivered again. Outgoing messages go through the outbox and this module's sender.
"""

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.channels.base import MediaStore, Outcome, RetryLater, Sent, Undeliverable
from bot.channels.telegram_transport import AiohttpRequest
from bot.jsonguard import loads_bounded
from bot.messages import (
    ButtonKind,
    IncomingMessage,
    Kind,
    Photo,
    Reply,
    SharedContact,
)
from storage.errors import StorageError
from storage.records import Queued

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
ALLOWED_UPDATES = ["message", "callback_query"]
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
MAX_BODY = 1 << 20
Handle = Callable[[IncomingMessage], Awaitable[bool]]

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def build_application(token: str, api_url: str) -> Application:  # type: ignore[type-arg]
    # PTB logs each request with its parameters (what people wrote, their names, the
    # cards with their contact details) at DEBUG: never below INFO.
    logging.getLogger("telegram").setLevel(logging.INFO)
    return (
        Application.builder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=2, read_timeout=40.0))
        .updater(None)
        .build()
    )


class TelegramChannel:
    channel = CHANNEL
    # Telegram allows 30 messages a second. Sends spaced exactly 1/30 s apart put 31 in
    # some 1 s window, and network jitter bunches them further: keep one under.
    rate_per_second: float | None = 29.0
    per_chat_interval = 1.0

    def __init__(self, application: Application, handle: Handle,  # type: ignore[type-arg]
                 media: MediaStore, webhook_secret: str | None) -> None:
        self.application = application
        self.bot = application.bot
        self.handle = handle
        self.media = media
        self.webhook_secret = webhook_secret
        self._polling: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    # --- lifecycle -------------------------------------------------------------------

    async def start(self, webhook_url: str | None) -> str:
        """Connect (getMe), then register the webhook or start polling; returns the bot's
        username."""
        await self.application.initialize()
        await self.application.start()
        if webhook_url:
            await self.bot.set_webhook(webhook_url, secret_token=self.webhook_secret,
                                       allowed_updates=ALLOWED_UPDATES)
        else:
            await self.bot.delete_webhook()
            self._polling = asyncio.create_task(self._poll(), name="telegram-polling")
        return str(self.bot.username)

    async def stop(self) -> None:
        if self._polling is not None:
            self._polling.cancel()
            await asyncio.gather(self._polling, return_exceptions=True)
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.application.stop()
        await self.application.shutdown()

    # --- receiving -------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        """Check the secret before reading the body; answer 2xx only after commit."""
        given = request.headers.get(SECRET_HEADER, "")
        if not self.webhook_secret or not hmac.compare_digest(given.encode(),
                                                              self.webhook_secret.encode()):
            return web.Response(status=401, text="unauthorized")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            body = await request.content.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                return web.Response(status=413, text="too large")
            update = Update.de_json(_json(body), self.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400, text="not an update")
        # A database outage is answered 503 by the web's middleware (bot.web.outage):
        # Telegram delivers the update again.
        await self.process(update)
        return web.Response(text="ok")

    async def process(self, update: Update) -> None:
        message = to_incoming(update)
        if message is None:
            return
        await self.handle(message)
        if message.callback_id:
            self._in_background(self._answer_callback(message.callback_id))

    async def _answer_callback(self, callback_id: str) -> None:
        try:
            await self.bot.answer_callback_query(callback_id)
        except (BadRequest, NetworkError) as exc:
            # Spinner only: the reply itself went through the outbox.
            log.info("answerCallbackQuery failed: %s", exc)

    def _in_background(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _poll(self) -> None:
        offset: int | None = None
        pause = 1.0
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=30,
                                                     allowed_updates=ALLOWED_UPDATES)
                pause = 1.0
            except InvalidToken:
                log.error("Telegram rejected the token; polling stops")
                return
            except (NetworkError, TimedOut, RetryAfter) as exc:
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 60)
                continue
            for update in updates:
                while True:
                    try:
                        await self.process(update)
                        break
                    except StorageError:
                        log.warning("database unavailable; update %s waits", update.update_id)
                        await asyncio.sleep(2)
                offset = update.update_id + 1

    # --- sending ---------------------------------------------------------------------

    async def deliver(self, item: Queued) -> Outcome:
        reply = Reply.from_json(item.body)
        chat_id = int(item.chat.chat_id)
        try:
            if item.kind == "edit":
                return await self._edit(chat_id, item.edit_target, reply)
            if reply.photo_attachment is not None or reply.document is not None:
                return await self._send_file(chat_id, reply)
            sent = await self.bot.send_message(chat_id, reply.text, reply_markup=_markup(reply))
            return Sent(str(sent.message_id))
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return RetryLater(seconds, f"flood control: retry after {seconds:.0f} s", flood=True)
        except Forbidden as exc:
            return Undeliverable(f"Telegram refused: {exc.message}")
        except BadRequest as exc:
            if "not modified" in exc.message:
                return Sent(item.edit_target)
            return Undeliverable(f"Telegram rejected the message: {exc.message}")
        except (TimedOut, NetworkError) as exc:
            return RetryLater(0, f"network: {exc}")

    async def _edit(self, chat_id: int, target: str | None, reply: Reply) -> Outcome:
        if target is None:
            return Undeliverable("the message to update was never delivered")
        markup = _markup(reply)
        await self.bot.edit_message_text(
            reply.text, chat_id=chat_id, message_id=int(target),
            reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None)
        return Sent(target)

    async def _send_file(self, chat_id: int, reply: Reply) -> Outcome:
        """A photo, or a document the person keeps; uploaded once, then sent by the file
        id Telegram gave it."""
        attachment_id = reply.document if reply.document is not None else reply.photo_attachment
        assert attachment_id is not None
        stored = await self.media.file(attachment_id)
        if stored is None or (stored.telegram_file_id is None and stored.content is None):
            return Undeliverable("the file is no longer stored")
        upload: str | InputFile
        if stored.telegram_file_id is not None:
            upload = stored.telegram_file_id
        else:
            assert stored.content is not None
            name = stored.filename or "photo" + _EXTENSIONS.get(stored.mime, ".jpg")
            upload = InputFile(stored.content, filename=name)
        caption, markup = reply.text or None, _markup(reply)
        if reply.document is not None:
            sent = await self.bot.send_document(chat_id, upload, caption=caption,
                                                reply_markup=markup)
            file_id = sent.document.file_id if sent.document else None
        else:
            sent = await self.bot.send_photo(chat_id, upload, caption=caption,
                                             reply_markup=markup)
            file_id = sent.photo[-1].file_id if sent.photo else None
        if stored.telegram_file_id is None and file_id:
            try:
                await self.media.remember_telegram_file(attachment_id, file_id)
            except StorageError as exc:
                # Sent all the same (it must not be sent again); uploaded again next time.
                log.warning("could not keep Telegram's id of file %s (%s)", attachment_id, exc)
        return Sent(str(sent.message_id))

    async def download(self, file_id: str) -> bytes:
        """A photo's bytes, for showing it outside Telegram (the web chat)."""
        file = await self.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())


def to_incoming(update: Update) -> IncomingMessage | None:
    """Private-chat messages and button presses; anything else is acknowledged unread."""
    try:
        return _read(update)
    except (AttributeError, TypeError, ValueError):
        # PTB makes objects of any JSON without checking it: an update that lacks what
        # Telegram always sends is unreadable, not a server error (it would come again).
        return None


def _read(update: Update) -> IncomingMessage | None:
    key = str(update.update_id)
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message else None
        if chat is not None and chat.type != "private":
            return None
        user = query.from_user
        return IncomingMessage(
            channel=CHANNEL, update_key=key, chat_id=str(chat.id if chat else user.id),
            user_id=str(user.id), kind=Kind.BUTTON, payload=query.data or "",
            callback_id=query.id, profile_name=user.full_name,
            language_code=user.language_code)
    message = update.message
    if message is None or message.from_user is None or message.chat.type != "private":
        return None
    user = message.from_user

    replied = message.reply_to_message

    def incoming(kind: Kind, **fields: Any) -> IncomingMessage:
        return IncomingMessage(channel=CHANNEL, update_key=key, chat_id=str(message.chat.id),
                               user_id=str(user.id), kind=kind, profile_name=user.full_name,
                               language_code=user.language_code,
                               reply_to=str(replied.message_id) if replied else None, **fields)

    if message.text is not None:
        if message.text.startswith("/"):
            head, _, args = message.text.partition(" ")
            command = head[1:].split("@", 1)[0].lower()
            return incoming(Kind.COMMAND, text=message.text, command=command,
                            args=args.strip())
        return incoming(Kind.TEXT, text=message.text)
    if message.photo:
        largest = message.photo[-1]
        return incoming(Kind.PHOTO, text=message.caption, photo=Photo(
            telegram_file_id=largest.file_id, size=largest.file_size or 0))
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return incoming(Kind.PHOTO, text=message.caption, photo=Photo(
            telegram_file_id=document.file_id, size=document.file_size or 0))
    if message.location is not None:
        return incoming(Kind.LOCATION,
                        location=(message.location.latitude, message.location.longitude))
    if message.contact is not None:
        contact = message.contact
        return incoming(Kind.CONTACT, contact=SharedContact(
            phone=contact.phone_number, name=contact.first_name,
            is_own=contact.user_id == user.id))
    return incoming(Kind.UNSUPPORTED)


def _markup(reply: Reply) -> Markup | None:
    if not reply.buttons:
        return ReplyKeyboardRemove() if reply.remove_keyboard else None
    kinds = {button.kind for row in reply.buttons for button in row}
    if kinds == {ButtonKind.CALLBACK}:
        return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.payload)
                                      for b in row] for row in reply.buttons])
    # Telegram asks for a contact or location only through a reply keyboard; the other
    # buttons then send their label, which the dispatcher maps back to the option.
    return ReplyKeyboardMarkup(
        [[KeyboardButton(b.label, request_contact=b.kind is ButtonKind.SHARE_CONTACT or None,
                         request_location=b.kind is ButtonKind.SHARE_LOCATION or None)
          for b in row] for row in reply.buttons],
        resize_keyboard=True, one_time_keyboard=True)


def _json(body: bytes) -> dict[str, Any]:
    data = loads_bounded(body, MAX_BODY)
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise ValueError("not an update")
    return data
