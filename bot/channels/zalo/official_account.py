"""A Zalo Official Account (OA): the way government bodies talk to citizens on Zalo.

Events reach `POST /webhook/zalo-oa` signed with
`X-ZEvent-Signature: mac=sha256(app_id + raw body + timestamp + OA secret key)`; nothing
is acted on before the signature checks out, and an event whose timestamp is more than
a few minutes from our clock is refused (a captured event replayed later, or one signed
ahead of time). Replies go through the v3 consultation
message API, which Zalo allows only for a while after the person last wrote (see
bot.channels.zalo.window): a message outside the window is recorded undeliverable with the
reason, never retried forever. Buttons become OA "query" buttons whose tap comes
back as a text carrying the payload; beyond five options, a numbered list.
"""

import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import aiohttp
from aiohttp import web

from bot.channels.base import Handle, Outcome, RetryLater, Sent, Undeliverable
from bot.channels.zalo.capabilities import MAX_BUTTONS, ZALO_OA
from bot.spine.channel_ports import Queued
from bot.spine.jsonguard import JsonRefused, loads_bounded
from bot.spine.messages import IncomingMessage, Kind, Photo, Reply, numbered

log = logging.getLogger(__name__)

CHANNEL = ZALO_OA
SIGNATURE_HEADER = "X-ZEvent-Signature"
BUTTON_PREFIX = "#pakn "
"""A query button sends its payload back as text: this marks it as a button press."""
MAX_BODY = 1 << 20
_MILLISECONDS = re.compile(r"[0-9]{1,13}")
Link = Callable[[int], Awaitable[str | None]]
"""The address a file can be fetched at by Zalo, or None when the file is gone."""

# Zalo's error codes for the consultation API, by what they mean for a message.
TOKEN_REFUSED = {-216, -124, -14014}
NOT_REACHABLE = {-213: "the person does not follow the OA or has not written to it",
                 -201: "the person does not follow the OA",
                 -230: "the person has not written to the OA in the past 7 days"}
SLOW_DOWN = {-32: "Zalo's rate limit was reached"}
QUOTA = {-224: "the OA's message quota is used up", -240: "the OA's message quota is used up"}


class ZaloAuthError(Exception):
    """No access token can be had: an administrator must set a new refresh token."""


class Tokens(Protocol):
    async def access_token(self, refused: str | None = None) -> str: ...


class Window(Protocol):
    async def closed(self, chat_id: str, now: datetime) -> str | None: ...


