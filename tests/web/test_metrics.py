"""/metrics: Prometheus text for the scraper only (a bearer token, or this machine when no
token is set, never a forwarded request), and figures that move with real traffic."""

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from bot.channels.webchat import CHANNEL
from bot.spine.messages import IncomingMessage, Kind
from bot.web.metrics import Metrics
from tests.clock import Clock
from tests.web.site import Site

TOKEN = "s3cret-scraper-token-0123456789"
START = datetime(2026, 10, 5, 2, 0, tzinfo=UTC)


async def running(database_url: str, **settings: Any) -> Site:
    return await Site(database_url, Clock(START), **settings).start()


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    # A Zalo bot in webhook mode, so that its webhook is there to be timed; its API is
    # unreachable, which only delays connecting (in the background).
    started = await running(database_url, zalo_bot_token="1:ABC",
                            zalo_bot_api_url="http://127.0.0.1:9",
                            public_url="https://pakn.example.vn",
                            zalo_bot_webhook_secret="hook-secret")
    yield started
    await started.close()


async def scrape(site: Site, **headers: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as client, client.get(
            f"{site.url}/metrics", headers=headers) as response:
        return response.status, await response.text()


def value(text: str, series: str) -> float:
    found = re.search(rf"^{re.escape(series)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_this_machine_may_scrape_but_not_through_a_proxy(site: Site) -> None:
    status, text = await scrape(site)
    assert status == 200 and "# TYPE pakn_updates_total counter" in text
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        status, text = await scrape(site, **{header: "127.0.0.1"})
        assert status == 403 and "pakn_" not in text, header


@pytest.mark.parametrize("token", [None, TOKEN])
async def test_a_peer_elsewhere_is_refused_without_the_token(database_url: str,
                                                             token: str | None) -> None:
    site = await running(database_url, metrics_token=token)
    try:
        handler = Metrics(site.service.database, site.service.settings, site.clock)
        for peer, headers, expected in (
                (("203.0.113.7", 5555), {}, 401 if token else 403),
                (("2001:db8::1", 5555, 0, 0), {}, 401 if token else 403),
                (("203.0.113.7", 5555), {"Authorization": f"Bearer {TOKEN}"},
                 200 if token else 403),
                (("127.0.0.1", 5555), {}, 401 if token else 200),
                (("::1", 5555, 0, 0), {"Authorization": f"Bearer {TOKEN}x"},
                 401 if token else 200)):
            request = make_mocked_request("GET", "/metrics", headers=headers,
                                          transport=Peer(peer))
            try:
                status = (await handler.scrape(request)).status
            except aiohttp.web.HTTPException as refused:
                status = refused.status
            assert status == expected, (peer, headers)
    finally:
        await site.close()


class Peer:
    """The transport of a connection from `peer` (what aiohttp reads the address from)."""

    def __init__(self, peer: tuple[Any, ...]) -> None:
        self.peer = peer

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.peer if name == "peername" else default

    def is_closing(self) -> bool:
        return False


async def test_with_a_token_only_the_token_opens_it(database_url: str) -> None:
    site = await running(database_url, metrics_token=TOKEN)
    try:
        assert (await scrape(site))[0] == 401, "not even this machine without it"
        assert (await scrape(site, Authorization="Bearer wrong"))[0] == 401
        assert (await scrape(site, Authorization=TOKEN))[0] == 401
        status, text = await scrape(site, Authorization=f"Bearer {TOKEN}")
        assert status == 200 and "pakn_db_pool_checked_out" in text
    finally:
        await site.close()


async def test_the_figures_move_with_traffic(site: Site) -> None:
    _status, before = await scrape(site)
    processed = f'pakn_updates_total{{channel="{CHANNEL}",outcome="processed"}}'
    duplicate = f'pakn_updates_total{{channel="{CHANNEL}",outcome="duplicate"}}'
    timed = 'pakn_webhook_seconds_count{channel="zalo-bot"}'
    message = IncomingMessage(channel=CHANNEL, update_key="metrics-1", chat_id="m1",
                              user_id="m1", text="/start", profile_name="m1",
                              language_code="vi", kind=Kind.COMMAND, command="start")
    assert await site.service.dispatcher.handle(message)
    assert await site.service.dispatcher.handle(message), "a redelivery is taken"
    async with aiohttp.ClientSession() as client:
        for secret in ("wrong", "hook-secret"):
            async with client.post(f"{site.url}/webhook/zalo-bot", data=b"{}",
                                   headers={"X-Bot-Api-Secret-Token": secret}
                                   ) as response:
                assert response.status < 500
    _status, after = await scrape(site)
    assert value(after, processed) == value(before, processed) + 1
    assert value(after, duplicate) == value(before, duplicate) + 1
    assert value(after, timed) == value(before, timed) + 2
    assert "pakn_db_pool_checked_out" in after


async def test_each_request_has_its_own_id(site: Site) -> None:
    seen = []
    async with aiohttp.ClientSession() as client:
        for path in ("/healthz", "/healthz", "/no-such-page"):
            async with client.get(f"{site.url}{path}") as response:
                seen.append(response.headers.get("X-Request-Id", ""))
    assert all(re.fullmatch(r"[0-9a-f]{16}", found) for found in seen), seen
    assert len(set(seen)) == 3
