"""Zalo's Bot platform: a Telegram-like HTTP API (https://bot-api.zaloplatforms.com),
spoken to with a thin aiohttp client.

The platform has no buttons and sends no files: options go out as numbered lists (the
person answers with the number or the label) and files as short-lived signed links.
Updates come by webhook (the secret checked before the body is read) or by long
polling; they carry no update id, so (event name, message id) is the dedupe key.
"""

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from bot.channels.base import Handle, Outcome, RetryLater, Sent, Undeliverable
from bot.channels.zalo.capabilities import BOT_PLATFORM, ZALO_BOT
from bot.spine.channel_ports import Queued, StorageError
from bot.spine.jsonguard import loads_bounded
from bot.spine.messages import IncomingMessage, Kind, Photo, Reply, numbered

log = logging.getLogger(__name__)

CHANNEL = ZALO_BOT
SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
MAX_BODY = 1 << 20
EVENTS = {"message.text.received", "message.image.received", "message.sticker.received",
          "message.unsupported.received"}
Link = Callable[[int], Awaitable[str | None]]
"""The address a file can be fetched at by Zalo, or None when the file is gone."""


class ZaloBotError(Exception):
    def __init__(self, status: int, code: int | None, description: str) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status, self.code, self.description = status, code, description


class ZaloBotClient:
    """`{api}/bot{token}/{method}` with JSON bodies; results unwrapped from {ok, result}."""

    def __init__(self, api_url: str, token: str) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{token}"
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(self, method: str, **params: Any) -> Any:
        assert self._session is not None, "the client is not open"
        async with self._session.post(f"{self.base}/{method}", json=params) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                raise ZaloBotError(response.status, None, "not JSON") from None
        if response.status >= 400 or not isinstance(body, dict) or not body.get("ok"):
            description = body.get("description", "") if isinstance(body, dict) else ""
            code = body.get("error_code") if isinstance(body, dict) else None
            raise ZaloBotError(response.status, code, str(description))
        return body.get("result")


class ZaloBotChannel:
    channel = CHANNEL

    def __init__(self, client: ZaloBotClient, handle: Handle, link: Link,
                 webhook_secret: str | None) -> None:
        self.client = client
        self.handle = handle
        self.link = link
        self.webhook_secret = webhook_secret
        self._polling: asyncio.Task[None] | None = None

    async def start(self, webhook_url: str | None) -> str:
        """Connect (getMe), then register the webhook or start polling; the bot's name."""
        await self.client.open()
        me = await self.client.call("getMe")
        if webhook_url:
            await self.client.call("setWebhook", url=webhook_url,
                                   secret_token=self.webhook_secret)
        else:
            await self.client.call("deleteWebhook")
            self._polling = asyncio.create_task(self._poll(), name="zalo-bot-polling")
        return str(me.get("account_name") or me.get("name") or me.get("id"))

    async def stop(self) -> None:
        if self._polling is not None:
            self._polling.cancel()
            await asyncio.gather(self._polling, return_exceptions=True)
        await self.client.close()

    # --- receiving -----------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not self.webhook_secret or not hmac.compare_digest(given.encode(),
                                                              self.webhook_secret.encode()):
            return web.Response(status=401, text="unauthorized")
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            update = unwrap(loads_bounded(body, MAX_BODY))
        except (ValueError, TypeError):
            return web.Response(status=400, text="not an update")
        message = to_incoming(update)
        if message is not None:  # a database outage is a 503 (bot.web.outage): sent again
            await self.handle(message)
        return web.json_response({"ok": True})

    async def _poll(self) -> None:
        pause = 1.0
        while True:
            try:
                result = await self.client.call("getUpdates", timeout="30")
                pause = 1.0
            except (ZaloBotError, aiohttp.ClientError, TimeoutError) as exc:
                log.warning("Zalo getUpdates failed (%s); retrying in %.0f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 60)
                continue
            for update in result if isinstance(result, list) else [result] if result else []:
                message = to_incoming(update)
                while message is not None:
                    try:
                        await self.handle(message)
                        break
                    except StorageError:
                        await asyncio.sleep(2)

    # --- sending -------------------------------------------------------------------------

    async def deliver(self, item: Queued) -> Outcome:
        reply = Reply.from_json(item.body)
        chat = item.chat.chat_id
        if item.kind == "edit":
            # No editing on this platform: the new state of a card comes as a new message.
            reply = Reply(reply.text, buttons=reply.buttons)
        try:
            photo = (await self.link(reply.photo_attachment)
                     if reply.photo_attachment is not None else None)
            if photo is not None:
                result = await self.client.call(
                    "sendPhoto", chat_id=chat, photo=photo,
                    caption=reply.text[:BOT_PLATFORM.text_limit] or None)
                return Sent(_message_id(result))
            text = numbered(reply)
            document = await self.link(reply.document) if reply.document is not None else None
            if document is not None:
                text += "\n" + document
            result = await self.client.call("sendMessage", chat_id=chat, text=text)
            return Sent(_message_id(result))
        except ZaloBotError as exc:
            return _outcome(exc)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return RetryLater(0, f"network: {exc.__class__.__name__}")


def unwrap(body: Any) -> dict[str, Any]:
    """Updates come bare ({event_name, message}) or wrapped ({ok, result})."""
    if isinstance(body, dict) and "result" in body and "event_name" not in body:
        body = body["result"]
    if not isinstance(body, dict):
        raise ValueError("not an update")
    return body


def to_incoming(update: dict[str, Any]) -> IncomingMessage | None:
    event = update.get("event_name")
    message = update.get("message")
    if not isinstance(event, str) or event not in EVENTS or not isinstance(message, dict):
        return None
    sender, chat = _part(message.get("from")), _part(message.get("chat"))
    if chat.get("chat_type", "PRIVATE") != "PRIVATE" or not sender.get("id"):
        return None

    def incoming(kind: Kind, **fields: Any) -> IncomingMessage:
        return IncomingMessage(channel=CHANNEL, update_key=f"{event}:{message.get('message_id')}",
                               chat_id=str(chat.get("id") or sender["id"]),
                               user_id=str(sender["id"]), kind=kind,
                               profile_name=str(sender.get("display_name")
                                                or sender.get("name") or ""), **fields)

    text = message.get("text")
    if event == "message.text.received" and isinstance(text, str):
        if text.startswith("/"):
            head, _, args = text.partition(" ")
            return incoming(Kind.COMMAND, text=text, command=head[1:].lower(), args=args.strip())
        return incoming(Kind.TEXT, text=text)
    caption = message.get("caption")
    if event == "message.image.received" and message.get("photo"):
        return incoming(Kind.PHOTO, text=caption if isinstance(caption, str) else None,
                        photo=Photo(url=str(message["photo"])))
    return incoming(Kind.UNSUPPORTED)


def _part(value: Any) -> dict[str, Any]:
    """A part of an update that should be an object, or an empty one if it is not."""
    return value if isinstance(value, dict) else {}


def _message_id(result: Any) -> str | None:
    if isinstance(result, dict) and result.get("message_id") is not None:
        return str(result["message_id"])
    return None


def _outcome(error: ZaloBotError) -> Outcome:
    if error.status == 429 or error.code == 429:
        return RetryLater(5, f"Zalo asked to slow down: {error.description}", flood=True)
    if error.status >= 500:
        return RetryLater(0, f"Zalo failed: {error}")
    if error.status in (401, 403) and error.code in (401, 403, None):
        # The bot's token is refused: a setting to fix, not the person's doing.
        return RetryLater(0, f"Zalo refused the bot's token: {error.description}")
    return Undeliverable(f"Zalo rejected the message: {error}")

