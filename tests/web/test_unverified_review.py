"""The administrators' review of unverified ratings on the indicators page: counting a
unit's unverified ratings for the period (the same figures in `pakn stats --json`, in
the audit log and on the public page) and stopping it; bursts that look like stuffing.

The seeded quarter (2026-Q3), its ratings made unverified here (as from a desk's poster):
40 at Xuân Bắc (38 satisfied), 35 at the land office; the site's clock stands on Monday
5 October 2026 (2026-Q4)."""

import asyncio
import json
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select, update

from bot.present.reports import make_report
from bot.web.desk import new_nonce
from complaints.people import Role
from storage.models import AuditRow, RatingInclusionRow, RatingRow
from surveys.periods import parse_period
from surveys.report import Scope
from tests.e2e.published import VN
from tests.web.site import Site, csrf_and_nonce

ROOT = Path(__file__).resolve().parents[2]
ADMIN, STAFF = "admin", "staff"
PAGE = "/quan-tri/chi-so?period=2026-Q3"
FORM = "/quan-tri/chi-so/danh-gia-chua-xac-thuc?period=2026-Q3"
XUAN_BAC = "UBND-26428"


@pytest.fixture(autouse=True)
async def unverified(site: Site) -> None:
    async with site.service.store.unit_of_work() as uow:
        await uow.session.execute(update(RatingRow).values(verified=False, dossier=None))


async def satisfaction(site: Site, unit: str | None = None) -> tuple[int, int]:
    """Satisfied ÷ counted, as make_report has it."""
    async with site.service.store.unit_of_work() as uow:
        report = await make_report(uow.indicators, await uow.directory.load(),
                                   parse_period("2026-Q3"), Scope(unit=unit), site.clock(),
                                   site.service.settings.tz)
    rate = report.overall.satisfaction
    return rate.numerator, rate.denominator


