"""Dossiers of the one-stop system on the dashboard: who sees which lists and dossiers,
and the apology form (once per form, refused with the reason beside the field, never
for another unit's dossier). The site's clock stands on Monday 5 October 2026, 9:00."""

import re
from datetime import datetime

import aiohttp
from sqlalchemy import func, select

from bot.core.dossiers import record_dossiers
from bot.core.records import Chat
from bot.core.work import Work
from bot.web.desk import new_nonce
from complaints.dossiers import Record, Status
from complaints.people import Role
from storage.models import (
    AccountRow,
    DossierApologyRow,
    DossierRow,
    InboundRow,
    OutboxRow,
    RefusalRow,
)
from tests.e2e.published import VN
from tests.web.site import Site, csrf_and_nonce

STAFF, OTHER, FOCAL, ADMIN, CITIZEN = "staff-pktht", "staff-ptnmt", "staff-vp", "admin", "citizen"
BUILD = ("PKTHT", "1.013225", "xay_dung")
LAND = ("PTNMT", "1.013978", "dat_dai")
RESIDENCE = ("CAH", "1.004222", "cu_tru")
"""Nobody has joined the district police in these tests: the focal point stands in."""


def at(day: int, hour: int = 9, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=VN)


def dossier(code: str, where: tuple[str, str, str], received: datetime, due: datetime,
            status: Status = Status.IN_PROGRESS, finished: datetime | None = None) -> Record:
    unit, procedure, field = where
    return Record(code, procedure, unit, field, received, due, finished, None, status,
                  "0912345678")


async def record(site: Site, *records: Record) -> None:
    async def run(work: Work) -> list[str]:
        return [o.result for o in await record_dossiers(work, list(records), "test")]
    assert set(await site.service.runner.run(run, "test")) == {"created"}


async def standard_dossiers(site: Site) -> None:
    """At the Economy and Infrastructure Office: one late, one due tomorrow (at risk), one
    due later, one finished; one at risk at the Environment Office; one at the police."""
    await record(
        site,
        dossier("HS-LATE", BUILD, at(21, month=9), at(1, 17)),
        dossier("HS-RISK", BUILD, at(22, month=9), at(6, 17)),
        dossier("HS-LATER", BUILD, at(1), at(16, 17)),
        dossier("HS-DONE", BUILD, at(15, month=9), at(2, 17), Status.FINISHED, at(1, 10)),
        dossier("HS-LAND", LAND, at(22, month=9), at(6, 17)),
        dossier("HS-POLICE", RESIDENCE, at(22, month=9), at(6, 17)))


async def people(site: Site) -> None:
    await site.join(STAFF, Role.STAFF, "PKTHT")
    await site.join(OTHER, Role.STAFF, "PTNMT")
    await site.join(FOCAL, Role.STAFF, "VP")
    await site.join(ADMIN, Role.ADMIN, None)


async def listed(client: aiohttp.ClientSession, query: str = "") -> list[str]:
    async with client.get(f"/quan-tri/ho-so-tthc{query}") as response:
        assert response.status == 200
        return re.findall(r'<tr data-code="([^"]+)"', await response.text())


async def status_of(client: aiohttp.ClientSession, path: str) -> int:
    async with client.get(path, allow_redirects=False) as response:
        return response.status


async def post(client: aiohttp.ClientSession, path: str,
               data: dict[str, str]) -> tuple[int, str]:
    async with client.post(path, data=data, allow_redirects=False) as response:
        return response.status, await response.text()


def apology_form(fields: dict[str, str], day: str) -> dict[str, str]:
    return {**fields, "reason": "Chờ ý kiến thẩm định của Sở Xây dựng.", "day": day,
            "name": "Trần Thị Hoa", "title": "Chuyên viên"}


def field_error(html: str, name: str) -> str:
    found = re.search(rf'id="error-{name}"[^>]*>([^<]+)<', html)
    assert found is not None, html[:3000]
    return found.group(1)


async def count(site: Site, what: object) -> int:
    async with site.service.database.reading() as session:
        return int((await session.execute(select(func.count()).select_from(what))).scalar_one())


