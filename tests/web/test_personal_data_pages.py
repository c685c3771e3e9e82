"""Personal data on the dashboard (administrators only): the requests with their
deadlines, a late one flagged; recording a request; erasing a sender's data on their
request, confirmed, once per form, refused with the reason for a code that names
nobody. The site's clock stands on Monday 5 October 2026, 9:00."""

import asyncio
import re
import time
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import select, update

from complaints.people import Role
from complaints.privacy import REMOVED
from storage.models import AccountRow, Base, CaseRow, DataRequestRow, IdentityRow, OutboxRow
from tests.e2e.published import NAME
from tests.web.site import Site, csrf_and_nonce

ADMIN, STAFF = "admin", "staff-ptnmt"
PAGE = "/quan-tri/du-lieu-ca-nhan"


async def post(client: aiohttp.ClientSession, action: str,
               **fields: str) -> tuple[int, str]:
    data = {**await csrf_and_nonce(client, PAGE), **fields}
    async with client.post(f"{PAGE}/{action}", data=data,
                           headers={"Origin": str(client._base_url)}) as response:
        return response.status, await response.text()


async def codes(site: Site) -> list[str]:
    async with site.service.database.reading() as session:
        return list((await session.execute(select(CaseRow.code).order_by(CaseRow.id)))
                    .scalars())


async def test_an_administrator_erases_on_request_and_sees_the_deadlines(site: Site) -> None:
    await site.join(ADMIN, Role.ADMIN, None)
    await site.join(STAFF, Role.STAFF, "PTNMT")
    async with site.service.store.unit_of_work() as uow:  # pages in English
        await uow.session.execute(update(AccountRow).where(AccountRow.role == "admin")
                                  .values(language="en"))
    # The seeded sender writes from a chat: their chat is named in the rows too.
    async with site.service.store.unit_of_work() as uow:
        async with site.service.database.reading() as session:
            citizen = (await session.execute(select(AccountRow.id).where(
                AccountRow.display_name == NAME))).scalar_one()
        uow.session.add(IdentityRow(account_id=citizen, channel="telegram",
                                    external_id="5550001", chat_id="5550001",
                                    profile_name=NAME, created_at=site.clock()))
    first, second = (await codes(site))[:2]
    staff = await site.signed_in(STAFF)
    async with staff, staff.get(PAGE) as response:
        assert response.status == 403
    async with await site.signed_in(ADMIN) as admin:
        async with admin.get(PAGE) as response:
            assert response.status == 200
            assert "No requests about personal data" in await response.text()
        status, html = await post(admin, "xoa", case=first)
        assert status == 400 and "Tick the box" in html
        status, html = await post(admin, "xoa", case="PA-2026-999999", confirm="yes")
        assert status == 400 and "No PAKN has that code" in html
        status, html = await post(admin, "ghi", case=second, kind="correction")
        assert status == 200 and re.search(r"Request \d+ recorded", html)
        form = await csrf_and_nonce(admin, PAGE)
        for attempt in range(2):  # the same form twice acts once
            async with admin.post(f"{PAGE}/xoa", data={**form, "case": first.lower(),
                                                       "confirm": "yes"}) as response:
                html = await response.text()
            assert response.status == 200
            assert ("was erased" if attempt == 0 else "This form was sent before") in html
    site.clock.advance(days=16)  # past the 15 days: signed in again
    async with await site.signed_in(ADMIN) as admin, admin.get(PAGE) as response:
        html = await response.text()
    assert 'id="overdue"' in html and "1 past their date" in html
    async with site.service.database.reading() as session:
        cases = (await session.execute(select(CaseRow).where(
            CaseRow.citizen_id == citizen))).scalars().all()
        identity = (await session.execute(select(IdentityRow).where(
            IdentityRow.account_id == citizen))).scalar_one()
        requests = (await session.execute(select(DataRequestRow).order_by(
            DataRequestRow.id))).scalars().all()
        admin_id = (await session.execute(select(IdentityRow.account_id).where(
            IdentityRow.chat_id == ADMIN))).scalar_one()  # the seed has an admin of its own
    assert all(c.contact_name == REMOVED and c.text == REMOVED for c in cases)
    assert identity.chat_id != "5550001" and identity.profile_name == ""
    correction, erasure = requests
    assert (correction.kind, correction.met_at, correction.received_by) == \
        ("correction", None, admin_id)
    assert erasure.kind == "erasure" and erasure.met_by == admin_id
    assert erasure.met_at is not None and erasure.met_at < site.clock() - timedelta(days=15)


async def test_erasure_from_the_web_chat_leaves_no_trace_of_the_visitor(
        site: Site, database_url: str) -> None:
    """The web chat stores what it delivers for the tab to read: the erasure's
    confirmation still ends under the chat's pseudonym, with nothing of it kept."""
    visitor = "visitor-5f3e9a71c2"
    copy = await site.say(visitor, "/dulieucuatoi")
    assert copy, "the copy is sent"
    await site.say(visitor, "/xoadulieu")
    await site.say(visitor, "1")  # the first option: delete (its answer may be gone)
    give_up = time.monotonic() + 30  # only a stall takes that long, on a loaded machine
    while time.monotonic() < give_up:
        # The web chat's newest: the site's scheduler may owe others meanwhile (an
        # apology's letter to a Telegram chat, say).
        async with site.service.database.reading() as session:
            last = (await session.execute(
                select(OutboxRow).where(OutboxRow.channel == "webchat")
                .order_by(OutboxRow.id.desc()).limit(1))).scalar_one()
        if last.status == "sent" and last.chat_id != visitor:
            break
        await asyncio.sleep(0.05)
    assert last.chat_id != visitor and last.body.get("purged")
    async with site.service.database.reading() as session:
        dump = "\n".join([str(tuple(row)) for table in Base.metadata.sorted_tables
                          for row in await session.execute(select(table))])
    assert visitor not in dump
    async with site.service.database.reading() as session:
        erased = (await session.execute(select(AccountRow).where(
            AccountRow.erased_at.is_not(None)))).scalars().all()
    assert len(erased) == 1 and erased[0].display_name == ""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        for file in (path, Path(f"{path}-wal")):
            if file.exists():
                assert visitor.encode() not in file.read_bytes(), file.name
