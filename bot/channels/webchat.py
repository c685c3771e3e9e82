"""The web chat: a page, a websocket per open tab, uploads of photos.

A visitor is identified by a random token in an HTTP-only cookie; the chat id is its
hash, so the cookie is the only credential and is never stored. Every message carries
a client id: the server acknowledges it only after it is committed, and a message sent
again after a reconnect is recognised as the same one.
"""

import hashlib
import hmac
import json
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from aiohttp import BodyPartReader, WSMsgType, web

from bot.channels.base import Outcome, Sent, StoredFile
from bot.clients import Networks, client_address
from bot.messages import IncomingMessage, Kind, Photo
from storage.errors import StorageError
from storage.records import Queued

log = logging.getLogger(__name__)

CHANNEL = "webchat"
COOKIE = "pakn_chat"
COOKIE_MAX_AGE = 365 * 24 * 3600
MAX_TEXT = 4000
MAX_UPLOAD = 5 << 20
IMAGE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png",
               b"RIFF": "image/webp"}
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
Handle = Callable[[IncomingMessage], Awaitable[bool]]


class WebChatBackend(Protocol):
    async def history(self, chat_id: str, limit: int) -> list[dict[str, Any]]: ...
    async def store_upload(self, chat_id: str, language: str | None, content: bytes,
                           mime: str) -> int: ...
    async def media(self, chat_id: str, attachment_id: int) -> StoredFile | None: ...


def chat_id_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def visitor_token(request: web.Request) -> str | None:
    token = request.cookies.get(COOKIE)
    return token if token and re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token) else None


def ensure_visitor(request: web.Request, response: web.StreamResponse) -> str:
    """The visitor's token, issuing one (in the response's cookie) on first visit."""
    token = visitor_token(request)
    if token is None:
        token = secrets.token_urlsafe(32)
        response.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE, httponly=True,
                            samesite="Lax", secure=request.secure, path="/")
    return token


class WebChatChannel:
    channel = CHANNEL
    rate_per_second: float | None = None
    per_chat_interval = 0.0

    def __init__(self, handle: Handle, backend: WebChatBackend,
                 proxies: Networks = ()) -> None:
        self.handle = handle
        self.backend = backend
        self.proxies = proxies
        self._sockets: dict[str, set[web.WebSocketResponse]] = defaultdict(set)

    # --- delivery: push to the tabs open on this chat ----------------------------------

    async def deliver(self, item: Queued) -> Outcome:
        """Delivered means stored for the chat: a tab open now gets it pushed, a tab
        opened later reads it from the history."""
        event = {"type": "edit" if item.kind == "edit" else "message", "id": item.id,
                 "target": int(item.edit_target) if item.edit_target else None, **item.body}
        await self._push(item.chat.chat_id, event)
        return Sent(str(item.id))

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
        token = visitor_token(request)
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
            data = json.loads(raw)
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
        token = visitor_token(request)
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
        mime = next((m for magic, m in IMAGE_TYPES.items() if content.startswith(magic)), None)
        if mime is None:
            return web.json_response({"error": "not an image"}, status=415)
        language = request.headers.get("Accept-Language", "").split(",")[0] or None
        try:
            attachment_id = await self.backend.store_upload(chat_id_of(token), language,
                                                            bytes(content), mime)
        except StorageError:
            return web.json_response({"error": "try again"}, status=503)
        return web.json_response({"attachment_id": attachment_id})

    async def media(self, request: web.Request) -> web.StreamResponse:
        token = visitor_token(request)
        try:
            attachment_id = int(request.match_info["attachment_id"])
        except ValueError:
            raise web.HTTPNotFound() from None
        found = await self.backend.media(chat_id_of(token), attachment_id) if token else None
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
        photo = Photo(attachment_id=int(data["attachment_id"]))
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


EMBED_SCRIPT = Path(__file__).resolve().parent.parent / "static" / "embed.js"


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
    """Refuse a websocket or upload started by another site's page (the cookie would ride
    along): the Origin, when the browser sends one, must be this host."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    host = request.headers.get("Host", "")
    return hmac.compare_digest(origin.split("://", 1)[-1].encode(), host.encode())
