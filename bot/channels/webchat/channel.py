"""The web chat: a page, a websocket per open tab, uploads of photos.

A visitor is identified by a random token in an HTTP-only cookie, signed with the
service's key (HMAC): a cookie the service did not issue is no visitor's, whatever it
holds, and gets a new session. The chat id is the token's hash, so the cookie is the
only credential and is never stored. Every message carries a client id: the server
acknowledges it only after it is committed, and a message sent again after a reconnect
is recognised as the same one.
"""

import asyncio
import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Callable
from functools import cache
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Protocol

from aiohttp import BodyPartReader, WSMsgType, hdrs, web

from bot.channels.base import Handle, Outcome, Sent, StoredFile, UploadRefusal
from bot.channels.webchat.capabilities import CHANNEL
from bot.files.links import parse_id
from bot.runtime.clients import Networks, client_address, cookies_secure, trustworthy_host
from bot.spine.channel_ports import Queued, StorageError
from bot.spine.jsonguard import loads_bounded
from bot.spine.messages import IncomingMessage, Kind, Photo, row_id

log = logging.getLogger(__name__)

COOKIE = "pakn_chat"
COOKIE_MAX_AGE = 365 * 24 * 3600
MAX_TEXT = 4000
MAX_FRAME = 64 << 10
"""A chat frame: a text of MAX_TEXT characters, escaped, fits with room to spare."""
MAX_UPLOAD = 5 << 20
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
Listener = Callable[[dict[str, Any]], None]


class WebChatBackend(Protocol):
    async def history(self, chat_id: str, limit: int) -> list[dict[str, Any]]: ...
    async def store_upload(self, chat_id: str, language: str | None, content: bytes,
                           client: str | None) -> int | UploadRefusal: ...
    async def media(self, chat_id: str, attachment_id: int) -> StoredFile | None: ...


class Notices(Protocol):
    """Notices between the processes serving one database (storage.notices)."""

    @property
    def enabled(self) -> bool: ...
    def fits(self, payload: dict[str, Any]) -> bool: ...
    async def publish(self, payload: dict[str, Any]) -> None: ...
    async def listen(self, listener: Listener) -> None: ...


def chat_id_of(token: str) -> str:
    """The chat of a visitor's token (or of the whole cookie: its signature is not part
    of it)."""
    return hashlib.sha256(token.partition(".")[0].encode()).hexdigest()[:32]


