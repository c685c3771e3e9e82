"""Telegram: python-telegram-bot inside our aiohttp server.

The Application is built with no Updater: updates reach us by our own webhook route
(or our own long-polling loop), are translated into IncomingMessage and processed in
one transaction; only then is Telegram answered, so an update is either processed or
delivered again. Outgoing messages go through the outbox and the sender
(bot.channels.telegram.sender).
"""

import asyncio
import hmac
import logging
from collections.abc import Awaitable
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.channels.base import Handle, MediaStore
from bot.channels.telegram.adapter import to_incoming
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.transport import AiohttpRequest
from bot.spine.channel_ports import StorageError
from bot.spine.jsonguard import loads_bounded

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_BODY = 1 << 20


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


class TelegramChannel(TelegramSender):
    """The bot's updates in, and (as its sender) replies out."""

    def __init__(self, application: Application, handle: Handle,  # type: ignore[type-arg]
                 media: MediaStore, webhook_secret: str | None) -> None:
        super().__init__(application.bot, media)
        self.application = application
        self.handle = handle
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
        callback_id = await self.process(update)
        if callback_id:
            # Telegram carries out a method named in the webhook's answer (Bot API,
            # "Making requests when getting updates"): the press's spinner stops with
            # this answer, with no request of our own.
            return web.json_response({"method": "answerCallbackQuery",
                                      "callback_query_id": callback_id})
        return web.Response(text="ok")

    async def process(self, update: Update) -> str | None:
        """The update handled; the id of the button press it was, to be answered."""
        message = to_incoming(update)
        if message is None:
            return None
        await self.handle(message)
        return message.callback_id or None

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
                        if callback_id := await self.process(update):
                            self._in_background(self._answer_callback(callback_id))
                        break
                    except StorageError:
                        log.warning("database unavailable; update %s waits", update.update_id)
                        await asyncio.sleep(2)
                offset = update.update_id + 1


def _json(body: bytes) -> dict[str, Any]:
    data = loads_bounded(body, MAX_BODY)
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise ValueError("not an update")
    return data
