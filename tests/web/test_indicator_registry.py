"""An indicator is its definition, its count and its words: one registered here, in the
test only, shows in every report, chart, export, page and API without another change."""

import asyncio
import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.cli import main
from complaints.people import Role
from storage.indicators import QUERIES, Query, Window
from storage.models import CaseRow
from surveys.indicators import DEFINITIONS, Chart, Counts, Definition, register
from tests.e2e.published import PERIOD
from tests.web.site import Site

ADMIN = "admin"
NAME = "PAKN resolved"
RESOLVED = Definition(
    "pakn_resolved", "resolved_cases", "received_cases", NAME, "resolved", 0.9,
    chart=Chart("resolved", "unit", "PAKN resolved by unit ({period})",
                "PAKN resolved by unit, against the target."))


def _received(window: Window, keys: list[Any]) -> Any:
    """Cases received in the period, and how many of them are resolved."""
    stmt = (select(*keys, func.count().filter(CaseRow.resolved_at.is_not(None)), func.count())
            .where(CaseRow.received_at >= window.start, CaseRow.received_at < window.end))
    for name, column in (("unit", CaseRow.unit_code), ("field", CaseRow.field_code),
                         ("channel", CaseRow.channel)):
        if (value := getattr(window.scope, name)) is not None:
            stmt = stmt.where(column == value)
    return stmt


def _counted(values: Sequence[Any]) -> Counts:
    return Counts(resolved_cases=int(values[0]), received_cases=int(values[1]))


RECEIVED = Query(_received, _counted,
                 {"channel": [CaseRow.channel],
                  "unit_field": [CaseRow.unit_code, CaseRow.field_code]},
                 frozenset({"unit", "field", "channel"}))


@pytest.fixture
def resolved() -> Iterator[None]:
    register(RESOLVED)
    QUERIES.append(RECEIVED)
    yield
    QUERIES.remove(RECEIVED)
    DEFINITIONS.remove(RESOLVED)


async def _pakn(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str], *args: str) -> str:
    monkeypatch.setenv("PAKN_DATABASE_URL", database_url)
    for name in ("PAKN_TELEGRAM_TOKEN", "PAKN_PUBLIC_URL", "PAKN_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["--lang", "en", *args])
    printed = capsys.readouterr().out
    assert code == 0, printed
    return printed


@pytest.mark.usefixtures("resolved")
async def test_a_registered_indicator_is_everywhere(
        site: Site, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # 2026-Q3 received 35 PAKN, 33 of them answered: all 33 of PTNMT, neither of PKTHT's.
    wanted = {"numerator": 33, "denominator": 35, "target": 0.9, "met": True}

    async def pakn(*args: str) -> str:
        return await _pakn(database_url, tmp_path, monkeypatch, capsys, *args)

    text = await pakn("stats", "--period", PERIOD)
    assert re.search(rf"^{NAME}: 94\.3% \(33/35\) · target 90\.0% · met", text, re.M), text
    assert re.search(r"• .*resolved 100\.0% \(33/33\) ✓", text), text
    printed = json.loads(await pakn("stats", "--period", PERIOD, "--json"))
    assert printed["pakn_resolved"].items() >= wanted.items()
    assert printed["by_unit"]["PKTHT"]["pakn_resolved"]["denominator"] == 2
    assert "pakn_resolved" in printed["trend_points"]

    workbook = tmp_path / "report.xlsx"
    await pakn("export", "--period", PERIOD, "--format", "xlsx", "-o", str(workbook))
    book = load_workbook(workbook, read_only=True)
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary[NAME][:2] == (33, 35)
    by_unit = list(book["By unit"].iter_rows(values_only=True))
    assert f"{NAME}: Rate" in by_unit[0]

    async with site.client() as client:
        async with client.get("/api/indicators.json", params={"period": PERIOD}) as response:
            assert (await response.json())["pakn_resolved"].items() >= wanted.items()
        async with client.get("/api/indicators.csv", params={"period": PERIOD}) as response:
            rows = list(csv.DictReader(io.StringIO(await response.text())))
        overall = [r for r in rows if r["indicator"] == "pakn_resolved" and
                   r["group"] == "overall"]
        assert [(r["numerator"], r["denominator"]) for r in overall] == [("33", "35")]
        async with client.get("/api/openapi.json") as response:
            schema = (await response.json())["components"]["schemas"]["Indicators"]
        assert "pakn_resolved" in schema["required"]
        assert schema["properties"]["pakn_resolved"] == {"$ref": "#/components/schemas/Rate"}

        for prefix in ("/cong-khai", "/public"):
            async with client.get(prefix, params={"period": PERIOD}) as response:
                page = await response.text()
            assert 'data-indicator="pakn_resolved"' in page and NAME in page
            assert f"{prefix}/bieu-do/resolved.svg?period={PERIOD}" in page
            async with client.get(f"{prefix}/bieu-do/resolved.svg",
                                  params={"period": PERIOD}) as response:
                assert response.status == 200
                assert f"PAKN resolved by unit ({PERIOD})" in await response.text()
            async with client.get(f"{prefix}/bieu-do/trend.svg",
                                  params={"period": PERIOD}) as response:
                assert NAME in await response.text()

    await site.join(ADMIN, Role.ADMIN, None)
    async with await site.signed_in(ADMIN) as admin:
        async with admin.get("/quan-tri/chi-so", params={"period": PERIOD}) as response:
            page = await response.text()
        cards = re.search(r'<li class="card (\w+)" data-indicator="pakn_resolved">', page)
        assert cards is not None and cards.group(1) == "met"
        assert re.search(r'<td class="\w+" data-indicator="pakn_resolved">', page)
        async with admin.get("/quan-tri/chi-so/bieu-do/resolved.svg",
                             params={"period": PERIOD}) as response:
            assert response.status == 200
            assert f"PAKN resolved by unit ({PERIOD})" in await response.text()
