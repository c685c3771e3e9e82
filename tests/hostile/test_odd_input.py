"""Odd input on every door: each GET route of the running app (found in its router, not
listed by hand) is asked with hostile values in each of its path segments and in every
query parameter the service reads (numbers past int4 and int8, negative, not numbers,
NUL bytes, lone surrogates, dates and periods that do not exist, odd Unicode, very long
text), by a stranger, a unit's staff and an administrator, on SQLite and PostgreSQL.
None may get a server error or log one. Every JSON door gets bodies nested past any
real sender's depth. Signed Zalo OA events outside the time window are refused."""

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

from bot.app import Service
from bot.runtime.settings import Limits, Settings
from tests.clock import Clock
from tests.conversation.harness import MONDAY_MORNING
from tests.hostile.checks import FUZZ, logged_errors
from tests.hostile.stage import Stage
from tests.hostile.world import ADMIN, HANDLER, World, copy_of, template
from tests.web.site import Site

SOURCES = Path(__file__).resolve().parents[2] / "bot"
READ = re.compile(r"""(?:query\.get|query_param|int_param|text|choice|number|period|
                      day_param|period_param|_number|_day|_listed|\.query\.get)\(\s*(?:request\.)?(?:query,\s*)?
                      "([a-z_]+)\"""", re.VERBOSE)


def query_names() -> list[str]:
    """Every query parameter some route of the service reads, from the source: a new
    one is fuzzed without anyone adding it here."""
    names: set[str] = set()
    for path in SOURCES.rglob("*.py"):
        names.update(READ.findall(path.read_text("utf-8")))
    return sorted(names)


HUGE = [str(2**31), str(2**31 - 1), str(2**63), str(2**63 - 1), str(2**64), "9" * 40,
        str(-2**63 - 1), "-1", "0", "-0", "1e9", "0x10", "1_000", " 7 ", "١٢", "１２",
        "NaN", "inf"]
DATES = ["2026-02-30", "2026-13-01", "0000-01-01", "9999-12-31", "99999-01-01",
         "2026-Q5", "2026-Q0", "2026-H3", "2026-13", "1899", "2200", "2026-9M",
         "2026-01-01..2025-01-01", "2026-01-01..9999-12-31", "1900-01-01..1900-01-02",
         "2026-03-02T25:00:00", "2026-03-02T09:00:00+99:00", "P1D", ".."]
# Long enough to pass every limit of ours, short enough for the URL to stay under aiohttp's
# own limit of a request line (8190 bytes, its own 400).
ODD = ["\x00", "a\x00b", "\ud800", "x\udfffy", "\u202e\u0645", "e\u0301\u0301\u0301",
       "\ufeff", "\uffff", "\U0001f600" * 50, "%00", "%", "../../etc/passwd", "'; --",
       "<script>", "PA-2026-000001\x00", "\t\r\n", "a" * 1000, "đ" * 250]
VALUES = st.one_of(st.sampled_from(HUGE), st.sampled_from(DATES), st.sampled_from(ODD),
                   st.integers().map(str), st.text(max_size=30))


def _encode(value: str) -> str:
    """Percent-encoded as a browser would, lone surrogates as the bytes they would be."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def get_routes(app: web.Application) -> list[tuple[str, tuple[str, ...]]]:
    """(path pattern, its variable names) of every GET route but the static files and
    the websocket (no upgrade: a 4xx by construction)."""
    found = []
    for route in app.router.routes():
        if route.method != "GET" or isinstance(route.resource, web.StaticResource):
            continue
        info = route.resource.get_info() if route.resource else {}
        pattern = str(info.get("formatter") or info.get("path") or "")
        if pattern and pattern != "/chat/ws":
            found.append((pattern, tuple(re.findall(r"\{(\w+)", pattern))))
    return sorted(set(found))


CONSTRAINED = {"format": ["json", "csv", "xml"]}
"""Path variables with a regex in the route: a value outside it is a 404 before any
handler, so the handler's side is tried with the values it takes."""


def address(pattern: str, path_values: dict[str, str], query: dict[str, str]) -> URL:
    path = pattern
    for name, value in path_values.items():
        path = path.replace("{" + name + "}", _encode(value))
    raw = path + ("?" + "&".join(f"{_encode(k)}={_encode(v)}" for k, v in query.items())
                  if query else "")
    return URL(raw, encoded=True)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[str]:
    with template(request.param, tmp_path_factory.mktemp("world")) as url:
        yield url


