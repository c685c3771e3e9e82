"""A history kept under the 2022 organisation, then the organisation of 1/7/2025 loaded
with `pakn directory import --effective --mapping`, on SQLite and PostgreSQL: the old
units and their records kept as they were, open cases moved to the successor with an
event, and the indicators as organised then and now adding up to the same totals."""

import asyncio
import json
from collections.abc import Iterator
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import bot.app
from bot.cli import main
from complaints.case import EventKind
from storage.db import Database
from storage.models import CaseEventRow, CaseRow, DossierRow, RatingRow
from storage.uow import Store
from tests.conftest import CURRENT_DIRECTORY
from tests.reports.data import citizen, dossier, local, rating

DATA = resources.files("complaints").joinpath("data")
TODAY_FILE, MAPPING_FILE = str(DATA / CURRENT_DIRECTORY), str(DATA / "xuan_loc_2022_to_2025.csv")


def case(n: int, unit: str, field: str, area: str | None, due: datetime,
         resolved: datetime | None) -> CaseRow:
    received = local(due.year, due.month, 1)
    return CaseRow(code=f"PA-{due.year}-{n:06d}", channel="telegram", chat_id="1", citizen_id=1,
                   contact_name="", contact_phone="", contact_address="", field_code=field,
                   area_code=area, unit_code=unit, text="x" * 20,
                   status="resolved" if resolved else "in_progress", received_at=received,
                   due_at=due, resolved_at=resolved, updated_at=received, transfers=0)


# The 2024 history, under the 2022 organisation: Xuân Thọ (UBND-26437) and Gia Ray
# (UBND-26425) were merged into xã Xuân Lộc (XA-26425); Bảo Hòa (UBND-26464) into xã
# Xuân Định (XA-26461).
def history() -> list[Any]:
    return [
        case(1, "UBND-26437", "ho_tich", "26437", local(2024, 3, 10, 17), local(2024, 3, 9)),
        case(2, "UBND-26425", "ho_tich", "26425", local(2024, 5, 10, 17), local(2024, 5, 20)),
        case(3, "UBND-26464", "dat_dai", "26464", local(2024, 6, 10, 17), local(2024, 6, 1)),
        case(4, "PTNMT", "dat_dai", None, local(2024, 7, 10, 17), local(2024, 7, 1)),
        rating(1, local(2024, 3, 12), 5, unit="UBND-26437"),
        rating(2, local(2024, 4, 12), 2, unit="UBND-26437"),
        rating(3, local(2024, 5, 12), 4, unit="UBND-26425"),
        rating(4, local(2024, 6, 12), 4, unit="UBND-26464", field="dat_dai", procedure="1.012812"),
        dossier(1, local(2024, 3, 20, 17), finished=local(2024, 3, 19), unit="UBND-26437",
                field="ho_tich", procedure="1.001193"),
        dossier(2, local(2024, 8, 20, 17), finished=local(2024, 8, 25), unit="UBND-26464"),
    ]


