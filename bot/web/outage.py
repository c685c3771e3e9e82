"""A database that cannot be reached, or a connection pool with no connection free in
time, is an outage for the request, answered in one place: 503 with `Retry-After`, so
that Telegram and Zalo deliver the update again and browsers and API clients retry;
never a 500. Each is logged once, here, and counted for the metrics."""

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.core.errors import PoolExhausted, StorageError
from bot.present.i18n import _, use_locale
from bot.runtime.metrics import UNAVAILABLE
from bot.web.params import JSON_PREFIXES, language_of

log = logging.getLogger(__name__)
RETRY_AFTER = 5
"""Seconds a client is asked to wait before trying again."""
POOL, DATABASE = "pool_exhausted", "database_unavailable"
"""Why a request was answered 503 (the `cause` of bot.runtime.metrics.UNAVAILABLE)."""


def answer_outages(default_language: str) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Callable[
            [web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        try:
            return await handler(request)
        except StorageError as exc:
            noted(request, exc)
            return unavailable(request, default_language)
    return middleware


def noted(request: web.Request, exc: StorageError) -> None:
    """Log and count one request answered 503 for an outage (here, or by a door that
    answers in its own format: Open311, open data, the dossiers API)."""
    cause = POOL if isinstance(exc, PoolExhausted) else DATABASE
    UNAVAILABLE.labels(cause).inc()
    route = request.match_info.route.resource
    log.warning("%s: %s %s answered 503", cause, request.method,
                route.canonical if route is not None else "?")


def unavailable(request: web.Request, default_language: str) -> web.Response:
    with use_locale(language_of(request, default_language)):
        words = _("The service is busy for a moment. Please try again in a few seconds.")
    headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
    if request.path.startswith(JSON_PREFIXES):
        return web.json_response([{"code": 503, "description": words}], status=503,
                                 headers=headers)
    return web.Response(status=503, text=words, headers=headers)
