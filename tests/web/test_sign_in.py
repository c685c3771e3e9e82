"""Signing in with a code from the bot, sessions that end, and who may open what."""

import aiohttp
from sqlalchemy import select

from complaints.people import Role
from storage.models import AttachmentRow, CaseRow, InboundRow
from tests.e2e import published
from tests.web.site import Site, csrf_and_nonce, form_token, sign_in

STAFF, OTHER, ADMIN, CITIZEN = "staff-pkht", "staff-ptnmt", "admin", "citizen"


async def people(site: Site) -> None:
    await site.join(STAFF, Role.STAFF, "PKTHT")
    await site.join(OTHER, Role.STAFF, "PTNMT")
    await site.join(ADMIN, Role.ADMIN, None)


async def status_of(client: aiohttp.ClientSession, path: str) -> int:
    async with client.get(path, allow_redirects=False) as response:
        return response.status


async def test_a_code_signs_in_once(site: Site) -> None:
    await people(site)
    code = await site.code(STAFF)
    async with site.client() as client:
        assert await sign_in(client, code) == 303
        assert await status_of(client, "/quan-tri/ho-so") == 200
    async with site.client() as client:
        assert await sign_in(client, code) == 401  # used already
        assert await status_of(client, "/quan-tri/ho-so") == 303


async def test_a_code_expires_after_ten_minutes(site: Site) -> None:
    await people(site)
    code = await site.code(STAFF)
    site.clock.advance(minutes=10, seconds=1)
    async with site.client() as client:
        assert await sign_in(client, code) == 401


async def test_citizens_get_no_code(site: Site) -> None:
    answer = await site.say(CITIZEN, "/dangnhap")
    assert answer and "cán bộ" in answer[0]
    assert not any(ch.isdigit() for ch in answer[0])


async def test_wrong_codes_are_limited(site: Site) -> None:
    await people(site)
    async with site.client() as client:
        for _ in range(5):
            assert await sign_in(client, "12345678") == 401
        # Even the right code is refused for a while after five wrong ones.
        assert await sign_in(client, await site.code(STAFF)) == 429


async def test_the_sign_in_form_must_come_from_this_browser(site: Site) -> None:
    await people(site)
    async with site.client() as client:
        data = {"form_token": "forged", "code": await site.code(STAFF)}
        async with client.post("/quan-tri/dang-nhap", data=data,
                               allow_redirects=False) as response:
            assert response.status == 403


async def test_sessions_end_when_idle_and_after_a_day(site: Site) -> None:
    await people(site)
    client = await site.signed_in(STAFF)
    async with client:
        site.clock.advance(hours=1, minutes=59)
        assert await status_of(client, "/quan-tri/ho-so") == 200
        site.clock.advance(hours=1, minutes=59)
        assert await status_of(client, "/quan-tri/ho-so") == 200
        site.clock.advance(hours=2, seconds=1)  # idle too long
        assert await status_of(client, "/quan-tri/ho-so") == 303
    client = await site.signed_in(STAFF)
    async with client:
        for _ in range(12):  # active all day: still out after twelve hours
            site.clock.advance(hours=1)
            status = await status_of(client, "/quan-tri/ho-so")
        assert status == 303


async def test_signing_out_ends_the_session(site: Site) -> None:
    await people(site)
    client = await site.signed_in(STAFF)
    async with client:
        fields = await csrf_and_nonce(client, f"/quan-tri/ho-so/{published.LATE_CODE}")
        async with client.post("/quan-tri/dang-xuat", data={"csrf": fields["csrf"]},
                               allow_redirects=False) as response:
            assert response.status == 303
        assert await status_of(client, "/quan-tri/ho-so") == 303