class WebChatChannel:
    channel = CHANNEL

    def __init__(self, handle: Handle, backend: WebChatBackend,
                 proxies: Networks = (), public_url: str | None = None,
                 notices: Notices | None = None) -> None:
        self.handle = handle
        self.backend = backend
        self.proxies = proxies
        self.public_url = public_url
        self.cookie_key: bytes | None = None
        """Signs the visitors' cookies; set when the service starts (one for all workers)."""
        self._sockets: dict[str, set[web.WebSocketResponse]] = defaultdict(set)
        self.notices = notices
        """Tells the other processes serving the database what to push to their tabs."""
        self._instance = secrets.token_hex(8)
        self._relayed: set[asyncio.Task[None]] = set()

    # --- who is this: the cookie -------------------------------------------------------

    def _signature(self, token: str) -> str:
        assert self.cookie_key is not None, "the service is not started"
        mac = hmac.new(self.cookie_key, token.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def visitor(self, request: web.Request) -> str | None:
        """The visitor's token, if their cookie is one this service issued."""
        token, _, signature = request.cookies.get(COOKIE, "").partition(".")
        if not _TOKEN.fullmatch(token) or self.cookie_key is None:
            return None
        return token if hmac.compare_digest(signature.encode(errors="replace"),
                                            self._signature(token).encode()) else None

    def issue(self, request: web.Request, response: web.StreamResponse) -> str:
        """A new visitor: a token, in a signed cookie set on `response`.

        Over HTTPS (or on a loopback address, which browsers treat alike) the cookie is
        partitioned (CHIPS: `Secure; SameSite=None; Partitioned`): inside a portal's
        frame the browser keeps it, for that portal only, so the chat embedded on another
        site keeps its conversation, and no other site's page can send it along. Over
        plain HTTP elsewhere browsers refuse `Secure`: it stays `SameSite=Lax`."""
        token = secrets.token_urlsafe(32)
        partitioned = (cookies_secure(request, self.proxies, self.public_url)
                       or trustworthy_host(request))
        value = f"{token}.{self._signature(token)}"
        if not partitioned:
            response.set_cookie(COOKIE, value, max_age=COOKIE_MAX_AGE, httponly=True,
                                path="/", samesite="Lax")
            return token
        cookie: SimpleCookie = SimpleCookie()
        cookie[COOKIE] = value
        cookie[COOKIE].update({"max-age": str(COOKIE_MAX_AGE), "httponly": "1", "path": "/",
                               "secure": "1", "samesite": "None"})
        # Python before 3.14 cannot write the Partitioned attribute: added by hand.
        response.headers.add(hdrs.SET_COOKIE, cookie[COOKIE].OutputString() + "; Partitioned")
        return token

    # --- delivery: push to the tabs open on this chat ----------------------------------

    async def deliver(self, item: Queued) -> Outcome:
        """Delivered means stored for the chat: a tab open now gets it pushed, a tab
        opened later reads it from the history."""
        event = {"type": "edit" if item.kind == "edit" else "message", "id": item.id,
                 "target": int(item.edit_target) if item.edit_target else None, **item.body}
        await self._push(item.chat.chat_id, event)
        await self._relay(item.chat.chat_id, event)
        return Sent(str(item.id))

    # --- tabs open on another process of the same database -----------------------------

    async def _relay(self, chat_id: str, event: dict[str, Any]) -> None:
        """The chat may have a tab open on another process: tell them all. A message too
        long for a notice is read from the history there instead."""
        if self.notices is None or not self.notices.enabled:
            return
        notice: dict[str, Any] = {"from": self._instance, "chat": chat_id, "event": event}
        if not self.notices.fits(notice):
            notice = {"from": self._instance, "chat": chat_id, "refresh": True}
        await self.notices.publish(notice)

    async def follow(self) -> None:
        """Push what the other processes delivered to the tabs open here (until
        cancelled)."""
        if self.notices is not None:
            await self.notices.listen(self._noticed)

    def _noticed(self, notice: dict[str, Any]) -> None:
        chat_id = notice.get("chat")
        if notice.get("from") == self._instance or chat_id not in self._sockets:
            return
        event = notice.get("event")
        push = (self._push(chat_id, event) if isinstance(event, dict)
                else self._refresh(chat_id))
        task = asyncio.create_task(push)
        self._relayed.add(task)
        task.add_done_callback(self._relayed.discard)

    async def _refresh(self, chat_id: str) -> None:
        try:
            event = {"type": "history", "items": await self.backend.history(chat_id, 100)}
        except StorageError:
            return  # the tab reads its history when it reconnects
        await self._push(chat_id, event)

    async def _push(self, chat_id: str, event: dict[str, Any]) -> None:
        for socket in list(self._sockets.get(chat_id, ())):
            try:
                await socket.send_json(event)
            except (ConnectionError, RuntimeError):
                self._sockets[chat_id].discard(socket)

    async def close_all(self) -> None:
        for sockets in list(self._sockets.values()):
            for socket in list(sockets):
                await socket.close()

    # --- the websocket -----------------------------------------------------------------

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        token = self.visitor(request)
        if token is None:
            return web.Response(status=401, text="open the chat page first")
        if not _same_origin(request):
            return web.Response(status=403, text="cross-origin websocket refused")
        socket = web.WebSocketResponse(heartbeat=30, max_msg_size=64 * 1024)
        await socket.prepare(request)
        chat_id = chat_id_of(token)
        language = _page_language(request)
        client = client_address(request, self.proxies)
        self._sockets[chat_id].add(socket)
        try:
            await socket.send_json({"type": "history",
                                    "items": await self.backend.history(chat_id, 100)})
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    continue
                await self._receive(socket, chat_id, language, client, frame.data)
        except StorageError:
            await socket.send_json({"type": "unavailable"})
        finally:
            self._sockets[chat_id].discard(socket)
            if not self._sockets[chat_id]:
                del self._sockets[chat_id]
        return socket

    async def _receive(self, socket: web.WebSocketResponse, chat_id: str,
                       language: str | None, client: str | None, raw: str) -> None:
        try:
            data = loads_bounded(raw, MAX_FRAME)
            message = _to_incoming(data, chat_id, language, client)
        except (ValueError, TypeError, KeyError):
            await socket.send_json({"type": "invalid"})
            return
        try:
            taken = await self.handle(message)
        except StorageError:
            await socket.send_json({"type": "retry", "client_id": data["client_id"]})
            return
        # A message not taken (flood control) is never acknowledged as received; the
        # person is told why in the chat.
        await socket.send_json({"type": "ack" if taken else "refused",
                                "client_id": data["client_id"]})

    # --- uploads and photos --------------------------------------------------------------

    async def upload(self, request: web.Request) -> web.Response:
        token = self.visitor(request)
        if token is None or not _same_origin(request):
            return web.json_response({"error": "forbidden"}, status=403)
        try:
            reader = await request.multipart()
            part = await reader.next()
        except (ValueError, AssertionError):
            return web.json_response({"error": "not a form upload"}, status=400)
        if not isinstance(part, BodyPartReader) or part.name != "photo":
            return web.json_response({"error": "no photo"}, status=400)
        content = bytearray()
        while chunk := await part.read_chunk(64 * 1024):
            content += chunk
            if len(content) > MAX_UPLOAD:
                return web.json_response({"error": "too large"}, status=413)
        language = request.headers.get("Accept-Language", "").split(",")[0] or None
        try:
            stored = await self.backend.store_upload(chat_id_of(token), language,
                                                     bytes(content),
                                                     client_address(request, self.proxies))
        except StorageError:
            return web.json_response({"error": "try again"}, status=503)
        if isinstance(stored, UploadRefusal):
            return web.json_response({"error": stored.code, "message": stored.message},
                                     status=stored.status)
        return web.json_response({"attachment_id": stored})

    async def media(self, request: web.Request) -> web.StreamResponse:
        token = self.visitor(request)
        attachment_id = parse_id(request.match_info["attachment_id"])
        if attachment_id is None or token is None:
            raise web.HTTPNotFound()
        found = await self.backend.media(chat_id_of(token), attachment_id)
        if found is None:
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "private, max-age=86400",
                   "X-Content-Type-Options": "nosniff"}
        if found.filename:
            headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
        return web.Response(body=found.content, content_type=found.mime, headers=headers)