@pytest.fixture(scope="module")
def copied(built: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with copy_of(built, tmp_path_factory.mktemp("copy")) as url:
        yield url


@pytest.fixture
async def visitors(copied: str) -> AsyncIterator[dict[str, aiohttp.ClientSession]]:
    """A stranger, staff of the case's unit and an administrator, each with a browser."""
    # The clock stands still here: limits that refill with time are tested elsewhere
    # (tests/limits) and lifted for this flood of odd requests.
    site = await Site(copied, Clock(MONDAY_MORNING),
                      limits=Limits(public=None, chat_sessions=None)).start()
    world = await World(site).load()
    stranger = site.client()
    async with stranger.get("/"):  # a web chat visitor: its cookie opens /chat/media
        pass
    clients = {"stranger": stranger, "staff": await world.signed_in(HANDLER),
               "admin": await world.signed_in(ADMIN)}
    try:
        yield clients
    finally:
        for client in clients.values():
            await client.close()
        await site.close()


NAMES = sorted({*query_names(), "channel", "procedure", "jurisdiction_id", "api_key"})
"""Read from the source, and those read under a name the source computes."""


def test_the_fuzz_reads_the_parameters_the_service_reads() -> None:
    names = NAMES
    for name in ("page", "period", "q", "unit", "field", "year", "limit", "offset",
                 "start", "end", "start_date", "end_date", "service_request_id", "lang",
                 "status", "list", "r", "next", "exp", "sig"):
        assert name in names, (name, names)


ROUTES = get_routes(Service(Settings(database_url="sqlite+aiosqlite:///:memory:")).web_app())
ROUTE_FUZZ = settings(FUZZ, max_examples=60)
"""Per route, per database: each example asks as one of the three."""


def test_the_routes_are_found() -> None:
    patterns = [pattern for pattern, _ in ROUTES]
    assert len(patterns) >= 25, patterns
    for pattern in ("/quan-tri/ho-so/{code}", "/quan-tri/tep/{attachment_id}",
                    "/chat/media/{attachment_id}", "/files/{attachment_id}", "/cong-khai/pakn",
                    "/public/pakn/{code}", "/api/cases.{format}", "/quan-tri/chi-so"):
        assert pattern in patterns, patterns


@pytest.mark.parametrize(("pattern", "variables"), ROUTES, ids=[p for p, _ in ROUTES])
@ROUTE_FUZZ
@given(data=st.data(), who=st.sampled_from(["stranger", "staff", "admin"]))
async def test_every_get_route_answers_odd_input_with_a_4xx(
        visitors: dict[str, aiohttp.ClientSession], pattern: str, variables: tuple[str, ...],
        data: st.DataObject, who: str) -> None:
    path = {v: data.draw(st.sampled_from(CONSTRAINED[v]) if v in CONSTRAINED else VALUES,
                         label=v) for v in variables}
    query = data.draw(st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=3),
                      label="query")
    url = address(pattern, path, query)
    with logged_errors() as errors:
        async with visitors[who].get(url, allow_redirects=False) as response:
            body = await response.read()
            assert response.status < 500, (str(url), who, response.status, body[:500])
            assert b"Traceback" not in body
        assert not errors.take(), (str(url), who)


async def test_a_refusal_is_clear_and_in_the_person_s_language(
        visitors: dict[str, aiohttp.ClientSession]) -> None:
    stranger, staff = visitors["stranger"], visitors["staff"]
    async with stranger.get(address("/cong-khai/pakn", {}, {"page": str(2**63)})) as page:
        assert page.status == 400 and page.content_type == "text/html"
        assert "page" in await page.text()
    async with stranger.get(address("/public/pakn", {}, {"q": "a\x00b"})) as page:
        assert page.status == 400
        assert "cannot be read" in await page.text()
    async with stranger.get(address("/api/cases.json", {}, {"offset": "\ud800"})) as api:
        assert api.status == 400 and api.content_type == "application/json"
        assert (await api.json())[0]["code"] == 400
    # The staff member chose English in chat: the dashboard refuses in English.
    async with staff.get(address("/quan-tri/tep/{attachment_id}",
                                 {"attachment_id": str(2**40)}, {})) as file:
        assert file.status == 400
        assert "whole number" in await file.text()


# --- JSON bodies -----------------------------------------------------------------------

