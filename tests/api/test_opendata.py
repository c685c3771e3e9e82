"""Open data: the indicators are the numbers `pakn stats --json` prints for the same
period, in JSON and CSV; the resolved cases are published without their senders."""

import csv
import io
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from complaints.people import Role
from storage.models import CaseRow
from tests.api.conftest import Cli
from tests.api.georeport import valid
from tests.conversation.harness import CHANNEL, Harness
from tests.publishing import approve
from tests.reports.data import case, citizen, handling, local, rating

Client = TestClient[web.Request, web.Application]
NAME, PHONE, ADDRESS = "Trần Thị Bình", "0987654321", "Tổ 5, ấp Bình Xuân"
ADMIN = "9001"


def _published(n: int, resolved: bool, **changes: Any) -> CaseRow:
    """A case of Q4 2025 whose texts name its sender."""
    row = case(n, due=local(2025, 11, 3 + n, 17), unit="PTNMT", field="dat_dai",
               resolved=local(2025, 11, 1 + 2 * n) if resolved else None)
    row.contact_name, row.contact_phone, row.contact_address = NAME, PHONE, ADDRESS
    row.text = f"Tôi là {NAME}, ở {ADDRESS}, gọi 0987 654 321: đường ngập số {n}."
    row.answer = f"Đã trả lời bà {NAME} qua số {PHONE}: nạo vét xong số {n}." if resolved else None
    for key, value in changes.items():
        setattr(row, key, value)
    return row


async def seed(bot: Harness) -> None:
    """Q3 and Q4 2025: ratings of two fields, cases of two units with handling ratings."""
    async with bot.database.transaction() as session:
        session.add(citizen())
        await session.flush()
        session.add_all([rating(n, local(2025, 10 + n % 3, 1 + n % 27), 5 if n % 4 else 2)
                         for n in range(40)])
        session.add_all([rating(100 + n, local(2025, 11, 5), 4 if n % 3 else 1, unit="PTNMT",
                                field="dat_dai", procedure=None) for n in range(12)])
        session.add_all([rating(200 + n, local(2025, 8, 5), 5) for n in range(5)])
        rows = [_published(n, resolved=n % 4 != 3) for n in range(1, 9)]
        rows += [case(20, local(2025, 12, 1, 17), local(2025, 12, 2), unit="PTP",
                      field="ho_tich"),
                 case(21, local(2025, 10, 6, 17), None, unit="PTP", field="ho_tich"),
                 _published(9, resolved=True, channel="import")]
        session.add_all(rows)
        await session.flush()
        session.add_all([handling(r.id, 5 - r.id % 4) for r in rows if r.resolved_at])


def without_names(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "names"}


async def test_the_indicators_are_those_of_pakn_stats(bot: Harness, api: Client,
                                                      cli: Cli) -> None:
    await seed(bot)
    for query, args in (({"period": "2025-Q4"}, ["--period", "2025-Q4"]),
                        ({"period": "2025", "unit": "PTNMT"}, ["--period", "2025", "--unit",
                                                               "PTNMT"]),
                        ({"period": "2025-11", "field": "dat_dai"},
                         ["--period", "2025-11", "--field", "dat_dai"])):
        code, printed = await cli("stats", "--json", *args)
        assert code == 0, printed
        response = await api.get("/api/indicators.json", params={**query, "lang": "en"})
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        body = await response.json()
        assert without_names(body) == json.loads(printed), query
    assert body["names"]["unit"]["PTNMT"] == "Natural Resources and Environment Office"

    report = await (await api.get("/api/indicators.json?period=2025-Q4")).json()
    assert report["satisfaction"]["denominator"] == 52
    assert report["pakn_on_time"]["denominator"] == 11, "imported history counts, too"
    assert set(report["by_unit"]) == {"PTNMT", "PTP", "UBND-26428"}


