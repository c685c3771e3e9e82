"""Publication on the dashboard: the unit's resolved cases wait with the anonymiser's
proposal; staff of the unit and administrators approve the texts as edited (once per
form, held back while the anonymiser still finds personal data, until confirmed),
decide not to publish, or withdraw; anyone else is refused and kept on record. The
public pages follow. The site's clock stands on Monday 5 October 2026, 9:00."""

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.web.desk import new_nonce
from complaints.people import Role
from storage.models import AuditRow, PublicationRow, RefusalRow
from tests.clock import Clock
from tests.e2e import published
from tests.web.site import Site, local_start

STAFF, OTHER, ADMIN = "staff-ptnmt", "staff-pktht", "admin"
CODE = published.PRIVATE_CODE
PAGE = f"/quan-tri/cong-khai/{CODE}"
QUESTION = "Cống thoát nước trước nhà bị tắc, mưa là ngập đường."
ANSWER = "Đội công trình đã nạo vét cống ngày 20/8."


async def waiting_site(database_url: str) -> Site:
    """The quarter's history with no publication decided yet, and the people."""
    await published.seed(database_url, approved=False)
    running = await Site(database_url, Clock(local_start().astimezone(UTC))).start()
    await running.join(STAFF, Role.STAFF, "PTNMT")
    await running.join(OTHER, Role.STAFF, "PKTHT")
    await running.join(ADMIN, Role.ADMIN, None)
    return running


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    running = await waiting_site(database_url)
    yield running
    await running.close()


async def form_of(client: aiohttp.ClientSession, path: str,
                  form: str = "") -> dict[str, str]:
    """The hidden fields of a form on the page (the first one, or the one with this id);
    every page has the session's CSRF token, in the sign-out form."""
    async with client.get(path) as response:
        assert response.status == 200, response.status
        page = await response.text()
    if form:
        page = page[page.index(f'id="{form}"'):]
    fields = {}
    for name in ("csrf", "nonce", "seen", "from"):
        found = re.search(rf'name="{name}" value="([^"]*)"', page)
        if found is not None:
            fields[name] = html.unescape(found[1])
    return fields


async def post(client: aiohttp.ClientSession, data: dict[str, str],
               path: str = PAGE) -> tuple[int, str, str]:
    async with client.post(path, data=data, allow_redirects=False) as response:
        return response.status, await response.text(), response.headers.get("Location", "")


async def public(site: Site, code: str = CODE) -> str:
    async with site.client() as client, client.get(f"/public/pakn/{code}") as response:
        return html.unescape(await response.text())


async def rows(site: Site, model: object) -> int:
    async with site.service.database.reading() as session:
        return int((await session.execute(select(func.count()).select_from(model))
                    ).scalar_one())


def waiting_codes(page: str) -> list[str]:
    return re.findall(r'<li data-code="([^"]+)"', page)


async def test_the_unit_sees_its_cases_waiting_with_the_proposal(site: Site) -> None:
    async with await site.signed_in(STAFF) as client:
        async with client.get("/quan-tri/cong-khai") as response:
            page = html.unescape(await response.text())
        assert 'id="total">33 ' in page
        assert len(waiting_codes(page)) == 10
        async with client.get("/quan-tri/cong-khai?page=4") as response:
            assert len(waiting_codes(await response.text())) == 3
        async with client.get(PAGE) as response:
            page = html.unescape(await response.text())
        proposal = re.search(r'name="question"[^>]*>([^<]*)<', page)
        assert proposal is not None
        assert "Cống thoát nước trước nhà bị tắc" in proposal[1]
        for secret in (published.NAME, published.PHONE, "075123456789"):
            assert secret not in proposal[1], secret
        assert published.NAME in page, "the texts as filed, beside the proposal, for staff"
    async with (await site.signed_in(OTHER) as client,
                client.get("/quan-tri/cong-khai?unit=PTNMT") as response):
        assert waiting_codes(await response.text()) == []
    async with await site.signed_in(ADMIN) as client:
        async with client.get("/quan-tri/cong-khai?page=4") as response:
            assert len(waiting_codes(await response.text())) == 3
        async with client.get("/quan-tri/cong-khai?unit=PKTHT") as response:
            assert waiting_codes(await response.text()) == []
    assert "not published yet" in await public(site)


async def test_approving_publishes_exactly_the_edited_texts_once(site: Site) -> None:
    async with await site.signed_in(STAFF) as client:
        fields = await form_of(client, PAGE)
        form = {**fields, "question": QUESTION, "answer": ANSWER, "decision": "approve"}
        status, _body, location = await post(client, form)
        assert (status, location) == (303, PAGE)
        again = await post(client, form)
        assert (again[0], again[2]) == (303, PAGE), "sent twice, acted once"
        async with client.get(PAGE) as response:
            page = html.unescape(await response.text())
        assert 'id="withdraw-form"' in page and QUESTION in page
        async with client.get(f"/quan-tri/ho-so/{CODE}") as response:
            state = re.search(r'id="publication-state">([^<]*)<', await response.text())
        assert state is not None and STAFF in state[1], "approved by them"
    shown = await public(site)
    assert f'<p class="question">{QUESTION}</p>' in shown
    assert f'<p class="answer">{ANSWER}</p>' in shown
    async with site.service.database.reading() as session:
        row = (await session.execute(select(PublicationRow))).scalar_one()
        audits = (await session.execute(select(func.count()).select_from(AuditRow))
                  ).scalar_one()
    assert (row.question, row.answer, row.status) == (QUESTION, ANSWER, "approved")
    assert row.approved_at == site.clock() and audits == 1
    async with site.client() as client, client.get("/public/pakn?q=nao vet cong") as response:
        assert CODE in await response.text()


