"""The one-stop system's two ways in: `POST /api/dossiers` (keys and scopes, checked
before the body is read; each record answered in order; idempotent; bodies of every bad
shape refused with a 4xx) and `pakn import dossiers FILE.csv` (a bad file refused whole
with its line; a backwards row reported, the rest applied), and the receipt's link."""

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.core.work import Runner
from bot.web.dossiers_api import MAX_RECORDS, DossiersApi
from storage.models import DossierEventRow, DossierRow
from tests.api.conftest import Cli
from tests.conversation.harness import Harness, to

Client = TestClient[web.Request, web.Application]
RECORD = {"code": "H12.22-260302-0001", "procedure": "1.001193", "unit": "UBND-26428",
          "field": "ho_tich", "received_at": "2026-03-02T09:00:00+07:00",
          "due_at": "2026-03-05", "status": "received", "phone": "0912345678"}
KEY = re.compile(r"pakn_[A-Za-z0-9_-]+")


@pytest.fixture
async def api(bot: Harness) -> AsyncIterator[Client]:
    app = web.Application()
    runner = Runner(bot.store, bot.settings, bot.calendars, bot.clock, lambda: None)
    DossiersApi(bot.store, runner, bot.settings, bot.clock).install(app)
    async with TestClient(TestServer(app)) as client:
        yield client


async def key(cli: Cli, *scopes: str) -> str:
    code, printed = await cli("api-key", "create", "--name", "Hệ thống một cửa tỉnh",
                              *[arg for scope in scopes for arg in ("--scope", scope)])
    assert code == 0, printed
    found = KEY.search(printed)
    assert found is not None, printed
    return found.group(0)


async def push(api: Client, body: Any, key: str | None, lang: str = "en") -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return await api.post(f"/api/dossiers?lang={lang}", data=data,
                          headers={**headers, "Content-Type": "application/json"})


async def results(api: Client, body: Any, key: str, lang: str = "en") -> list[dict[str, Any]]:
    response = await push(api, body, key, lang)
    assert response.status == 200, await response.text()
    return list((await response.json())["results"])


async def test_keys_and_scopes_are_checked_before_the_body(api: Client, cli: Cli,
                                                           bot: Harness) -> None:
    pusher, open311 = await key(cli, "dossiers:write"), await key(cli)
    for header, status in ((None, 401), ("pakn_nonsense", 401), (open311, 403)):
        response = await push(api, "not json at all", header)
        assert response.status == status, header
        assert "error" in await response.json()
    assert (await push(api, "[]", None)).headers["WWW-Authenticate"] == "Bearer"
    listed_ok, listed = await cli("api-key", "list")
    # Each key's scope in words (bot.present.names.scope_name).
    assert listed_ok == 0 and "push dossiers" in listed and "file PAKN (Open311)" in listed
    assert await results(api, [], pusher) == []
    assert (await cli("api-key", "revoke", "1"))[0] == 0
    assert (await push(api, [RECORD], pusher)).status == 401, "revoked"
    async with bot.database.reading() as session:
        assert (await session.execute(select(func.count()).select_from(DossierRow))
                ).scalar_one() == 0


async def test_each_record_is_answered_in_order_and_idempotently(api: Client, cli: Cli,
                                                                 bot: Harness) -> None:
    pusher = await key(cli, "dossiers:write")
    second = {**RECORD, "code": "H12.22-260302-0002", "phone": None}
    batch = [RECORD, {**RECORD, "unit": "NOWHERE"}, second, "not a record",
             {**RECORD, "code": "H12.22-260302-0003", "due_at": "2026-02-30"}]
    first = await results(api, batch, pusher)
    assert [(r["code"], r["result"]) for r in first] == [
        ("H12.22-260302-0001", "created"), ("H12.22-260302-0001", "refused"),
        ("H12.22-260302-0002", "created"), (None, "refused"),
        ("H12.22-260302-0003", "refused")]
    assert first[1]["reason"] == "unit: unknown code 'NOWHERE'"
    assert first[3]["reason_code"] == "not_an_object"
    assert "ISO 8601" in first[4]["reason"]
    assert first[0]["link"].startswith("http://127.0.0.1:8080/?start=hs_")
    vietnamese = await results(api, [{**RECORD, "unit": "NOWHERE"}], pusher, lang="vi")
    assert vietnamese[0]["reason"] != first[1]["reason"], "in the reader's language"

    again = await results(api, [RECORD, second], pusher)
    assert [r["result"] for r in again] == ["unchanged", "unchanged"]
    assert again[0]["link"] == first[0]["link"], "the same link every time"
    moved = await results(api, [{**RECORD, "status": "in_progress"},
                                {**second, "status": "finished",
                                 "finished_at": "2026-03-04T10:00:00+07:00"}], pusher)
    assert [r["result"] for r in moved] == ["updated", "updated"]
    back = await results(api, [{**RECORD, "status": "received"}], pusher)
    assert (back[0]["result"], back[0]["reason_code"]) == ("refused", "backwards")
    async with bot.database.reading() as session:
        kinds = (await session.execute(select(DossierEventRow.kind, DossierEventRow.status)
                                       .order_by(DossierEventRow.id))).all()
    assert [tuple(k) for k in kinds] == [
        ("received", "received"), ("received", "received"), ("status", "in_progress"),
        ("status", "finished")]

    # The link on the receipt: whoever opens it first follows the dossier.
    link = first[0]["link"].split("start=")[1]
    answer = await bot.text("7001", f"/start {link}")
    consent = next(m for m in to("7001", answer) if "Personal data notice" in m.text)
    followed = to("7001", await bot.press("7001", consent.payload("cs:")))
    assert "You now follow this dossier" in followed[-1].text


