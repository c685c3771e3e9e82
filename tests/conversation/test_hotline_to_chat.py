"""The whole way of a PAKN phoned in the day before Tết: filed by the focal point for the
caller, its deadline counted from the call, its code sent by SMS; the caller later follows
it on Telegram with the code and a one-time code sent to the phone, and gets the answer
and the rating request there, and rates it."""

from collections.abc import AsyncIterator

import pytest

from complaints.people import Role
from tests.clock import Clock
from tests.conversation.harness import Harness, one, to
from tests.conversation.test_sender_chats import SMS_SETTINGS, ask_code, sms_code
from tests.conversation.test_staff_intake import FOCAL, LAND, actor, file, local, request

PHONE = "0912345678"
TELEGRAM = "8801"


@pytest.fixture
async def office(database_url: str, clock: Clock) -> AsyncIterator[Harness]:
    harness = await Harness(database_url, clock, **SMS_SETTINGS).start()
    yield harness
    await harness.close()


async def test_a_call_before_tet_followed_on_telegram_answered_and_rated(
        office: Harness, clock: Clock) -> None:
    bot = office
    clock.now = local(2026, 2, 23, 8, 30)  # the office reopens after Tết
    focal = await actor(bot, FOCAL, Role.STAFF, "VP")
    await bot.join(LAND, Role.STAFF, "PTNMT")
    await bot.new_messages()

    # Friday 13/2/2026, 10:00, before the 15:00 cut-off: ten working days, Tết skipped.
    intake = await file(bot, focal, request(local(2026, 2, 13, 10, 0), phone="0912 345 678"))
    code = intake.case.code
    assert intake.case.due_at == local(2026, 3, 6, 17)
    told = await bot.new_messages()
    [receipt] = to(PHONE, told)
    assert code in receipt.text and "06/03/2026" in receipt.text

    # Later, on Telegram: the code, then the one-time code the phone received.
    offered = await ask_code(bot, TELEGRAM, code)
    secret = sms_code(offered, PHONE)
    followed = to(TELEGRAM, await bot.text(TELEGRAM, secret))
    assert code in followed[-1].text and "History" in followed[-1].text

    # The unit answers: the answer and the rating request reach Telegram, and the phone.
    case_id = (await bot.case(code)).id
    await bot.press(LAND, f"ca:claim:{case_id}")
    await bot.press(LAND, f"ca:resolve:{case_id}")
    check = one(LAND, await bot.text(LAND, "Văn phòng đăng ký đất đai đã trả kết quả ngày 5/3."))
    resolved = await bot.press(LAND, check.payload("ss:resolve:"))
    answer, rate = to(TELEGRAM, resolved)
    assert "đã trả kết quả" in answer.text and rate.payload("rt:")
    assert any("đã trả kết quả" in m.text for m in to(PHONE, resolved)), "and by SMS"
    thanks = one(TELEGRAM, await bot.press(TELEGRAM, f"rt:{case_id}:5"))
    assert "Thank you for your rating" in thanks.text
    row = await bot.case(code)
    assert (row.status, row.channel) == ("resolved", "phone")