async def test_another_units_staff_are_refused_and_kept_on_record(site: Site) -> None:
    async with await site.signed_in(STAFF) as client:
        fields = await form_of(client, PAGE)
    async with await site.signed_in(OTHER) as client:
        async with client.get(PAGE, allow_redirects=False) as response:
            assert response.status == 403
        own = await form_of(client, "/quan-tri/cong-khai")
        status, _body, _location = await post(client, {
            **fields, "csrf": own["csrf"], "question": QUESTION, "answer": ANSWER,
            "decision": "approve"})
        assert status == 403
        async with client.get("/quan-tri/cong-khai/PA-2026-999999") as response:
            assert response.status == 404
    async with site.service.database.reading() as session:
        refusals = list((await session.execute(select(RefusalRow.reason, RefusalRow.action)
                                               .order_by(RefusalRow.id))).all())
    assert refusals == [("other_unit", f"GET {PAGE}"), ("other_unit", f"POST {PAGE}"),
                        ("no_such_case", "GET /quan-tri/cong-khai/PA-2026-999999")]
    assert await rows(site, PublicationRow) == 0
    assert QUESTION not in await public(site)


async def test_personal_data_in_an_edit_is_held_until_confirmed(site: Site) -> None:
    # A public official and the office's hotline: the anonymiser blanks them, but they
    # are nobody's personal data to keep out.
    edited = f"{QUESTION} Đường dây nóng của ông Trần Văn Toàn, Trưởng phòng: 0251.3871.234."
    async with await site.signed_in(STAFF) as client:
        fields = await form_of(client, PAGE)
        form = {**fields, "question": edited, "answer": ANSWER, "decision": "approve"}
        status, page, _location = await post(client, form)
        assert status == 409
        findings = re.search(r'id="findings-[^"]+">(.*?)</div>', page, re.S)
        assert findings is not None
        assert "0251.3871.234" in findings[1] and "Trần Văn Toàn" in findings[1]
        assert edited in html.unescape(page), "what was typed is kept"
        assert await rows(site, PublicationRow) == 0
        assert edited not in await public(site)
        # Confirmed, the same form (its nonce was not spent) publishes it as written.
        status, _page, _location = await post(client, {**form, "confirmed": "yes"})
        assert status == 303
    assert f'<p class="question">{edited}</p>' in await public(site)


async def test_a_decision_taken_meanwhile_makes_a_form_stale(site: Site) -> None:
    async with await site.signed_in(STAFF) as staff, await site.signed_in(ADMIN) as admin:
        first = await form_of(staff, PAGE)
        second = await form_of(admin, PAGE)
        assert (await post(staff, {**first, "question": QUESTION, "answer": ANSWER,
                                   "decision": "approve"}))[0] == 303
        status, page, _location = await post(admin, {**second, "decision": "reject"})
        assert status == 409 and 'class="flash error"' in page
    async with site.service.database.reading() as session:
        row = (await session.execute(select(PublicationRow))).scalar_one()
        reasons = list((await session.execute(select(RefusalRow.reason))).scalars())
    assert row.status == "approved" and reasons == ["case_state:decided_meanwhile"]


async def test_withdrawing_and_rejecting(site: Site) -> None:
    async with await site.signed_in(ADMIN) as client:
        fields = await form_of(client, PAGE)
        await post(client, {**fields, "question": QUESTION, "answer": ANSWER,
                            "decision": "approve"})
        withdrawal = await form_of(client, PAGE, form="withdraw-form")
        status, _page, location = await post(client, {**withdrawal, "decision": "withdraw"})
        assert (status, location) == (303, PAGE)
        assert QUESTION not in await public(site)
        async with client.get(PAGE) as response:
            assert "publication-form" in await response.text(), "it may be approved again"

        # From the list: the first case waiting is not to be published.
        queue = await form_of(client, "/quan-tri/cong-khai")
        async with client.get("/quan-tri/cong-khai") as response:
            first = waiting_codes(await response.text())[0]
        status, _page, location = await post(client, {**queue, "decision": "reject"},
                                             f"/quan-tri/cong-khai/{first}")
        assert (status, location) == (303, f"/quan-tri/cong-khai?done=reject&code={first}")
        async with client.get(location) as response:
            page = await response.text()
        assert first not in waiting_codes(page)
        assert re.search(rf'class="flash"[^>]*>[^<]*{first}', page), "said what was done"
        # A forged decision on an open case changes nothing.
        open_page = f"/quan-tri/cong-khai/{published.OPEN_CODE}"
        async with client.get(open_page) as response:
            assert "publication-form" not in await response.text()
        status, _page, _location = await post(client, {
            **queue, "nonce": new_nonce(), "seen": "", "question": QUESTION,
            "answer": ANSWER, "decision": "approve"}, open_page)
        assert status == 409
    async with site.service.database.reading() as session:
        decided = dict((await session.execute(select(PublicationRow.case_id,
                                                     PublicationRow.status))).all())
    assert sorted(decided.values()) == ["rejected", "withdrawn"]