@pytest.mark.parametrize(("body", "status"), [
    ("{", 400), ("", 400), ('{"code": "x"}', 400), ("null", 400), ('"text"', 400),
    ("[" * 100_000 + "]" * 100_000, 400),
    (json.dumps([RECORD] * (MAX_RECORDS + 1)), 413),
    (b"\xff\xfe\x00", 400),
])
async def test_bodies_of_every_bad_shape_are_refused(api: Client, cli: Cli, body: Any,
                                                     status: int) -> None:
    pusher = await key(cli, "dossiers:write")
    response = await push(api, body, pusher)
    assert response.status == status
    assert "error" in await response.json()


values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats()
                      | st.text(max_size=20),
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
records = st.dictionaries(st.sampled_from([*RECORD, "finished_at", "returned_at", "x"]),
                          values | st.sampled_from(list(RECORD.values())), max_size=10)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(batch=st.lists(records | values, max_size=4))
async def test_any_records_get_an_answer_each(api: Client, pusher_key: str,
                                              batch: list[Any]) -> None:
    answered = await results(api, batch, pusher_key)
    assert len(answered) == len(batch)
    assert all(r["result"] in ("created", "updated", "unchanged", "refused")
               for r in answered)


@pytest.fixture
async def pusher_key(cli: Cli) -> str:
    return await key(cli, "dossiers:write")


# --- the command line ---------------------------------------------------------------------------

HEADER = "code,procedure,unit,field,received_at,due_at,finished_at,returned_at,status,phone\n"


async def test_importing_a_file(cli: Cli, tmp_path: Path, bot: Harness) -> None:
    rows = [f"HS-{n},1.001193,UBND-26428,ho_tich,2026-03-02 09:00,2026-03-05,,,received,"
            f"09123456{n:02d}\n" for n in range(3)]
    (tmp_path / "day1.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    code, printed = await cli("import", "dossiers", "day1.csv")
    assert code == 0 and "3 rows read, 3 new, 0 updated, 0 unchanged, 0 not applied" in printed
    code, printed = await cli("import", "dossiers", "day1.csv")
    assert code == 0 and "3 unchanged" in printed

    bad = rows[0].replace("UBND-26428", "NOWHERE")
    (tmp_path / "bad.csv").write_text(HEADER + rows[1] + bad, encoding="utf-8")
    code, printed = await cli("import", "dossiers", "bad.csv")
    assert code == 1 and "line 3: unit: unknown code 'NOWHERE'" in printed
    assert "nothing was imported" in printed

    later = [rows[0].replace("received", "in_progress"),
             rows[1].replace(",,,received", ",2026-03-04 10:00,,finished"),
             rows[2].replace("2026-03-02 09:00", "2026-03-01 09:00")]
    (tmp_path / "day2.csv").write_text(HEADER + "".join(later), encoding="utf-8")
    code, printed = await cli("import", "dossiers", "day2.csv")
    assert code == 1, "a row not applied"
    assert "3 rows read, 0 new, 2 updated, 0 unchanged, 1 not applied" in printed
    assert "line 4: HS-2: received_at differs from the one recorded before" in printed
    async with bot.database.reading() as session:
        statuses = {code: status for code, status in await session.execute(
            select(DossierRow.code, DossierRow.status))}
    assert statuses == {"HS-0": "in_progress", "HS-1": "finished", "HS-2": "received"}

    code, printed = await cli("qr", "--dossier", "hs-1", "-o", "receipt")
    assert code == 0 and "?start=hs_" in printed
    assert sorted(p.name for p in (tmp_path / "receipt").iterdir()) == ["qr-web.png",
                                                                        "qr-web.svg"]
    code, printed = await cli("qr", "--dossier", "HS-404")
    assert code == 2 and "unknown dossier" in printed
    code, printed = await cli("import", "dossiers", "missing.csv")
    assert code == 1 and "cannot read" in printed