async def test_the_indicators_as_csv(bot: Harness, api: Client) -> None:
    await seed(bot)
    report = await (await api.get("/api/indicators.json?period=2025-Q4&lang=en")).json()
    response = await api.get("/api/indicators.csv?period=2025-Q4&lang=en")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert list(rows[0]) == ["period", "group", "code", "name", "indicator", "numerator",
                             "denominator", "rate", "target", "met", "ci_low", "ci_high"]
    for row in rows:
        where = (report if row["group"] == "overall"
                 else report[f"by_{row['group']}"][row["code"]])
        expected = where[row["indicator"]]
        assert row["period"] == "2025-Q4"
        assert (int(row["numerator"]), int(row["denominator"])) == (
            expected["numerator"], expected["denominator"]), row
        assert row["met"] == {True: "true", False: "false", None: ""}[expected["met"]]
        assert (float(row["rate"]) if row["rate"] else None) == expected["rate"]
        assert (float(row["target"]) if row["target"] else None) == expected["target"]
    groups = {row["group"] for row in rows}
    assert groups == {"overall", "unit", "field", "procedure", "channel", "month"}
    land = next(r for r in rows if r["code"] == "PTNMT" and r["indicator"] == "pakn_on_time")
    assert land["name"] == "Natural Resources and Environment Office"
    # Four indicators and the two figures beside them, per group.
    assert len(rows) == 6 * (1 + sum(len(report[f"by_{g}"]) for g in
                                     ("unit", "field", "procedure", "channel", "month")))

    units = await api.get("/api/indicators.csv?period=2025-Q4&group=unit")
    unit_rows = list(csv.DictReader(io.StringIO(await units.text())))
    assert {r["group"] for r in unit_rows} == {"unit"}
    assert {r["name"] for r in unit_rows} >= {"Phòng Tài nguyên và Môi trường"}


async def test_resolved_cases_are_published_without_their_senders(bot: Harness,
                                                                  api: Client) -> None:
    await seed(bot)
    empty = await (await api.get("/api/cases.json")).json()
    assert (empty["total"], empty["cases"]) == (0, []), "nothing before it is approved"
    await bot.join(ADMIN, Role.ADMIN, None)
    for n in (1, 2, 4, 5, 6, 8, 20):
        await approve(bot.store, bot.clock, CHANNEL, ADMIN, f"PA-2026-{n:06d}")
    response = await api.get("/api/cases.json?lang=en")
    assert response.status == 200
    page = await response.json()
    # Resolved only, and not the imported history.
    assert page["total"] == 7 and [c["code"] for c in page["cases"]][:2] == [
        "PA-2026-000020", "PA-2026-000008"]
    text = json.dumps(page, ensure_ascii=False)
    for secret in (NAME, PHONE, "0987 654 321", ADDRESS):
        assert secret not in text, secret
    first = next(c for c in page["cases"] if c["code"] == "PA-2026-000001")
    assert first == {
        "code": "PA-2026-000001", "field": "dat_dai", "field_name": "Land",
        "procedure": None, "procedure_name": None, "unit": "PTNMT",
        "unit_name": "Natural Resources and Environment Office", "area": None,
        "area_name": None, "received_at": "2025-10-21T17:00:00+07:00",
        "due_at": "2025-11-04T17:00:00+07:00", "resolved_at": "2025-11-03T09:00:00+07:00",
        "on_time": True, "question": "Tôi là […], ở […], gọi […]: đường ngập số 1.",
        "answer": "Đã trả lời bà […] qua số […]: nạo vét xong số 1.",
        "published_at": "2026-03-02T09:00:00+07:00"}

    async def codes(**query: str) -> list[str]:
        body = await (await api.get("/api/cases.json", params=query)).json()
        return [c["code"] for c in body["cases"]]
    assert await codes(field="ho_tich") == ["PA-2026-000020"]
    assert await codes(unit="PTNMT", limit="2", offset="1") == ["PA-2026-000006",
                                                                  "PA-2026-000005"]
    assert await codes(q="nạo vét xong số 5") == ["PA-2026-000005"]
    assert await codes(q=NAME) == [] and await codes(q=PHONE) == [], \
        "a search cannot tell who wrote what"
    assert await codes(start="2025-10-22", end="2025-10-23") == ["PA-2026-000002"], \
        "received on those local days"

    csv_response = await api.get("/api/cases.csv?unit=PTNMT&lang=en")
    assert csv_response.headers["X-Total-Count"] == "6"
    rows = list(csv.DictReader(io.StringIO(await csv_response.text())))
    listed = (await (await api.get("/api/cases.json?unit=PTNMT&lang=en")).json())["cases"]
    assert [r["code"] for r in rows] == [c["code"] for c in listed]
    assert rows[-1]["question"] == listed[-1]["question"]
    assert {r["on_time"] for r in rows} <= {"true", "false"}
    assert NAME not in await csv_response.text()


async def test_bad_arguments_are_refused(api: Client) -> None:
    for path in ("/api/indicators.json?period=2026-Q5", "/api/indicators.json?period=0000",
                 "/api/indicators.csv?group=street", "/api/indicators.json?unit=NOPE",
                 "/api/cases.json?limit=0", "/api/cases.csv?offset=-1",
                 "/api/cases.json?start=2026-02-30", "/api/cases.json?field=nope"):
        response = await api.get(path)
        assert response.status == 400, path
        valid("errors", await response.json())
    spec = await (await api.get("/api/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/indicators.json", "/api/cases.csv", "/open311/v2/requests.json"} <= set(
        spec["paths"])