async def test_each_sees_their_units_lists_nearest_due_first(site: Site) -> None:
    await people(site)
    await standard_dossiers(site)
    async with await site.signed_in(STAFF) as client:
        assert await listed(client) == ["HS-LATE", "HS-RISK", "HS-LATER"]
        assert await listed(client, "?list=at_risk") == ["HS-RISK"]
        assert await listed(client, "?list=unapologised") == ["HS-LATE"]
        assert sorted(await listed(client, "?list=all")) == ["HS-DONE", "HS-LATE", "HS-LATER",
                                                              "HS-RISK"]
        # Their own unit, whatever the query asks.
        assert await listed(client, "?list=all&unit=PTNMT") == await listed(client,
                                                                            "?list=all")
        async with client.get("/quan-tri/ho-so-tthc?list=at_risk") as response:
            html = await response.text()
        assert "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ" in html
        assert "Phòng Kinh tế và Hạ tầng" in html and "06/10/2026" in html
    async with await site.signed_in(OTHER) as client:
        assert await listed(client, "?list=at_risk") == ["HS-LAND"]
    async with await site.signed_in(ADMIN) as client:
        assert sorted(await listed(client, "?list=at_risk")) == ["HS-LAND", "HS-POLICE",
                                                                  "HS-RISK"]
        assert await listed(client, "?list=at_risk&unit=PTNMT") == ["HS-LAND"]
        assert len(await listed(client, "?list=all")) == 6
        # No such unit: the form again, the mistake beside the field.
        assert await status_of(client, "/quan-tri/ho-so-tthc?list=all&unit=NOPE") == 400
        # What no page writes (a NUL) is refused with a clear word (bot/web/params.py).
        assert await status_of(client, "/quan-tri/ho-so-tthc?list=all&unit=%00") == 400


async def test_lists_are_paginated(site: Site) -> None:
    await people(site)
    await record(site, *(dossier(f"HS-{n:03d}", BUILD, at(1), at(10 + n % 20, 17, 11))
                         for n in range(27)))
    async with await site.signed_in(STAFF) as client:
        first, second = await listed(client), await listed(client, "?page=2")
        assert (len(first), len(second)) == (25, 2)
        assert await listed(client, "?page=100000") == []  # past the end: nothing
        assert await status_of(client, f"/quan-tri/ho-so-tthc?page={10**30}") == 400
        async with client.get("/quan-tri/ho-so-tthc?page=2") as response:
            assert 'id="total">27 ' in await response.text()


async def test_another_units_dossier_is_refused_and_kept_on_record(site: Site) -> None:
    await people(site)
    await standard_dossiers(site)
    path = "/quan-tri/ho-so-tthc/HS-RISK"
    async with await site.signed_in(STAFF) as client:
        fields = await csrf_and_nonce(client, path)
    async with await site.signed_in(OTHER) as client:
        assert await status_of(client, path) == 403
        assert await status_of(client, path + "/xin-loi.pdf") == 403
        assert await status_of(client, "/quan-tri/ho-so-tthc/HS-NOWHERE") == 404
        own = await csrf_and_nonce(client, "/quan-tri/ho-so-tthc/HS-LAND")
        status, _ = await post(client, path + "/xin-loi",
                               apology_form({**fields, "csrf": own["csrf"]}, "2026-10-09"))
        assert status == 403
    async with site.service.database.reading() as session:
        reasons = list((await session.execute(select(RefusalRow.reason, RefusalRow.action)
                                              .order_by(RefusalRow.id))).all())
    assert reasons == [("other_unit", f"GET {path}"), ("other_unit", f"GET {path}/xin-loi.pdf"),
                       ("no_such_dossier", "GET /quan-tri/ho-so-tthc/HS-NOWHERE"),
                       ("other_unit", f"POST {path}/xin-loi")]
    assert await count(site, DossierApologyRow) == 0
    async with await site.signed_in(OTHER) as client:  # odd codes: unknown, or unreadable
        for code, status in (("X" * 300, 400), ("Hồ%20sơ", 404), ("%00", 400)):
            assert await status_of(client, f"/quan-tri/ho-so-tthc/{code}") == status


async def test_the_focal_point_stands_in_while_nobody_has_joined_the_unit(site: Site) -> None:
    await people(site)
    await standard_dossiers(site)
    async with await site.signed_in(FOCAL) as client:
        assert await status_of(client, "/quan-tri/ho-so-tthc/HS-POLICE") == 200
        assert await status_of(client, "/quan-tri/ho-so-tthc/HS-RISK") == 403
        await site.join("staff-cah", Role.STAFF, "CAH")
        assert await status_of(client, "/quan-tri/ho-so-tthc/HS-POLICE") == 403


