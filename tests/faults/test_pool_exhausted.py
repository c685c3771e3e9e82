"""A connection pool with no connection free is an outage for the request, on SQLite and
PostgreSQL: the webhook answers 503 with Retry-After (Telegram delivers the update
again), pages and the API too, never 500; it is counted for the metrics; once
connections are free, the update delivered again is taken."""

from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.runtime.metrics import REGISTRY
from bot.web.outage import POOL, RETRY_AFTER
from storage.models import InboundRow
from tests.clock import Clock
from tests.e2e.service import SECRET, TOKEN
from tests.fakes import updates
from tests.fakes.telegram_api import FakeBotApi
from tests.web.site import Site

POOL_SIZE = 1
HELD = 3 * POOL_SIZE
"""The pool's connections and as many again twice (its overflow): all of them."""


async def test_a_full_pool_is_answered_503_and_counted(database_url: str, clock: Clock,
                                                       bot_api: FakeBotApi) -> None:
    # Webhook mode; Telegram (the fake) is told this address but never calls it.
    site = Site(database_url, clock, telegram_token=TOKEN, telegram_api_url=bot_api.url,
                telegram_webhook_secret=SECRET, public_url="https://pakn.example.vn",
                database_pool_size=POOL_SIZE, database_pool_timeout=1)
    await site.start()
    engine = site.service.database.engine
    update = updates.text(updates.User(4242, "Lan"), "/start")
    try:
        held = [await engine.connect() for _ in range(HELD)]  # checked out, idle
        before = unavailable()
        async with aiohttp.ClientSession(site.url) as http:
            status, headers = await post(http, update)
            assert status == 503 and headers["Retry-After"] == str(RETRY_AFTER)
            for path in ("/cong-khai", "/api/indicators.json"):
                async with http.get(path) as response:
                    assert response.status == 503, path
                    assert int(response.headers["Retry-After"]) > 0
        assert unavailable() >= before + 3
        for connection in held:
            await connection.close()
        async with aiohttp.ClientSession(site.url) as http:
            status, _headers = await post(http, update)  # Telegram's second delivery
        assert status == 200
        async with site.service.database.reading() as session:
            taken = (await session.execute(select(func.count()).select_from(InboundRow))
                     ).scalar_one()
        assert taken == 1
    finally:
        await site.close()


async def post(http: aiohttp.ClientSession, update: dict[str, Any]) -> tuple[int, Any]:
    async with http.post("/webhook/telegram", json=update,
                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        return response.status, response.headers


def unavailable() -> float:
    """Requests this process answered 503 for a full pool, as /metrics shows them."""
    return REGISTRY.get_sample_value("pakn_unavailable_total", {"cause": POOL}) or 0.0
