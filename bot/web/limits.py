"""The limits of bot.core.limits at the web's doors: the client's address (behind trusted
proxies only, bot.runtime.clients), the answer over a limit (429 with Retry-After and the
reason in the reader's language: a page, JSON or Open311's errors), and the short-lived
cache of the heavy public reads, which a flood of the same page cannot get past."""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from multidict import CIMultiDict

from bot.core.errors import StorageError
from bot.core.limits import Door, OverLimit, admit
from bot.present.i18n import use_locale
from bot.runtime.clients import client_address
from bot.runtime.settings import Settings
from bot.web.open311_format import respond
from bot.web.published import READ_HEADERS, reader_language
from bot.web.render import page
from storage.uow import Store

log = logging.getLogger(__name__)

PUBLIC_PREFIXES = ("/cong-khai", "/public", "/api/", "/open311/")
"""Public pages, open data and Open311: read by anyone, costly to build."""
NOT_PUBLIC = ("/api/dossiers",)
"""Under those prefixes but neither public nor read: the one-stop system's pushes."""
CACHE_ENTRIES = 2000
CACHE_MAX_BODY = 1 << 20
_KEPT_HEADERS = {"content-type", "content-disposition", "cache-control",
                 "access-control-allow-origin", "x-content-type-options",
                 "content-security-policy", "referrer-policy"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebLimits:
    def __init__(self, store: Store, settings: Settings,
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    def address(self, request: web.Request) -> str:
        return client_address(request, self.settings.trusted_proxies)

    async def check(self, request: web.Request, door: Door,
                    identity: str | None = None) -> OverLimit | None:
        """Take the request's tokens at `door` in a transaction of its own. With the
        database away the door answers as it would without limits (it needs the
        database too, and says so)."""
        try:
            async with self.store.unit_of_work() as uow:
                return await admit(uow, self.settings.limits, door, self.clock(),
                                   identity=identity, address=self.address(request))
        except StorageError as exc:
            log.warning("limits: database unavailable (%s)", exc)
            return None

    def refusal(self, request: web.Request, over: OverLimit) -> web.Response:
        """429 in the form the door speaks: Open311's errors, JSON for the API, else a
        page."""
        language = reader_language(request, self.settings.default_language)
        with use_locale(language):
            message = over.message(self.settings.tz)
        if request.path.startswith("/open311/"):
            response = respond(request, "errors", [{"code": 429, "description": message}], 429)
            response.headers.update(READ_HEADERS)
        elif request.path.startswith("/api/") or request.path.startswith("/chat/"):
            response = web.json_response([{"code": 429, "description": message}], status=429,
                                         headers=READ_HEADERS,
                                         dumps=lambda v: json.dumps(v, ensure_ascii=False))
        else:
            response = page(request, "public/busy.html", language, status=429, message=message)
        response.headers["Retry-After"] = str(over.retry_after)
        response.headers["Cache-Control"] = "no-store"
        return response


@dataclass(frozen=True)
class _Cached:
    expires: datetime
    status: int
    body: bytes
    headers: CIMultiDict[str]


class PublicCache:
    """The public reads for a short time (PAKN_PUBLIC_CACHE_SECONDS), per address and
    language, never per person (nothing on these pages depends on who reads them); a
    miss costs a token of the reader's address (PAKN_LIMIT_PUBLIC). Readers of a page
    being built wait for it rather than build it again."""

    def __init__(self, limits: WebLimits) -> None:
        self.limits = limits
        self.seconds = limits.settings.public_cache_seconds
        self._entries: dict[tuple[str, str], _Cached] = {}
        self._building: dict[tuple[str, str], asyncio.Lock] = {}

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if request.method != "GET" or not path.startswith(PUBLIC_PREFIXES) or \
                path.startswith(NOT_PUBLIC):
            return await handler(request)
        key = (request.path_qs,
               reader_language(request, self.limits.settings.default_language))
        if (hit := self._fresh(key)) is not None:
            return hit
        lock = self._building.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                if (hit := self._fresh(key)) is not None:
                    return hit
                over = await self.limits.check(request, Door.PUBLIC)
                if over is not None:
                    return self.limits.refusal(request, over)
                response = await handler(request)
                self._keep(key, response)
                return response
        finally:
            if not lock.locked():
                self._building.pop(key, None)

    def _fresh(self, key: tuple[str, str]) -> web.Response | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= self.limits.clock():
            del self._entries[key]
            return None
        return web.Response(body=entry.body, status=entry.status, headers=entry.headers)

    def _keep(self, key: tuple[str, str], response: web.StreamResponse) -> None:
        if self.seconds <= 0 or response.status != 200 or \
                not isinstance(response, web.Response) or "Set-Cookie" in response.headers:
            return
        body = response.body
        if not isinstance(body, bytes) or len(body) > CACHE_MAX_BODY:
            return
        if len(self._entries) >= CACHE_ENTRIES:
            now = self.limits.clock()
            self._entries = {k: v for k, v in self._entries.items() if v.expires > now}
            while len(self._entries) >= CACHE_ENTRIES:  # the oldest go first
                del self._entries[next(iter(self._entries))]
        headers = CIMultiDict((name, value) for name, value in response.headers.items()
                              if name.lower() in _KEPT_HEADERS)
        self._entries[key] = _Cached(self.limits.clock() + timedelta(seconds=self.seconds),
                                     response.status, body, headers)
