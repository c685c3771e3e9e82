"""The rating page an SMS's or an email's rating link opens: five levels, one rating per
case recorded as the sender's, a forged or altered link finds nothing, and the service
sends by SMS and email only when they are configured."""

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select

from bot.core.records import RatingRecord
from complaints.case import Case, Contact, open_case
from storage.models import HandlingRatingRow
from tests.clock import Clock
from tests.web.site import Site

PHONE = "0912345678"


@pytest.fixture
async def site(database_url: str, clock: Clock) -> AsyncIterator[Site]:
    started = await Site(database_url, clock).start()
    yield started
    await started.close()


async def phone_case(site: Site, asked: bool = True) -> Case:
    now = site.clock()
    async with site.service.store.unit_of_work() as uow:
        citizen = await uow.accounts.identify("sms", PHONE, PHONE, "", None, now)
        case = Case(code=await uow.cases.next_code(2026), channel="phone", chat_id=PHONE,
                    citizen_id=citizen.id, contact=Contact("Trần Thị Bình", PHONE, "Xuân Bắc"),
                    field="dat_dai", area="26428", unit="PTNMT", text="Đường ngập.",
                    received_at=now, due_at=now + timedelta(days=14))
        open_case(case, now, now + timedelta(days=5))
        await uow.cases.add(case)
        assert case.id is not None
        if asked:
            await uow.ratings.ask(RatingRecord(case.id, case.unit, case.field, None, now))
    return case


async def score_of(site: Site, case_id: int) -> int | None:
    async with site.service.database.reading() as session:
        return (await session.execute(select(HandlingRatingRow.score).where(
            HandlingRatingRow.case_id == case_id))).scalar_one_or_none()


async def test_the_sender_rates_once_by_the_link(site: Site) -> None:
    case = await phone_case(site)
    assert case.id is not None
    link = await site.service.rating_link(case.id)
    assert link.startswith(f"{site.url}/danh-gia/")
    assert link == await site.service.rating_link(case.id), "one link per case"
    async with aiohttp.ClientSession() as http:
        async with http.get(link, headers={"Accept-Language": "vi"}) as response:
            page = await response.text()
        assert response.status == 200 and case.code in page
        assert page.count('name="score"') == 5 and "Rất hài lòng" in page
        async with http.post(link, data={"score": "9"}) as response:
            assert response.status == 400 and 'name="score"' in await response.text()
        async with http.post(link, data={"score": "4"}) as response:
            assert response.status == 200
        assert await score_of(site, case.id) == 4
        async with http.post(link, data={"score": "1"}) as response:
            assert "PAKN này đã được đánh giá" in await response.text()
        async with http.get(link + "?lang=en") as response:
            assert "rated already" in await response.text()
    assert await score_of(site, case.id) == 4


async def test_a_forged_link_finds_nothing_and_an_unanswered_case_waits(site: Site) -> None:
    waiting = await phone_case(site, asked=False)
    other = await phone_case(site)
    assert waiting.id is not None and other.id is not None
    link = await site.service.rating_link(waiting.id)
    token = link.rsplit("/", 1)[1]
    altered = token[:-1] + ("B" if token.endswith("A") else "A")
    forged = [f"{other.id:x}-{token.split('-', 1)[1]}", altered, "zz-1", "-",
              f"{waiting.id:x}", "1" * 40]
    async with aiohttp.ClientSession() as http:
        async with http.get(link + "?lang=en") as response:
            assert "not answered yet" in await response.text()
        async with http.get(link, headers={"Accept-Language": "vi"}) as response:
            assert "chưa được trả lời" in await response.text()
            assert 'name="score"' not in await response.text()
        async with http.post(link, data={"score": "5"}) as response:
            assert response.status == 400
        for bad in forged:
            for method in ("GET", "POST"):
                async with http.request(method, f"{site.url}/danh-gia/{bad}",
                                        data={"score": "5"}) as response:
                    assert response.status == 404, (bad, method)
    assert await score_of(site, other.id) is None


@pytest.mark.parametrize("configured", [False, True])
async def test_sms_and_email_only_when_configured(database_url: str, clock: Clock,
                                                 configured: bool) -> None:
    settings = {"sms_api_key": "k", "sms_secret_key": "s", "sms_brand": "UBND",
                "sms_callback_secret": "r" * 20, "public_url": "https://pakn.example.vn",
                "smtp_host": "127.0.0.1", "mail_from": "pakn@example.vn"} if configured else {}
    site = await Site(database_url, clock, **settings).start()
    try:
        present = {"sms", "email"} & set(site.service.outbox.senders)
        assert present == ({"sms", "email"} if configured else set())
        async with aiohttp.ClientSession() as http, http.get(
                f"{site.url}/webhook/sms/{'r' * 20}?SMSID=x&SendStatus=5") as response:
            assert response.status == (200 if configured else 404)
    finally:
        await site.close()