def _to_incoming(data: dict[str, Any], chat_id: str, language: str | None,
                 client: str | None) -> IncomingMessage:
    client_id = data["client_id"]
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        raise ValueError("bad client id")
    base: dict[str, Any] = {"channel": CHANNEL, "update_key": f"{chat_id}:{client_id}",
                            "chat_id": chat_id, "user_id": chat_id, "language_code": language,
                            "client_address": client}
    kind = data["type"]
    if kind == "text":
        text = str(data["text"])[:MAX_TEXT]
        if not text.strip():
            raise ValueError("empty")
        if text.startswith("/"):
            head, _, args = text.partition(" ")
            return IncomingMessage(kind=Kind.COMMAND, text=text, command=head[1:].lower(),
                                   args=args.strip(), **base)
        return IncomingMessage(kind=Kind.TEXT, text=text, **base)
    if kind == "button":
        return IncomingMessage(kind=Kind.BUTTON, payload=str(data["payload"])[:64], **base)
    if kind == "photo":
        photo = Photo(attachment_id=row_id(data["attachment_id"]))
        return IncomingMessage(kind=Kind.PHOTO, photo=photo, **base)
    if kind == "location":
        latitude, longitude = float(data["latitude"]), float(data["longitude"])
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("bad location")
        return IncomingMessage(kind=Kind.LOCATION, location=(latitude, longitude), **base)
    raise ValueError(f"unknown message type {kind!r}")


def _page_language(request: web.Request) -> str | None:
    """The language of the page the chat runs in (the visitor's choice there), else the
    browser's."""
    chosen = request.query.get("lang")
    if chosen is not None and re.fullmatch(r"[a-z]{2}", chosen):
        return chosen
    return request.headers.get("Accept-Language", "").split(",")[0] or None


EMBED_SCRIPT = Path(__file__).resolve().parents[2] / "static" / "embed.js"


@cache
def _embed_source() -> bytes:
    return EMBED_SCRIPT.read_bytes()


async def embed_script(request: web.Request) -> web.Response:
    """The script a portal includes to show the chat behind a floating button: at a fixed
    address (no version in it), so that it is cached for an hour only."""
    return web.Response(body=_embed_source(), content_type="text/javascript",
                        charset="utf-8", headers={"Cache-Control": "public, max-age=3600",
                                                  "X-Content-Type-Options": "nosniff"})


def frame_ancestors(policy: str, origins: tuple[str, ...]) -> str:
    """The page's Content-Security-Policy with the portals allowed to frame the chat."""
    allowed = " ".join(("'self'", *origins))
    return re.sub(r"frame-ancestors [^;]*", f"frame-ancestors {allowed}", policy)


def _same_origin(request: web.Request) -> bool:
    """Refuse a websocket or upload started by another site's page (a cookie sent with
    `SameSite=None` would ride along): the Origin, when the browser sends one, must be
    this host, and the browser's own Sec-Fetch-Site, when sent, must say so too. The chat
    embedded in a portal's frame is a page of this origin: it passes."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    host = request.headers.get("Host", "")
    return hmac.compare_digest(origin.split("://", 1)[-1].encode(), host.encode())
