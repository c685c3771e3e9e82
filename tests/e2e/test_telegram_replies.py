"""Replies reach the case and similar cases first, over the Telegram webhook with the real
service: a reply (reply-to) to the bot's message about one of two cases goes to that
case, the next answer to the other one; staff reply to the forwarded answer; another
citizen filing the same problem is offered the case and follows it."""

import asyncio

from sqlalchemy import select

from storage.db import Database
from storage.models import CaseEventRow, OutboxRow
from tests.e2e.flows import Chat, file_pakn, join
from tests.e2e.service import ServiceProcess
from tests.e2e.test_telegram_webhook import case_row
from tests.fakes import updates
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.updates import User

# Vietnamese, as the people of the other end-to-end tests write.
CITIZEN = User(414141, "An", "Nguyễn")
NEIGHBOUR = User(424242, "Bảo", "Lê")
STAFF = User(434343, "Bình", "Trần")


async def message_id(url: str, chat: int, case_id: int, containing: str) -> int:
    """The id Telegram gave the bot's message about a case (as the outbox recorded it on
    delivery), waited for."""
    database = Database(url)
    try:
        for _ in range(200):
            async with database.reading() as session:
                rows = (await session.execute(
                    select(OutboxRow).where(OutboxRow.chat_id == str(chat),
                                            OutboxRow.case_id == case_id,
                                            OutboxRow.external_id.is_not(None))
                    .order_by(OutboxRow.id))).scalars().all()
            found = [r for r in rows if containing in str(r.body.get("text", ""))]
            if found:
                return int(found[-1].external_id or 0)
            await asyncio.sleep(0.05)
        raise AssertionError(f"no delivered message about case {case_id} to {chat}")
    finally:
        await database.dispose()


async def last_event(url: str, case_id: int) -> str:
    database = Database(url)
    try:
        async with database.reading() as session:
            return str((await session.execute(
                select(CaseEventRow.kind).where(CaseEventRow.case_id == case_id)
                .order_by(CaseEventRow.id.desc()).limit(1))).scalar_one())
    finally:
        await database.dispose()


async def test_replies_and_a_followed_duplicate_over_telegram(
        service: ServiceProcess, fake_api: FakeBotApi, database_url: str) -> None:
    citizen, neighbour, staff = (Chat(service, fake_api, u)
                                 for u in (CITIZEN, NEIGHBOUR, STAFF))
    await join(service, staff, "staff", "PTNMT")
    first = await case_row(database_url, await file_pakn(citizen))
    second = await case_row(database_url, await file_pakn(citizen))
    for row in (first, second):
        await staff.press(f"ca:reply:{row.id}")
        await staff.say(f"Anh cho xin số biên nhận của {row.code} ạ.")
    about_first = await message_id(database_url, CITIZEN.id, first.id, "số biên nhận")

    replied = await citizen.send(updates.text(CITIZEN, "Dạ số biên nhận là 000.31",
                                              reply_to=about_first))
    assert f"Đã bổ sung vào PAKN {first.code}" in replied.text
    assert await last_event(database_url, first.id) == "info_provided"
    answered = await citizen.say("Dạ số biên nhận kia là 000.32")
    assert f"Đã bổ sung vào PAKN {second.code}" in answered.text, "the one still waiting"

    forwarded = await message_id(database_url, STAFF.id, second.id, "000.32")
    mark = len(fake_api.calls)
    assert await service.post_update(updates.text(
        STAFF, "Đã nhận, cảm ơn anh.", reply_to=forwarded)) == 200
    to_citizen = await fake_api.next_to(CITIZEN.id, mark, "sendMessage")
    assert second.code in to_citizen.text and "Đã nhận, cảm ơn anh." in to_citizen.text
    assert await last_event(database_url, second.id) == "replied"

    first_step = await neighbour.say("/phananh")
    await neighbour.press(first_step.callback("cs:"))
    fields = await fake_api.wait_for(lambda calls: any(
        c.chat_id == NEIGHBOUR.id and "ch:field" in str(c.params.get("reply_markup"))
        for c in calls))
    question = next(c for c in reversed(fields) if c.chat_id == NEIGHBOUR.id
                    and "ch:field" in str(c.params.get("reply_markup")))
    area = await neighbour.press(question.callback("ch:field:dat_dai"))
    await neighbour.press(area.callback("ch:area:26428"))
    offer = await neighbour.say("duong ap 3 bi ngap nuoc hai tuan nay sau khi thi cong cong")
    assert first.code in offer.text and "Nguyễn Văn An" not in offer.text
    followed = await neighbour.press(offer.callback(f"sm:follow:{first.id}"))
    assert f"Bạn đang theo dõi {first.code}" in followed.text
    assert await last_event(database_url, first.id) == "followed"