async def test_an_apology_is_issued_once_and_reaches_the_followers(site: Site) -> None:
    await people(site)
    await standard_dossiers(site)
    await site.say(CITIZEN, "/start")
    async with site.service.store.unit_of_work() as uow:
        citizen = await uow.accounts.find("webchat", CITIZEN)
        risky = await uow.dossiers.get("HS-RISK")
        assert citizen is not None and risky is not None and risky.id is not None
        await uow.dossiers.follow(risky.id, citizen.id, Chat("webchat", CITIZEN), "phone",
                                  site.clock())
    path = "/quan-tri/ho-so-tthc/HS-RISK"
    async with await site.signed_in(STAFF) as client:
        async with client.get(path) as response:
            page = await response.text()
        # Three working days after the due date (Tuesday 6/10) are offered first.
        assert 'value="2026-10-09"' in page and 'value="2026-10-13"' in page
        assert 'id="followers">1 ' in page
        fields = await csrf_and_nonce(client, path)
        status, _ = await post(client, path + "/xin-loi", apology_form(fields, "2026-10-09"))
        assert status == 303
        sent = await count(site, OutboxRow)
        # The same form again (a double click, a reload) acts once.
        status, _ = await post(client, path + "/xin-loi", apology_form(fields, "2026-10-09"))
        assert status == 303
        assert (await count(site, DossierApologyRow), await count(site, OutboxRow)) == (1, sent)

        async with client.get(path) as response:
            page = await response.text()
        assert 'id="apology-form"' not in page
        assert 'data-in-time="yes"' in page  # issued before the end of Monday, as owed
        assert "09/10/2026" in re.sub(r"\s+", " ", page)
        async with client.get(path + "/xin-loi.pdf") as response:
            assert response.status == 200
            assert response.content_type == "application/pdf"
            assert (await response.read()).startswith(b"%PDF")
        assert await listed(client, "?list=at_risk") == []

        # A second apology, from a new form, is refused: one new date per dossier.
        status, html = await post(client, path + "/xin-loi",
                                  apology_form({**fields, "nonce": new_nonce()}, "2026-10-13"))
        assert status == 400 and 'class="flash error"' in html
    async with site.service.database.reading() as session:
        row = (await session.execute(select(DossierRow).where(DossierRow.code == "HS-RISK"))
               ).scalar_one()
        apology = (await session.execute(select(DossierApologyRow))).scalar_one()
        bodies = list((await session.execute(select(OutboxRow.body).where(
            OutboxRow.channel == "webchat", OutboxRow.chat_id == CITIZEN))).scalars())
        staff = (await session.execute(select(AccountRow).where(
            AccountRow.id == apology.official_id))).scalar_one()
        kept = await session.execute(select(func.count()).select_from(InboundRow).where(
            InboundRow.channel == "dashboard", InboundRow.update_key == fields["nonce"]))
    assert row.extended_due_at == at(9, 17)
    assert row.due_at == at(6, 17)  # the date the indicator counts stays
    assert apology.document_id is not None and apology.official_title == "Chuyên viên"
    assert (staff.display_name, staff.title) == ("Trần Thị Hoa", "Chuyên viên")
    assert any(apology.number in str(body.get("text")) for body in bodies)
    assert any(body.get("document") == apology.document_id for body in bodies)
    assert kept.scalar_one() == 1


async def test_mistakes_are_shown_beside_their_field(site: Site) -> None:
    await people(site)
    await standard_dossiers(site)
    path = "/quan-tri/ho-so-tthc/HS-LATER"  # due Friday 16/10
    async with await site.signed_in(STAFF) as client:
        fields = await csrf_and_nonce(client, path)
        for field, words, changed in (
                ("day", "ngày làm việc", {"day": "2026-10-17"}),  # a Saturday
                ("day", "phải sau", {"day": "2026-10-16"}),  # the due date itself
                ("day", "dd/mm/yyyy", {"day": "17/10/2026"}),
                ("reason", "ít nhất", {"reason": "x"}),
                ("title", "ít nhất", {"title": ""})):
            form = {**apology_form(fields, "2026-10-19"), **changed}
            status, html = await post(client, path + "/xin-loi", form)
            assert status == 400, changed
            assert words in field_error(html, field), changed
            assert 'aria-invalid="true"' in html
            assert f'value="{form["day"]}"' in html  # what was typed is kept
        assert await count(site, DossierApologyRow) == 0
        # The refused forms did not spend the nonce: corrected, the same form goes through.
        status, _ = await post(client, path + "/xin-loi", apology_form(fields, "2026-10-19"))
        assert status == 303
        assert await count(site, DossierApologyRow) == 1

        # A finished dossier needs no apology: no form, and a forged one is refused.
        async with client.get("/quan-tri/ho-so-tthc/HS-DONE") as response:
            assert 'id="apology-form"' not in await response.text()
        status, html = await post(client, "/quan-tri/ho-so-tthc/HS-DONE/xin-loi",
                                  apology_form({**fields, "nonce": new_nonce()}, "2026-10-19"))
        assert status == 400 and 'class="flash error"' in html
    assert await count(site, DossierApologyRow) == 1
