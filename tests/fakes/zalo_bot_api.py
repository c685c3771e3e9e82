"""An in-repo fake of Zalo's Bot platform API: JSON in, {ok, result} out, every call
recorded; errors can be injected; getUpdates serves queued updates."""

import asyncio
import base64
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TEXT_LIMIT = 2000
# A 1x1 PNG: a photo as Zalo would serve it.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQ"
                       "GAhKmMIQAAAABJRU5ErkJggg==")


@dataclass
class ZaloCall:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> str | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")


class FakeZaloBotApi:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[ZaloCall] = []
        self.updates: deque[dict[str, Any]] = deque()
        self.failures: dict[str, deque[tuple[int, int, str]]] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> "FakeZaloBotApi":
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/photos/{name}", self._photo)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, method: str, status: int, code: int, description: str) -> None:
        self.failures.setdefault(method, deque()).append((status, code, description))

    def sent_to(self, chat_id: str) -> list[ZaloCall]:
        return [c for c in self.calls if c.chat_id == chat_id]

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> list[ZaloCall]:
        async def check() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: bool(predicate(self.calls)))
        try:
            await asyncio.wait_for(check(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out; last calls: "
                                 f"{[(c.method, c.chat_id, c.text[:50]) for c in self.calls[-10:]]}"
                                 ) from None
        return self.calls

    async def next_to(self, chat_id: str, after: int, timeout: float = 10.0) -> ZaloCall:
        calls = await self.wait_for(lambda calls: any(
            c.chat_id == chat_id for c in calls[after:]), timeout)
        return next(c for c in calls[after:] if c.chat_id == chat_id)

    async def _photo(self, request: web.Request) -> web.Response:
        """Where Zalo keeps the photos people send."""
        return web.Response(body=PNG, content_type="image/png")

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await request.json() if request.can_read_body else {}
        if method == "getUpdates":
            await asyncio.sleep(0.2 if not self.updates else 0)
            result = self.updates.popleft() if self.updates else None
            return web.json_response({"ok": True, "result": result})
        queued = self.failures.get(method)
        call = ZaloCall(method, params)
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if queued:
            status, code, description = queued.popleft()
            return web.json_response({"ok": False, "error_code": code,
                                      "description": description}, status=status)
        if method == "getMe":
            return _ok({"id": "bot-1", "account_name": "bot.XuanLoc", "account_type": "BASIC",
                        "can_join_groups": False})
        if method in ("setWebhook", "deleteWebhook", "sendChatAction"):
            return _ok({"url": params.get("url", "")})
        if method in ("sendMessage", "sendPhoto"):
            if len(str(params.get("text", ""))) > TEXT_LIMIT:
                return web.json_response({"ok": False, "error_code": 400,
                                          "description": "text too long"}, status=400)
            return _ok({"message_id": f"m{next(self._ids)}", "date": int(time.time() * 1000)})
        return web.json_response({"ok": False, "error_code": 404,
                                  "description": "unknown method"}, status=404)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def text_event(chat: str, text: str, message_id: str, name: str = "Người dân",
               wrapped: bool = False) -> dict[str, Any]:
    """A real-shaped update, bare or wrapped in {ok, result} as the platform may send."""
    update = {"event_name": "message.text.received", "message": {
        "message_id": message_id, "date": int(time.time() * 1000), "text": text,
        "from": {"id": chat, "display_name": name, "is_bot": False},
        "chat": {"id": chat, "chat_type": "PRIVATE"}}}
    return {"ok": True, "result": update} if wrapped else update


def image_event(chat: str, url: str, message_id: str) -> dict[str, Any]:
    return {"event_name": "message.image.received", "message": {
        "message_id": message_id, "date": int(time.time() * 1000), "photo": url,
        "caption": "", "from": {"id": chat, "display_name": "Người dân"},
        "chat": {"id": chat, "chat_type": "PRIVATE"}}}


def sticker_event(chat: str, message_id: str) -> dict[str, Any]:
    return {"event_name": "message.sticker.received", "message": {
        "message_id": message_id, "date": int(time.time() * 1000), "sticker": "abc",
        "from": {"id": chat}, "chat": {"id": chat, "chat_type": "PRIVATE"}}}