class ZaloOAChannel:
    channel = CHANNEL

    def __init__(self, api_url: str, app_id: str, secret_key: str, tokens: Tokens,
                 handle: Handle, link: Link, window: Window,
                 clock: Callable[[], datetime],
                 window_minutes: float = 5.0) -> None:
        self.url = f"{api_url.rstrip('/')}/v3.0/oa/message/cs"
        self.app_id, self.secret_key = app_id, secret_key
        self.tokens = tokens
        self.handle = handle
        self.link = link
        self.window = window
        self.clock = clock
        self.event_window = timedelta(minutes=window_minutes)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()

    # --- receiving -----------------------------------------------------------------------

    def verify(self, body: bytes, signature: str) -> dict[str, Any] | None:
        """The event, if its MAC checks out and it was signed within the window of our
        clock; None otherwise. Zalo's MAC covers two fields of the body (app_id and
        timestamp), so the body is parsed (bounded in size and depth) to find them, and
        nothing in it is used before the check."""
        try:
            event = loads_bounded(body, MAX_BODY)
            # JSON escapes can spell lone surrogates, which do not encode: not signed.
            timestamp = str(event["timestamp"]).encode()
            app_id = str(event["app_id"]).encode()
        except (JsonRefused, TypeError, KeyError, UnicodeEncodeError):
            return None
        if not isinstance(event, dict) or not hmac.compare_digest(app_id,
                                                                  self.app_id.encode()):
            return None
        expected = hashlib.sha256(
            app_id + body + timestamp + self.secret_key.encode()).hexdigest()
        given = signature.removeprefix("mac=").strip()
        if not hmac.compare_digest(expected.encode(), given.encode(errors="replace")):
            return None
        if not self._fresh(timestamp.decode()):
            log.warning("Zalo OA: a signed event outside the %s window was refused",
                        self.event_window)
            return None
        return event

    def _fresh(self, timestamp: str) -> bool:
        """Zalo stamps events in milliseconds since the epoch."""
        if not _MILLISECONDS.fullmatch(timestamp):
            return False
        sent = datetime.fromtimestamp(int(timestamp) / 1000, UTC)
        return abs(self.clock() - sent) <= self.event_window

    async def webhook(self, request: web.Request) -> web.Response:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not signature:
            return web.Response(status=401, text="unauthorized")
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="too large")
        event = self.verify(body, signature)
        if event is None:
            return web.Response(status=401, text="unauthorized")
        message = to_incoming(event)
        if message is not None:  # a database outage is a 503 (bot.web.outage): sent again
            await self.handle(message)
        return web.json_response({"error": 0})

    # --- sending -------------------------------------------------------------------------

    async def deliver(self, item: Queued) -> Outcome:
        user = item.chat.chat_id
        # The last message to a person who erased their data: their messages are kept
        # under the chat's pseudonym, which the window is counted by.
        closed = await self.window.closed(item.chat_pseudonym or user, self.clock())
        if closed is not None:
            return Undeliverable(closed)
        message = await self._message(Reply.from_json(item.body))
        try:
            token = await self.tokens.access_token()
            result = await self._post(token, user, message)
            if result.get("error") in TOKEN_REFUSED:
                token = await self.tokens.access_token(refused=token)
                result = await self._post(token, user, message)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return RetryLater(0, f"network: {exc.__class__.__name__}")
        except ZaloAuthError as exc:  # retried: an administrator can set a new token
            return RetryLater(0, str(exc))
        return _outcome(result)

    async def _post(self, token: str, user: str, message: dict[str, Any]) -> dict[str, Any]:
        assert self._session is not None, "the channel is not started"
        async with self._session.post(self.url, headers={"access_token": token},
                                      json={"recipient": {"user_id": user},
                                            "message": message}) as response:
            if response.status >= 500:
                raise aiohttp.ClientResponseError(response.request_info, (),
                                                  status=response.status)
            body = await response.json(content_type=None)
        return body if isinstance(body, dict) else {"error": -1, "message": "not JSON"}

    async def _message(self, reply: Reply) -> dict[str, Any]:
        photo = (await self.link(reply.photo_attachment)
                 if reply.photo_attachment is not None else None)
        if photo is not None:
            return {"text": reply.text, "attachment": {"type": "template", "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "url": photo}]}}}
        options = reply.options
        text = reply.text
        document = await self.link(reply.document) if reply.document is not None else None
        if document is not None:
            text += "\n" + document
        if not options or len(options) > MAX_BUTTONS:
            return {"text": numbered(Reply(text, buttons=reply.buttons))}
        return {"text": text, "attachment": {"type": "template", "payload": {"buttons": [
            {"title": label[:100], "type": "oa.query.hide", "payload": BUTTON_PREFIX + payload}
            for label, payload in options]}}}


def to_incoming(event: Any) -> IncomingMessage | None:
    """An event as a message. Signed events are Zalo's, but their parts are still checked
    for shape: a part that is not what Zalo documents makes the event unreadable, never
    a server error (which Zalo would answer by sending it again)."""
    if not isinstance(event, dict):
        return None
    name = str(event.get("event_name", ""))
    sender = str(_part(event.get("sender") or event.get("follower")).get("id") or "")
    if not sender:
        return None
    message = _part(event.get("message"))
    key = f"{name}:{message.get('msg_id') or event.get('timestamp')}"

    def incoming(kind: Kind, **fields: Any) -> IncomingMessage:
        return IncomingMessage(channel=CHANNEL, update_key=key, chat_id=sender,
                               user_id=sender, kind=kind, **fields)

    if name == "follow":
        return incoming(Kind.COMMAND, text="/start", command="start")
    if name == "user_send_text":
        text = str(message.get("text") or "")
        if text.startswith(BUTTON_PREFIX):
            return incoming(Kind.BUTTON, payload=text[len(BUTTON_PREFIX):].strip()[:64])
        if text.startswith("/"):
            head, _, args = text.partition(" ")
            return incoming(Kind.COMMAND, text=text, command=head[1:].lower(), args=args.strip())
        return incoming(Kind.TEXT, text=text)
    attachments = message.get("attachments")
    first = _part(attachments[0]) if isinstance(attachments, list) and attachments else {}
    payload = _part(first.get("payload"))
    caption = message.get("text")
    if name == "user_send_image" and isinstance(payload.get("url"), str) and payload["url"]:
        return incoming(Kind.PHOTO, text=caption if isinstance(caption, str) else None,
                        photo=Photo(url=payload["url"]))
    if name == "user_send_location":
        place = _part(message.get("location") or payload.get("coordinates"))
        try:
            return incoming(Kind.LOCATION, location=(float(place["latitude"]),
                                                     float(place["longitude"])))
        except (KeyError, TypeError, ValueError):
            return incoming(Kind.UNSUPPORTED)
    if name.startswith("user_send_"):
        return incoming(Kind.UNSUPPORTED)
    return None  # unfollow, delivery and read receipts: nothing to answer


def _part(value: Any) -> dict[str, Any]:
    """A part of an event that should be an object, or an empty one if it is not."""
    return value if isinstance(value, dict) else {}


def _outcome(result: dict[str, Any]) -> Outcome:
    code = result.get("error")
    if code == 0:
        data = result.get("data") or {}
        return Sent(str(data.get("message_id")) if data.get("message_id") else None)
    detail = f"{code}: {result.get('message', '')}"
    if code in NOT_REACHABLE:
        return Undeliverable(f"Zalo: {NOT_REACHABLE[code]} ({detail})")
    if code in SLOW_DOWN:
        return RetryLater(60, f"Zalo: {SLOW_DOWN[code]} ({detail})", flood=True)
    if code in QUOTA:
        return Undeliverable(f"Zalo: {QUOTA[code]} ({detail})")
    if code in TOKEN_REFUSED:
        return RetryLater(0, f"Zalo refused the access token ({detail})")
    return Undeliverable(f"Zalo rejected the message ({detail})")
