"""The web chat takes only the cookies it issued: any other value, however close to a
real one, is no visitor (the chat's socket refuses it, the page starts a new session).
Cookies are Secure when the request came over HTTPS through a trusted proxy (or the
service is published over https), the dashboard's as the chat's."""

import base64
import hashlib
import hmac
import string
from collections.abc import AsyncIterator
from ipaddress import ip_network

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.webchat import COOKIE, chat_id_of
from bot.web.session import FORM_COOKIE
from complaints.people import Role
from tests.clock import Clock
from tests.limits.site import LimitedSite

COOKIE_TEXT = string.ascii_letters + string.digits + "-_.=%/+"


@pytest.fixture
async def site(database_url: str, clock: Clock) -> AsyncIterator[LimitedSite]:
    running = await LimitedSite(database_url, clock).start()
    yield running
    await running.close()


async def issued(site: LimitedSite) -> str:
    async with site.client_at("203.0.113.50") as browser, browser.get("/") as response:
        return response.cookies[COOKIE].value


async def with_cookie(site: LimitedSite, value: str) -> tuple[str | None, int]:
    """What a browser holding `value` gets: the page's new cookie (None: kept its
    own), and the status of opening the chat's socket with it."""
    async with aiohttp.ClientSession(site.url, cookie_jar=aiohttp.DummyCookieJar(),
                                     headers={"Cookie": f"{COOKIE}={value}"}) as browser:
        async with browser.get("/") as page:
            new = page.cookies[COOKIE].value if COOKIE in page.cookies else None
        try:
            async with browser.ws_connect("/chat/ws") as socket:
                await socket.close()
                opened = 101
        except aiohttp.WSServerHandshakeError as refused:
            opened = refused.status
    return new, opened


def forgeries(real: str) -> st.SearchStrategy[str]:
    token, _, signature = real.partition(".")
    other_key = st.binary(min_size=32, max_size=32).map(
        lambda key: token + "." + base64.urlsafe_b64encode(
            hmac.new(key, token.encode(), hashlib.sha256).digest()).rstrip(b"=").decode())
    # One character changed to another letter; drawn the same way whatever the cookie
    # holds, so that each example replays alike (the cookie is new each time).
    flipped = st.tuples(st.integers(0, len(real) - 1), st.sampled_from(string.ascii_letters)
                        ).map(lambda at: real[:at[0]] + (
                            at[1] if at[1] != real[at[0]] else at[1].swapcase())
                            + real[at[0] + 1:])
    return st.one_of(
        st.text(COOKIE_TEXT, max_size=120), st.just(token), st.just(token + "."),
        st.just(signature + "." + token), other_key, flipped,
        st.text(string.ascii_letters + string.digits + "-_", min_size=32, max_size=64).map(
            lambda t: f"{t}.{signature}"))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_forged_cookies_are_nobody(site: LimitedSite, data: st.DataObject) -> None:
    real = await issued(site)
    forged = data.draw(forgeries(real))
    new, opened = await with_cookie(site, forged)
    assert opened == 401, forged
    assert new is not None and chat_id_of(new) != chat_id_of(forged)
    assert await with_cookie(site, new) == (None, 101), "the new one is good"


async def test_the_real_cookie_is_the_visitor(site: LimitedSite) -> None:
    real = await issued(site)
    assert await with_cookie(site, real) == (None, 101)


async def cookie_flags(site: LimitedSite, path: str, **headers: str) -> dict[str, str]:
    async with aiohttp.ClientSession(site.url, headers=headers) as browser, \
            browser.get(path, allow_redirects=False) as response:
        morsel = next(iter(response.cookies.values()))
        return {"secure": str(bool(morsel["secure"])), "httponly": str(bool(morsel["httponly"]))}


@pytest.mark.parametrize("path", ["/", "/quan-tri/dang-nhap"])
async def test_secure_when_the_trusted_proxy_says_https(site: LimitedSite, path: str,
                                                        database_url: str, clock: Clock
                                                        ) -> None:
    # The service's public name, as a proxy passes it on (not a loopback address).
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.60",
             "Host": "pakn.example.gov.vn"}
    assert await cookie_flags(site, path, **https) == {"secure": "True", "httponly": "True"}
    assert (await cookie_flags(site, path, **{**https, "X-Forwarded-Proto": "http"})
            )["secure"] == "False"
    # From a peer that is not a trusted proxy the header is anyone's: not believed.
    untrusting = await LimitedSite(database_url, clock,
                                   trusted_proxies=(ip_network("10.0.0.0/8"),)).start()
    try:
        assert (await cookie_flags(untrusting, path, **https))["secure"] == "False"
    finally:
        await untrusting.close()
    # Published over https: always.
    published = await LimitedSite(database_url, clock, trusted_proxies=(),
                                  public_url="https://pakn.example.gov.vn").start()
    try:
        assert (await cookie_flags(published, path, Host="pakn.example.gov.vn")
                )["secure"] == "True"
    finally:
        await published.close()


async def test_the_chat_cookie_is_partitioned_where_browsers_take_it(
        site: LimitedSite) -> None:
    """Over HTTPS, and on a loopback address, which browsers count as secure, the chat's
    cookie is `Secure; SameSite=None; Partitioned` (the chat embedded on another site keeps
    its visitor); over plain HTTP elsewhere browsers would drop it: `SameSite=Lax`."""
    async def set_cookie(**headers: str) -> str:
        async with aiohttp.ClientSession(site.url, headers=headers) as browser, \
                browser.get("/") as response:
            return response.headers["Set-Cookie"]
    for headers in ({}, {"Host": "localhost:8080"},
                    {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.61",
                     "Host": "pakn.example.gov.vn"}):
        cookie = await set_cookie(**headers)
        assert all(flag in cookie for flag in ("Secure", "SameSite=None", "Partitioned",
                                                "HttpOnly")), (headers, cookie)
    plain = await set_cookie(**{"X-Forwarded-For": "203.0.113.62", "Host": "pakn.lan"})
    assert "SameSite=Lax" in plain and "Secure" not in plain and "Partitioned" not in plain


async def test_the_dashboard_session_cookie_too(site: LimitedSite) -> None:
    await site.join("staff", Role.STAFF, "PKTHT")
    code = await site.code("staff")
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.61"}
    async with aiohttp.ClientSession(site.url, headers=headers,
                                     cookie_jar=aiohttp.DummyCookieJar()) as browser:
        # A browser would not send a Secure cookie over plain HTTP: the test's does.
        async with browser.get("/quan-tri/dang-nhap") as form:
            token = form.cookies[FORM_COOKIE].value
            assert f'value="{token}"' in await form.text()
        data = {"form_token": token, "code": code, "next": "/quan-tri"}
        async with browser.post("/quan-tri/dang-nhap", data=data, allow_redirects=False,
                                headers={"Cookie": f"{FORM_COOKIE}={token}"}) as response:
            assert response.status == 303
            assert response.cookies["pakn_session"]["secure"]
