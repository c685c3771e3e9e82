"""GET /metrics: the Prometheus scrape, for the scraper only. With PAKN_METRICS_TOKEN set,
only a request with `Authorization: Bearer TOKEN` is answered; without it, only one from
this machine (a loopback peer) that no proxy forwarded: a reverse proxy on the same
machine connects from loopback too, so a request carrying forwarding headers is refused
rather than trusted (the headers themselves are never believed)."""

import hmac
from collections.abc import Callable
from datetime import datetime
from ipaddress import ip_address

from aiohttp import web

from bot.runtime.metrics import Snapshot, exposition
from bot.runtime.settings import Settings
from storage.db import Database
from storage.health import read_figures

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FORWARDING = ("X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host")


def admitted(request: web.Request, token: str | None) -> bool:
    if token:
        given = request.headers.get("Authorization", "").encode()
        return hmac.compare_digest(given, f"Bearer {token}".encode())
    if any(header in request.headers for header in FORWARDING):
        return False
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if not isinstance(peer, tuple) or not peer:
        return False
    try:
        return ip_address(str(peer[0]).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


class Metrics:
    def __init__(self, database: Database, settings: Settings,
                 clock: Callable[[], datetime]) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock

    def install(self, app: web.Application) -> None:
        app.router.add_get("/metrics", self.scrape)

    async def scrape(self, request: web.Request) -> web.Response:
        if not admitted(request, self.settings.metrics_token):
            if self.settings.metrics_token:
                raise web.HTTPUnauthorized(headers={"WWW-Authenticate": "Bearer"})
            raise web.HTTPForbidden()
        now = self.clock()
        async with self.database.reading() as session:
            figures = await read_figures(session, now)
        pool = self.database.engine.pool
        checked_out, size = getattr(pool, "checkedout", None), getattr(pool, "size", None)
        snapshot = Snapshot(figures, now, (checked_out(), size())
                            if callable(checked_out) and callable(size) else None,
                            self.settings.scheduler_interval)
        return web.Response(body=exposition(snapshot), headers={
            "Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"})