# Open at the switch-over: Xuân Tâm (split between Xuân Hòa and Xuân Đông), the district
# labour office (split between Home Affairs and Health), Bảo Hòa (one successor).
def still_open() -> list[CaseRow]:
    return [
        case(11, "UBND-26449", "ho_tich", "26449", local(2025, 7, 15, 17), None),
        case(12, "PLDTBXH", "bao_tro_xa_hoi", None, local(2025, 7, 15, 17), None),
        case(13, "UBND-26464", "dat_dai", "26464", local(2025, 7, 15, 17), None),
    ]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """The command line on this database, which starts with the 2022 organisation and its
    2024 history."""
    for name in ("PAKN_TELEGRAM_TOKEN", "PAKN_PUBLIC_URL", "PAKN_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAKN_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    assert main(["--lang", "en", "directory", "show"]) == 0  # seeds the 2022 directory
    asyncio.run(_add(database_url, [citizen()], history(), still_open()))
    yield database_url


async def _add(url: str, *batches: list[Any]) -> None:
    database = Database(url)
    try:
        for rows in batches:
            async with Store(database).unit_of_work() as uow:
                uow.session.add_all(rows)
    finally:
        await database.dispose()


async def _rows(url: str, model: Any) -> list[Any]:
    database = Database(url)
    try:
        async with Store(database).unit_of_work() as uow:
            return list((await uow.session.execute(select(model).order_by(model.id)))
                        .scalars())
    finally:
        await database.dispose()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--lang", "en", *args])
    out, err = capsys.readouterr()
    return code, out, err


def stats(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, _ = run(capsys, "stats", "--json", *args)
    assert code == 0
    result: dict[str, Any] = json.loads(out)
    return result


def switch(capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(capsys, "directory", "import", TODAY_FILE, "--effective", "2025-07-01",
                         "--mapping", MAPPING_FILE)
    assert code == 0, err
    return out


def test_the_switch_keeps_the_old_units_and_moves_open_cases(
        cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = switch(capsys)
    _, shown, _ = run(capsys, "directory", "show", "--json")
    directory = json.loads(shown)
    # The units by name, in the language of the output.
    name = {u["code"]: u["name"]["en"] for u in directory["units"] + directory["former_units"]}
    assert (f"Case PA-2025-000011 moved from {name['UBND-26449']} to {name['XA-26446']}"
            in out)
    assert directory["code"] == "75" and directory["effective_from"] == "2025-07-01"
    units = {u["code"]: u for u in directory["units"]}
    former = {u["code"]: u for u in directory["former_units"]}
    assert set(units) == {"VPUBND", "TTPVHCC", "SNNMT", "VPDKDD-DN", "SXD", "STC", "STP",
                          "SNV", "SYT", "SGDDT", "SVHTTDL", "CAT", "THUE", "BHXH-DN",
                          *(f"{p}-{a}" for p in ("XA", "TTPV") for a in
                            ("26425", "26428", "26434", "26446", "26458", "26461", "26359"))}
    assert units["XA-26425"] == {
        "code": "XA-26425", "name": {"vi": "UBND xã Xuân Lộc",
                                     "en": "Xuan Loc Commune People's Committee"},
        "kind": "commune", "area": "26425", "effective_from": "2025-07-01",
        "effective_to": None, "successors": []}
    assert len(former) == 31
    assert former["UBND-26449"]["successors"] == ["XA-26446", "XA-26359"]
    assert former["UBND-26437"]["effective_to"] == "2025-06-30"
    assert former["UBND-26437"]["name"]["vi"] == "UBND xã Xuân Thọ", "kept as it was"
    assert former["PTNMT"]["successors"] == ["SNNMT"]

    cases = {c.code: c for c in asyncio.run(_rows(cli, CaseRow))}
    assert [cases[f"PA-2024-{n:06d}"].unit_code for n in (1, 2, 3, 4)] == [
        "UBND-26437", "UBND-26425", "UBND-26464", "PTNMT"], "closed cases stay where they were"
    assert {r.unit_code for r in asyncio.run(_rows(cli, RatingRow))} == {
        "UBND-26437", "UBND-26425", "UBND-26464"}
    assert [d.unit_code for d in asyncio.run(_rows(cli, DossierRow))] == [
        "UBND-26437", "UBND-26464"]
    moved = {c.code: c.unit_code for c in cases.values() if c.code.startswith("PA-2025")}
    assert moved == {"PA-2025-000011": "XA-26446", "PA-2025-000012": "SYT",
                     "PA-2025-000013": "XA-26461"}
    events = {cases_by_id: e for e in asyncio.run(_rows(cli, CaseEventRow))
              for cases_by_id in [next(c.code for c in cases.values() if c.id == e.case_id)]}
    assert {code: (e.kind, e.unit_code, e.data) for code, e in events.items()} == {
        "PA-2025-000011": (EventKind.REORGANISED.value, "UBND-26449", {
            "from_unit": "UBND-26449", "to_unit": "XA-26446", "effective": "2025-07-01",
            "chosen_by": "main"}),
        "PA-2025-000012": (EventKind.REORGANISED.value, "PLDTBXH", {
            "from_unit": "PLDTBXH", "to_unit": "SYT", "effective": "2025-07-01",
            "chosen_by": "field"}),
        "PA-2025-000013": (EventKind.REORGANISED.value, "UBND-26464", {
            "from_unit": "UBND-26464", "to_unit": "XA-26461", "effective": "2025-07-01",
            "chosen_by": "only"}),
    }


def _counts(indicators: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {key: (value["numerator"], value["denominator"]) for key, value in indicators.items()
            if isinstance(value, dict) and "denominator" in value}


def test_2024_counted_under_the_merged_commune_then_and_its_successor_now(
        cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    switch(capsys)
    then = stats(capsys, "--period", "2024", "--as-of", "then")
    now = stats(capsys, "--period", "2024", "--as-of", "now")
    assert (then["as_of"], now["as_of"]) == ("then", "now")
    assert _counts(then) == _counts(now), "the totals are the same both ways"
    xuan_tho = then["by_unit"]["UBND-26437"]
    assert (xuan_tho["satisfaction"]["numerator"], xuan_tho["satisfaction"]["denominator"],
            xuan_tho["pakn_on_time"]["denominator"],
            xuan_tho["dossier_on_time"]["denominator"]) == (1, 2, 1, 1)
    assert set(then["by_unit"]) == {"UBND-26437", "UBND-26425", "UBND-26464", "PTNMT"}
    assert set(now["by_unit"]) == {"XA-26425", "XA-26461", "SNNMT"}
    xuan_loc = now["by_unit"]["XA-26425"]
    assert _counts(xuan_loc) == {
        key: (a[0] + b[0], a[1] + b[1]) for key, a, b in (
            (k, _counts(then["by_unit"]["UBND-26437"])[k],
             _counts(then["by_unit"]["UBND-26425"])[k])
            for k in _counts(xuan_loc))}
    assert (xuan_loc["satisfaction"]["numerator"], xuan_loc["satisfaction"]["denominator"],
            xuan_loc["pakn_on_time"]["numerator"], xuan_loc["pakn_on_time"]["denominator"]) == (
        2, 3, 1, 2)
    # One unit of today asked for: the records of the units merged into it.
    alone = stats(capsys, "--period", "2024", "--unit", "XA-26425", "--as-of", "now")
    assert _counts(alone) == _counts(xuan_loc)
    old = stats(capsys, "--period", "2024", "--unit", "UBND-26437", "--as-of", "then")
    assert _counts(old) == _counts(xuan_tho)


def test_the_previous_year_is_counted_under_the_same_organisation(
        cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    switch(capsys)
    for as_of, unit in (("now", "XA-26425"), ("then", "UBND-26437")):
        year = stats(capsys, "--period", "2024", "--unit", unit, "--as-of", as_of)
        following = stats(capsys, "--period", "2025", "--unit", unit, "--as-of", as_of)
        assert _counts(following["previous"]) == _counts(year)
    text = run(capsys, "stats", "--period", "2024", "--as-of", "then")[1]
    assert "as organised then" in text and "Xuan Tho Commune People's Committee" in text


def test_a_bad_mapping_is_refused_whole(cli: str, capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    rows = Path(MAPPING_FILE).read_text(encoding="utf-8").splitlines()
    rows[5] = "PLDTBXH,NOWHERE"
    (tmp_path / "bad.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "directory", "import", TODAY_FILE, "--effective", "2025-07-01",
                       "--mapping", "bad.csv")
    assert code == 1
    assert err.strip() == ("pakn: bad.csv: line 6: 'NOWHERE' is not a unit of the new "
                           "directory (nothing was imported)")
    directory = json.loads(run(capsys, "directory", "show", "--json")[1])
    assert directory["code"] == "741" and directory["former_units"] == []
    assert {c.unit_code for c in asyncio.run(_rows(cli, CaseRow))
            if c.code.startswith("PA-2025")} == {"UBND-26449", "PLDTBXH", "UBND-26464"}
    code, _, err = run(capsys, "directory", "import", TODAY_FILE, "--effective", "2099-01-01",
                       "--mapping", MAPPING_FILE)
    assert code == 1 and "is in the future" in err


def test_an_empty_database_starts_with_the_organisation_of_today(
        database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(bot.app, "SEED_DIRECTORY", CURRENT_DIRECTORY)
    monkeypatch.setenv("PAKN_DATABASE_URL", database_url)
    for name in ("PAKN_TELEGRAM_TOKEN", "PAKN_PUBLIC_URL", "PAKN_PORT"):
        monkeypatch.delenv(name, raising=False)
    code, out, _ = run(capsys, "directory", "show", "--json")
    directory = json.loads(out)
    assert code == 0 and directory["code"] == "75" and directory["focal_unit"] == "VPUBND"
    assert directory["former_units"] == []
    assert all(u["effective_from"] == "2025-07-01" and u["effective_to"] is None
               and u["successors"] == [] for u in directory["units"])
    code, out, _ = run(capsys, "stats", "--period", "2026")
    assert code == 0 and "as organised" not in out, "nothing to switch before a reorganisation"