async def test_anonymous_visitors_reach_no_dashboard_route(site: Site) -> None:
    async with site.client() as client:
        for path in ("/quan-tri", "/quan-tri/ho-so", f"/quan-tri/ho-so/{published.LATE_CODE}",
                     "/quan-tri/chi-so", "/quan-tri/xuat/bao-cao.xlsx?period=2026-Q3",
                     "/quan-tri/danh-ba", "/quan-tri/danh-ba.yaml", "/quan-tri/lich",
                     "/quan-tri/moi", "/quan-tri/tep/1"):
            async with client.get(path, allow_redirects=False) as response:
                assert response.status == 303, path
                assert response.headers["Location"].startswith("/quan-tri/dang-nhap?next=")
        for path in (f"/quan-tri/ho-so/{published.LATE_CODE}/claim", "/quan-tri/moi",
                     "/quan-tri/lich", "/quan-tri/danh-ba", "/quan-tri/dang-xuat"):
            async with client.post(path, data={}, allow_redirects=False) as response:
                assert response.status == 403, path


async def test_staff_see_only_their_units_cases(site: Site) -> None:
    await people(site)
    client = await site.signed_in(OTHER)
    async with client:
        assert await status_of(client, f"/quan-tri/ho-so/{published.LATE_CODE}") == 403
        async with client.get("/quan-tri/ho-so?status=all&unit=PKTHT") as response:
            html = await response.text()
        assert published.LATE_CODE not in html  # their own unit, whatever the query asks
        assert "PA-2026-000002" in html
        async with site.service.database.reading() as session:
            photo = (await session.execute(select(AttachmentRow.id).where(
                AttachmentRow.content == published.PHOTO))).scalar_one()
        assert await status_of(client, f"/quan-tri/tep/{photo}") == 404
        for path in ("/quan-tri/chi-so", "/quan-tri/moi", "/quan-tri/danh-ba.yaml"):
            assert await status_of(client, path) == 403, path
    client = await site.signed_in(STAFF)
    async with client:
        assert await status_of(client, f"/quan-tri/ho-so/{published.LATE_CODE}") == 200
        assert await status_of(client, f"/quan-tri/tep/{photo}") == 200


async def test_forms_need_the_sessions_token_and_our_origin(site: Site) -> None:
    await people(site)
    client = await site.signed_in(STAFF)
    path = f"/quan-tri/ho-so/{published.LATE_CODE}"
    async with client:
        fields = await csrf_and_nonce(client, path)
        for data, headers in (({"nonce": fields["nonce"]}, {}),
                              ({"nonce": fields["nonce"], "csrf": "x" * 43}, {}),
                              (fields, {"Origin": "https://evil.example"})):
            async with client.post(f"{path}/claim", data=data, headers=headers,
                                   allow_redirects=False) as response:
                assert response.status == 403
        async with site.service.database.reading() as session:
            case = (await session.execute(select(CaseRow).where(
                CaseRow.code == published.LATE_CODE))).scalar_one()
            actions = (await session.execute(select(InboundRow).where(
                InboundRow.channel == "dashboard"))).scalars().all()
        assert case.assignee_id is None and not actions
        async with client.post(f"{path}/claim", data=fields, headers={"Origin": site.url},
                               allow_redirects=False) as response:
            assert response.status == 303
        async with client.post(f"{path}/claim", data=fields, allow_redirects=False) as response:
            assert response.status == 303  # sent twice: done once
        async with site.service.database.reading() as session:
            actions = (await session.execute(select(InboundRow).where(
                InboundRow.channel == "dashboard"))).scalars().all()
        assert len(actions) == 1


async def test_the_form_token_is_fresh_for_each_visit(site: Site) -> None:
    async with site.client() as one, site.client() as two:
        assert await form_token(one) != await form_token(two)


async def test_the_header_names_the_person_signed_in_and_their_role(site: Site) -> None:
    await people(site)
    for chat, role in ((STAFF, "cán bộ"), (ADMIN, "quản trị viên")):
        async with await site.signed_in(chat) as client, client.get("/quan-tri/ho-so") as page:
            text = await page.text()
        # The chat's profile name (the chat key in this harness) and the role in words.
        assert f"· {chat} ({role})" in text, text[:400]