async def stats(site: Site) -> dict[str, Any]:
    """`pakn stats --json` on the same database, beside the running service."""
    env = {"PAKN_DATABASE_URL": str(site.service.settings.database_url), "PATH": "/usr/bin"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "stats", "--period", "2026-Q3", "--json", cwd=ROOT,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return dict(json.loads(out))


def card_counts(html: str) -> str:
    found = re.search(r'data-indicator="satisfaction">.*?<p>(\d+/\d+)', html, re.DOTALL)
    assert found is not None
    return found.group(1)


async def page(client: aiohttp.ClientSession, path: str = PAGE) -> str:
    async with client.get(path) as response:
        assert response.status == 200
        return await response.text()


async def post(client: aiohttp.ClientSession, data: dict[str, str]) -> int:
    async with client.post(FORM, data=data, allow_redirects=False) as response:
        if response.status == 303:
            assert response.headers["Location"].startswith(PAGE)
        return response.status


async def audit(site: Site) -> list[tuple[str, dict[str, Any]]]:
    async with site.service.database.reading() as session:
        rows = await session.execute(select(AuditRow).order_by(AuditRow.id))
        return [(row.action, dict(row.data)) for row in rows.scalars()]


async def inclusions(site: Site) -> list[RatingInclusionRow]:
    async with site.service.database.reading() as session:
        rows = await session.execute(select(RatingInclusionRow).order_by(RatingInclusionRow.id))
        return list(rows.scalars())


async def test_counting_a_units_unverified_ratings_and_stopping(site: Site) -> None:
    await site.join(ADMIN, Role.ADMIN, None)
    await site.join(STAFF, Role.STAFF, XUAN_BAC)
    assert await satisfaction(site) == (0, 0)
    async with await site.signed_in(ADMIN) as client:
        html = await page(client)
        assert card_counts(html) == "0/0"
        assert 'id="inclusions"' not in html
        fields = await csrf_and_nonce(client, PAGE)
        assert await post(client, {**fields, "unit": XUAN_BAC}) == 303
        assert await post(client, {**fields, "unit": XUAN_BAC}) == 303  # sent twice: once

        html = await page(client)
        assert card_counts(html) == "38/40"
        assert re.search(rf'data-unit="{XUAN_BAC}"', html)
        assert await satisfaction(site) == (38, 40)
        assert await satisfaction(site, "VPDKDD") == (0, 0)  # another unit: unchanged
        figures = await stats(site)
        assert (figures["satisfaction"]["numerator"],
                figures["satisfaction"]["denominator"]) == (38, 40)
        assert figures["by_unit"][XUAN_BAC]["satisfaction"]["denominator"] == 40
        assert figures["by_unit"]["VPDKDD"]["satisfaction"]["denominator"] == 0
        assert figures["satisfaction_unverified"]["denominator"] == 80
        assert [i["unit"] for i in figures["unverified_included"]] == [XUAN_BAC]

        # The same unit again, from a new form: it is counted already.
        fresh = await csrf_and_nonce(client, PAGE)
        assert await post(client, {**fresh, "unit": XUAN_BAC}) == 400
        assert await post(client, {**fresh, "nonce": new_nonce(), "unit": "NOWHERE"}) == 400
        [inclusion] = await inclusions(site)
        admin_id = inclusion.included_by
        assert (inclusion.unit_code, str(inclusion.first_day), str(inclusion.last_day)) == (
            XUAN_BAC, "2026-07-01", "2026-09-30")
        included = {"unit": XUAN_BAC, "first": "2026-07-01", "last": "2026-09-30",
                    "inclusion_id": inclusion.id}
        assert await audit(site) == [("include_unverified", included)]

    async with site.client() as visitor, visitor.get("/public?period=2026-Q3") as response:
        public = await response.text()
    assert re.search(r'class="inclusion">[^<]*01/07/2026[^<]*30/09/2026', public)

    async with await site.signed_in(STAFF) as client:  # staff may not decide it
        csrf = re.search(r'name="csrf" value="([^"]+)"', await page(client, "/quan-tri/ho-so"))
        assert csrf is not None
        assert await post(client, {"csrf": csrf.group(1), "nonce": new_nonce(),
                                   "revoke": str(inclusion.id)}) == 403

    async with await site.signed_in(ADMIN) as client:
        fields = await csrf_and_nonce(client, PAGE)
        assert await post(client, {**fields, "revoke": str(inclusion.id)}) == 303
        assert card_counts(await page(client)) == "0/0"
    assert await satisfaction(site) == (0, 0)
    [revoked] = await inclusions(site)
    assert revoked.revoked_by == admin_id and revoked.revoked_at is not None
    assert await audit(site) == [("include_unverified", included),
                                 ("revoke_unverified_inclusion", included)]


def fresh_ratings(start: datetime, every: timedelta, prefix: str, *, desk: int | None = None,
                  origin: str | None = None, new_identity: bool = True) -> list[RatingRow]:
    """Twelve unverified ratings, one each `every`."""
    return [RatingRow(source="bot", source_id=f"{prefix}-{n}", rated_at=start + n * every,
                      unit_code=XUAN_BAC, field_code="ho_tich", procedure_code="1.001193",
                      channel="webchat", score=5, answers={"overall": 5}, verified=False,
                      desk_token_id=desk, origin=origin, new_identity=new_identity)
            for n in range(12)]


async def test_bursts_of_new_identities_are_flagged(site: Site) -> None:
    await site.join(ADMIN, Role.ADMIN, None)
    now = site.clock()
    async with site.service.store.unit_of_work() as uow:
        for name in ("Quầy 2", "Quầy 3"):
            await uow.surveys.create_token(f"hash-{name}", "1.001193", XUAN_BAC, name, now)
        busy, calm = [token.id for name in ("Quầy 2", "Quầy 3")
                      if (token := await uow.surveys.token(f"hash-{name}")) is not None]
    morning = datetime(2026, 10, 2, 9, 0, tzinfo=VN)
    origin = "f" * 32
    async with site.service.store.unit_of_work() as uow:
        uow.session.add_all([
            *fresh_ratings(morning, timedelta(seconds=25), "busy", desk=busy),
            *fresh_ratings(morning, timedelta(minutes=10), "calm", desk=calm),
            # Old chat accounts queueing at the desk are no stuffing.
            *fresh_ratings(morning, timedelta(seconds=5), "queue", desk=calm,
                           new_identity=False),
            *fresh_ratings(morning + timedelta(hours=3), timedelta(seconds=40), "net",
                           origin=origin)])
    async with await site.signed_in(ADMIN) as client:
        html = await page(client, "/quan-tri/chi-so?period=2026-Q4")
        assert origin not in html  # an address is never shown, not even hashed
        flagged = re.findall(r'<li data-place="(\w+)"><strong>([^<]+)</strong>: (\d+) ', html)
        assert flagged == [("desk", "Quầy 2 · UBND xã Xuân Bắc · Đăng ký khai sinh",
                            "12"), ("origin", flagged[1][1], "12")]
        assert "09:00 02/10/2026 – 09:04 02/10/2026" in html
        # Another period, another unit: nothing.
        assert 'id="no-bursts"' in await page(client)
        assert 'id="no-bursts"' in await page(client,
                                              "/quan-tri/chi-so?period=2026-Q4&unit=VPDKDD")
