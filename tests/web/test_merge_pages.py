"""Merging a duplicate on the dashboard, and the count of citizens who raised a problem on
the dashboard's list and case page and on the public case page. The site stands on
Monday 5 October 2026, 9:00, with the quarter's history (two open cases of PKTHT)."""

import re
from collections.abc import AsyncIterator
from datetime import UTC

import aiohttp
import pytest
from sqlalchemy import select, update

from bot.web.desk import new_nonce
from complaints.people import Role
from storage.models import AccountRow, CaseEventRow, CaseFollowerRow, CaseRow
from tests.clock import Clock
from tests.e2e import published
from tests.web.site import Site, csrf_and_nonce, local_start

STAFF, OTHER_UNIT = "staff-pktht", "staff-ptnmt"
SURVIVOR, DUPLICATE = published.OPEN_CODE, published.LATE_CODE


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    await published.seed(database_url)
    running = await Site(database_url, Clock(local_start().astimezone(UTC))).start()
    await running.join(STAFF, Role.STAFF, "PKTHT")
    await running.join(OTHER_UNIT, Role.STAFF, "PTNMT")
    # The late case was sent by another citizen than the open one.
    async with running.service.store.unit_of_work() as uow:
        other = AccountRow(role="citizen", display_name="Lê Bảo", created_at=local_start())
        uow.session.add(other)
        await uow.session.flush()
        await uow.session.execute(update(CaseRow).where(CaseRow.code == DUPLICATE)
                                  .values(citizen_id=other.id, chat_id="1002"))
    yield running
    await running.close()


async def merge(site: Site, chat: str, into: str, reason: str) -> tuple[int, str]:
    client = await site.signed_in(chat)
    async with client:
        # The form's fields as the case page gives them; who may not see the case gets
        # the session's token from another page and makes the nonce up.
        async with client.get(f"/quan-tri/ho-so/{DUPLICATE}") as response:
            visible = response.status == 200
        fields = (await csrf_and_nonce(client, f"/quan-tri/ho-so/{DUPLICATE}") if visible
                  else {"csrf": await csrf(client), "nonce": new_nonce()})
        async with client.post(f"/quan-tri/ho-so/{DUPLICATE}/merge",
                               data=fields | {"into": into, "text": reason},
                               allow_redirects=False) as response:
            return response.status, await response.text()


async def csrf(client: aiohttp.ClientSession) -> str:
    async with client.get("/quan-tri/ho-so") as response:
        found = re.search(r'name="csrf" value="([^"]+)"', await response.text())
    assert found is not None
    return found.group(1)


async def test_staff_merge_a_duplicate_and_the_pages_count_who_raised_it(site: Site) -> None:
    status, page = await merge(site, STAFF, "PA-2026-999999", "Cùng tuyến đường ấp 3.")
    assert status == 409 and "Không có hồ sơ với mã này." in page
    status, _page = await merge(site, STAFF, SURVIVOR.lower(), "Cùng tuyến đường ấp 3.")
    assert status == 303

    async with site.service.database.reading() as session:
        duplicate = (await session.execute(select(CaseRow).where(CaseRow.code == DUPLICATE))
                     ).scalar_one()
        survivor = (await session.execute(select(CaseRow).where(CaseRow.code == SURVIVOR))
                    ).scalar_one()
        followers = (await session.execute(select(CaseFollowerRow))).scalars().all()
        merged = (await session.execute(select(CaseEventRow.data).where(
            CaseEventRow.case_id == duplicate.id, CaseEventRow.kind == "merged"))).scalar_one()
    assert (duplicate.status, duplicate.duplicate_of) == ("duplicate", survivor.id)
    assert [(f.case_id, f.account_id, f.via) for f in followers] == [
        (survivor.id, duplicate.citizen_id, "merge")]
    assert merged == {"into": SURVIVOR, "reason": "Cùng tuyến đường ấp 3."}

    client = await site.signed_in(STAFF)
    async with client:
        async with client.get(f"/quan-tri/ho-so/{SURVIVOR}") as response:
            case_page = await response.text()
        async with client.get("/quan-tri/ho-so?status=all") as response:
            listing = await response.text()
        async with client.get(f"/quan-tri/ho-so/{DUPLICATE}") as response:
            closed = await response.text()
    assert 'id="raised-by">2 người dân<' in case_page
    assert "Cùng tuyến đường ấp 3." in case_page, "the reason is in the survivor's history"
    row = listing[listing.index(f'data-code="{SURVIVOR}"'):]
    assert '<td class="raised-by">2</td>' in row[:row.index("</tr>")]
    assert "Đã đóng vì trùng lặp" in closed and "/merge" not in closed

    async with site.client() as anonymous:
        async with anonymous.get(f"/cong-khai/pakn/{SURVIVOR}") as response:
            public = await response.text()
        async with anonymous.get(f"/cong-khai/pakn/{DUPLICATE}") as response:
            merged_page = await response.text()
    assert "2 người dân" in public
    assert "Đã đóng vì trùng lặp" in merged_page and "Ngày trả lời" not in merged_page


async def test_staff_of_another_unit_cannot_merge(site: Site) -> None:
    status, _page = await merge(site, OTHER_UNIT, SURVIVOR, "Cùng tuyến đường ấp 3.")
    assert status == 403
    async with site.service.database.reading() as session:
        assert (await session.execute(select(CaseRow.status).where(
            CaseRow.code == DUPLICATE))).scalar_one() == "in_progress"
