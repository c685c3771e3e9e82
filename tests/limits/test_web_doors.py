"""The web's anonymous doors over their limits: new web chat sessions, Open311 filings
(per key and per address), sign-in attempts made in parallel, and the heavy public
reads, which are also cached; on SQLite and PostgreSQL. A refused request is answered
429 with Retry-After and the reason in the reader's language, and stores nothing."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.channels.webchat import COOKIE
from bot.core.apikeys import issue_key
from bot.runtime.settings import Limits, Rate
from bot.web.session import FORM_COOKIE
from complaints.people import Role
from storage.directory import UPDATED_KEY
from tests.api.test_open311 import FILING
from tests.clock import Clock
from tests.limits.site import LimitedSite
from tests.web.site import form_token

OVER = "Too many requests came from you or your network in a short time"


@pytest.fixture
async def sites(database_url: str, clock: Clock) -> AsyncIterator[Any]:
    """Start sites (service processes) on the test's database with the given settings."""
    started: list[LimitedSite] = []

    async def start(**settings: Any) -> LimitedSite:
        site = await LimitedSite(database_url, clock, **settings).start()
        started.append(site)
        return site
    yield start
    for site in started:
        await site.close()


def retry_after(response: aiohttp.ClientResponse, most: float) -> int:
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= most, seconds
    return seconds


async def new_session(site: LimitedSite, address: str) -> aiohttp.ClientResponse:
    async with site.client_at(address) as browser, browser.get("/") as response:
        await response.read()
        return response


async def test_new_chat_sessions_per_address_across_two_workers(
        sites: Any, clock: Clock) -> None:
    limits = Limits(chat_sessions=Rate(4, 3600))
    workers = [await sites(limits=limits), await sites(limits=limits)]
    answers = [await new_session(workers[n % 2], "203.0.113.5") for n in range(10)]
    assert [a.status for a in answers] == [200] * 4 + [429] * 6
    assert all(COOKIE in a.cookies for a in answers[:4])
    for refused in answers[4:]:
        assert COOKIE not in refused.cookies, "no session for a refused visitor"
        retry_after(refused, 900)
    # A visitor who has a session is not a new one; another address is not this one.
    async with workers[0].client_at("203.0.113.5") as browser:
        browser.cookie_jar.update_cookies({COOKIE: answers[0].cookies[COOKIE].value})
        async with browser.get("/") as response:
            assert response.status == 200 and COOKIE not in response.cookies
    assert (await new_session(workers[1], "203.0.113.6")).status == 200
    async with workers[0].client_at("203.0.113.5", "vi") as browser, \
            browser.get("/") as response:
        assert response.status == 429
        assert "text/html" in response.headers["Content-Type"]
    clock.advance(minutes=15)  # four an hour: one every fifteen minutes
    assert (await new_session(workers[0], "203.0.113.5")).status == 200
    assert (await new_session(workers[1], "203.0.113.5")).status == 429


async def open311_post(site: LimitedSite, address: str, key: str,
                       path: str = "/open311/v2/requests.json") -> aiohttp.ClientResponse:
    async with site.client_at(address) as app, \
            app.post(path, data={"api_key": key, **FILING}) as response:
        await response.read()
        return response


async def test_open311_filings_per_key_and_per_address(sites: Any) -> None:
    site = await sites(limits=Limits(open311=Rate(3, 3600), open311_address=Rate(5, 3600)))
    async with site.service.store.unit_of_work() as uow:
        first, _ = await issue_key(uow, "App 1", site.clock())
        second, _ = await issue_key(uow, "App 2", site.clock())
    statuses = [(await open311_post(site, "198.51.100.1", first)).status for _ in range(3)]
    statuses += [(await open311_post(site, "198.51.100.1", second)).status for _ in range(2)]
    assert statuses == [200] * 5
    before = await site.counts()
    # Five from the address in all, whatever the key (the address is checked first).
    refused = await open311_post(site, "198.51.100.1", second)
    assert refused.status == 429
    retry_after(refused, 720)
    [error] = await refused.json()
    assert error["code"] == 429 and OVER in error["description"]
    xml = await open311_post(site, "198.51.100.1", second, "/open311/v2/requests.xml")
    assert xml.status == 429 and "text/xml" in xml.headers["Content-Type"]
    # Three per key, whatever the address.
    refused = await open311_post(site, "198.51.100.2", first)
    assert refused.status == 429
    retry_after(refused, 1200)
    assert await site.counts() == before, "nothing of a refused request is kept"
    assert (await open311_post(site, "198.51.100.2", second)).status == 200
    # Guessing keys is limited too, before the key is even looked at.
    guesses = [(await open311_post(site, "198.51.100.3", f"pakn_guess{n}")).status
               for n in range(7)]
    assert guesses == [403] * 5 + [429] * 2