@pytest.fixture
async def stage(database_url: str) -> AsyncIterator[Stage]:
    running = await Stage(database_url, Clock(MONDAY_MORNING)).start()
    yield running
    await running.close()


def nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@FUZZ
@given(depth=st.one_of(st.integers(33, 200), st.sampled_from([1000, 100_000])),
       kind=st.sampled_from(["list", "object"]))
async def test_deep_json_on_every_json_door_is_refused(stage: Stage, depth: int,
                                                       kind: str) -> None:
    body = nested(depth, kind).encode()
    with logged_errors() as errors:
        assert await stage.telegram_update(body) == 400
        assert await stage.zalo_update(body) == 400
        assert await stage.oa_raw(body, "mac=" + "0" * 64) == 401
        async with stage.http.post("/api/dossiers", data=body,
                                   headers={"Authorization": "Bearer nothing",
                                            "Content-Type": "application/json"}) as api:
            assert api.status in (400, 401)
        visitor = await stage.visitor()
        try:
            await visitor.open()
            answer = await visitor.frame(body.decode())
            assert answer["type"] in ("invalid", "closed"), answer
        finally:
            await visitor.close()
        assert not errors.take()


# --- Zalo OA: signed, and recent -------------------------------------------------------

WINDOW = timedelta(minutes=5)


def _event(stamp_ms: int, serial: int) -> dict[str, Any]:
    return {"app_id": "4321098765", "event_name": "user_send_text",
            "timestamp": str(stamp_ms), "sender": {"id": f"w{serial}"},
            "recipient": {"id": "oa"}, "message": {"msg_id": f"w-{serial}", "text": "/trogiup"}}


SERIAL = iter(range(10**9))


@FUZZ
@given(offset=st.one_of(
    st.integers(-int(WINDOW.total_seconds() * 1000), int(WINDOW.total_seconds() * 1000)),
    st.integers(int(WINDOW.total_seconds() * 1000) + 1, 10**12),
    st.integers(-10**12, -int(WINDOW.total_seconds() * 1000) - 1)))
async def test_zalo_oa_takes_only_recent_events(stage: Stage, offset: int) -> None:
    stage.clock.set(MONDAY_MORNING + timedelta(days=3))  # the window follows the clock
    now_ms = int(stage.clock().timestamp() * 1000)
    fresh = abs(offset) <= WINDOW.total_seconds() * 1000
    before = await stage.counts()
    status = await stage.oa_event(_event(now_ms + offset, next(SERIAL)))
    if fresh:
        assert status == 200
    else:
        assert status == 401
        assert await stage.counts() == before, "a stale event is not acted on"


async def test_zalo_oa_window_is_a_setting(database_url: str) -> None:
    clock = Clock(MONDAY_MORNING)
    stage = await Stage(database_url, clock, zalo_oa_event_minutes=1).start()
    try:
        now_ms = int(clock().timestamp() * 1000)
        assert await stage.oa_event(_event(now_ms - 90_000, 1)) == 401
        assert await stage.oa_event(_event(now_ms - 50_000, 2)) == 200
        assert await stage.oa_event(_event(now_ms + 50_000, 3)) == 200
        assert await stage.oa_event(_event(now_ms + 90_000, 4)) == 401
        for stamp in ("", "soon", "-5", "1" * 14, "1e12", "١٢"):
            event = _event(now_ms, 5) | {"timestamp": stamp}
            assert await stage.oa_event(event) == 401, stamp
    finally:
        await stage.close()


def test_nested_helper() -> None:
    assert json.loads(nested(3, "object")) == {"a": {"a": {"a": 1}}}


async def test_a_photo_frame_with_an_id_past_the_database_is_invalid(stage: Stage) -> None:
    visitor = await stage.visitor()
    try:
        await visitor.open()
        with logged_errors() as errors:
            for serial, value in enumerate([0, -1, 2**31, 2**63, 10**40, -2**63, 1.5, True,
                                            "1e3", "", None, [], {}]):
                frame = {"client_id": f"photo{serial:08d}", "type": "photo",
                         "attachment_id": value}
                answer = await visitor.frame(json.dumps(frame))
                assert answer["type"] == "invalid", (value, answer)
            frame = {"client_id": "photo-in-range", "type": "photo",
                     "attachment_id": 2**31 - 1}
            assert (await visitor.frame(json.dumps(frame)))["type"] == "ack"
            assert not errors.take()
    finally:
        await visitor.close()
