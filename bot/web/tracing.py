"""Each web request gets a request id (bot.runtime.logs): everything it causes is logged under
it, the messages it makes included; the answer carries it as X-Request-Id. The web
chat's websocket is left without one: each message on it gets its own (bot.spine.dispatch).
Webhooks are timed for /metrics."""

import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.runtime.logs import request_scope
from bot.runtime.metrics import WEBHOOK_SECONDS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
WEBSOCKETS = ("/chat/ws",)


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in WEBSOCKETS:
        return await handler(request)
    with request_scope() as request_id:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers["X-Request-Id"] = request_id
            raise
        if not response.prepared:
            response.headers["X-Request-Id"] = request_id
        return response


def timed(channel: str, handler: Handler) -> Handler:
    """A webhook whose handling time (until its answer) is measured."""
    async def webhook(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            WEBHOOK_SECONDS.labels(channel).observe(time.perf_counter() - started)
    return webhook