async def test_parallel_sign_in_attempts_never_exceed_the_limit(
        sites: Any, clock: Clock) -> None:
    site = await sites(limits=Limits(sign_in=Rate(5, 900)))
    await site.join("staff", Role.STAFF, "PKTHT")
    async with site.client_at("192.0.2.44") as browser:
        token = await form_token(browser)
        # Every attempt carries the form's cookie as loaded, whatever the answers set.
        raw = aiohttp.ClientSession(site.url, cookie_jar=aiohttp.DummyCookieJar(), headers={
            "X-Forwarded-For": "192.0.2.44", "Accept-Language": "en",
            "Cookie": f"{FORM_COOKIE}={token}"})

        async def attempt(code: str) -> tuple[int, str | None, str]:
            async with raw.post("/quan-tri/dang-nhap", allow_redirects=False, data={
                    "form_token": token, "code": code, "next": "/quan-tri"}) as response:
                return (response.status, response.headers.get("Retry-After"),
                        await response.text())
        async with raw:
            results = await asyncio.gather(*(attempt(f"{n:08d}") for n in range(40)))
        statuses = sorted(status for status, _, _ in results)
        assert statuses == [401] * 5 + [429] * 35, statuses
        assert all(wait and OVER in text for status, wait, text in results if status == 429)
        right = await site.code("staff")
        assert await attempt_from(browser, right) == 429, "even the right code waits"
        clock.advance(minutes=3)  # five in fifteen minutes: one every three
        assert await attempt_from(browser, right) == 303
    async with site.client_at("192.0.2.44") as browser:
        # A right code gives its token back: another attempt is still possible.
        assert await attempt_from(browser, "00000000") == 401
        assert await attempt_from(browser, "00000000") == 429
    async with site.client_at("192.0.2.45") as other:
        assert (await attempt_from(other, "11111111")) == 401, "another address is apart"


async def attempt_from(browser: aiohttp.ClientSession, code: str) -> int:
    data = {"form_token": await form_token(browser), "code": code, "next": "/quan-tri"}
    async with browser.post("/quan-tri/dang-nhap", data=data,
                            allow_redirects=False) as response:
        return response.status


async def changeset(site: LimitedSite, address: str, language: str = "en",
                    path: str = "/open311/discovery.json") -> str:
    async with site.client_at(address, language) as reader, reader.get(path) as response:
        assert response.status == 200, await response.text()
        return str((await response.json())["changeset"])


async def set_changeset(site: LimitedSite, value: str) -> None:
    async with site.service.store.unit_of_work() as uow:
        await uow.meta.set(UPDATED_KEY, value)


async def test_public_reads_are_cached_per_url_and_language(
        sites: Any, clock: Clock) -> None:
    site = await sites(public_cache_seconds=60)
    await set_changeset(site, "first")
    assert await changeset(site, "203.0.113.20") == "first"
    await set_changeset(site, "second")
    # Another reader, the same page and language: the copy of a moment ago.
    assert await changeset(site, "203.0.113.21") == "first"
    assert await changeset(site, "203.0.113.21", "vi") == "second", "per language"
    clock.advance(seconds=61)
    assert await changeset(site, "203.0.113.21") == "second"


async def test_public_reads_not_cached_are_limited_per_address(
        sites: Any, clock: Clock) -> None:
    site = await sites(limits=Limits(public=Rate(3, 60)))
    address = "203.0.113.30"
    await changeset(site, address)  # one token, and in the cache
    statuses = []
    async with site.client_at(address) as reader:
        for n in range(4):  # a new search each time: nothing cached
            async with reader.get(f"/api/cases.json?q=x{n}") as response:
                statuses.append(response.status)
                if response.status == 429:
                    retry_after(response, 20)
                    [error] = await response.json()
                    assert OVER in error["description"]
        async with reader.get("/cong-khai?period=2026-Q1") as page:
            assert page.status == 429 and "text/html" in page.headers["Content-Type"]
            assert OVER in await page.text()
        async with reader.get("/open311/v2/requests.xml") as xml:
            assert xml.status == 429 and "<errors>" in await xml.text()
    assert statuses == [200, 200, 429, 429]
    await changeset(site, address)  # what is cached is still served
    async with site.client_at("203.0.113.31") as other, \
            other.get("/api/cases.json?q=x9") as response:
        assert response.status == 200, "another address has its own"
    clock.advance(seconds=20)  # three a minute: one every twenty seconds
    async with site.client_at(address) as reader, \
            reader.get("/api/cases.json?q=later") as response:
        assert response.status == 200
