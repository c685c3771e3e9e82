"""An in-repo fake of the Zalo Official Account API (v3 consultation messages) and of
Zalo's OAuth token endpoint: refresh tokens are single-use, as Zalo's are."""

import asyncio
import hashlib
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.zalo_bot_api import PNG


@dataclass
class OACall:
    user_id: str
    message: dict[str, Any]
    token: str
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return str(self.message.get("text", ""))

    def payloads(self) -> list[str]:
        payload = (self.message.get("attachment") or {}).get("payload") or {}
        return [b["payload"] for b in payload.get("buttons", [])]


class FakeZaloOA:
    def __init__(self, app_id: str, app_secret: str, refresh_token: str) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.refresh_tokens = {refresh_token}
        self.access_tokens: set[str] = set()
        self.refreshes = 0
        self.refresh_delay = 0.0
        self.calls: list[OACall] = []
        self.errors: deque[int] = deque()
        self._serial = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> "FakeZaloOA":
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v4/oa/access_token", self._refresh)
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

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> list[OACall]:
        async def check() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: bool(predicate(self.calls)))
        try:
            await asyncio.wait_for(check(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out; last calls: "
                                 f"{[(c.user_id, c.text[:50]) for c in self.calls[-10:]]}"
                                 ) from None
        return self.calls

    async def next_to(self, user: str, after: int, timeout: float = 10.0) -> OACall:
        calls = await self.wait_for(lambda calls: any(c.user_id == user for c in calls[after:]),
                                    timeout)
        return next(c for c in calls[after:] if c.user_id == user)

    async def _photo(self, request: web.Request) -> web.Response:
        return web.Response(body=PNG, content_type="image/png")

    async def _refresh(self, request: web.Request) -> web.Response:
        form = await request.post()
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != \
                self.app_id or form.get("grant_type") != "refresh_token":
            return web.json_response({"error": -14002, "error_name": "Invalid app"})
        refresh = str(form.get("refresh_token"))
        if refresh not in self.refresh_tokens:
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token"})
        self.refresh_tokens.discard(refresh)  # single use
        await asyncio.sleep(self.refresh_delay)
        self.refreshes += 1
        serial = next(self._serial)
        access, new_refresh = f"access-{serial}", f"refresh-{serial}"
        self.access_tokens = {access}
        self.refresh_tokens.add(new_refresh)
        return web.json_response({"access_token": access, "refresh_token": new_refresh,
                                  "expires_in": "90000"})

    async def _send(self, request: web.Request) -> web.Response:
        token = request.headers.get("access_token", "")
        if token not in self.access_tokens:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        body = await request.json()
        call = OACall(str(body["recipient"]["user_id"]), body["message"], token)
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if self.errors:
            code = self.errors.popleft()
            return web.json_response({"error": code, "message": f"error {code}"})
        if len(call.text) > 2000:
            return web.json_response({"error": -201, "message": "text too long"})
        return web.json_response({"error": 0, "message": "Success", "data": {
            "message_id": f"oa-{len(self.calls)}", "user_id": call.user_id}})


def signed(event: dict[str, Any], app_id: str, secret_key: str) -> tuple[bytes, str]:
    """The body Zalo posts and its X-ZEvent-Signature."""
    body = json.dumps(event, ensure_ascii=False).encode()
    mac = hashlib.sha256(app_id.encode() + body + str(event["timestamp"]).encode() +
                         secret_key.encode()).hexdigest()
    return body, f"mac={mac}"


def oa_event(app_id: str, user: str, name: str, **message: Any) -> dict[str, Any]:
    stamp = str(int(time.time() * 1000))
    event: dict[str, Any] = {"app_id": app_id, "event_name": name, "timestamp": stamp,
                             "user_id_by_app": f"app-{user}"}
    if name in ("follow", "unfollow"):
        event.update(follower={"id": user}, oa_id="oa-1", source="oa_profile")
    else:
        event.update(sender={"id": user}, recipient={"id": "oa-1"},
                     message={"msg_id": message.pop("msg_id", f"msg-{stamp}"), **message})
    return event
