"""A PAKN taken by staff from a citizen who gave only a phone: the citizen follows it later
in a chat with /tracuu CODE and a one-time code sent by SMS to that phone (or, on
Telegram, by sharing their own number), and from then on gets its news there."""

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.spine.messages import Kind
from complaints.case import Case, Contact, open_case
from complaints.people import Role
from storage.models import CaseEventRow, SenderChatRow
from tests.conversation.harness import Clock, Harness, Out, one, to

PHONE = "0912345678"
STAFF, FOLLOWER, STRANGER, OTHER = "7001", "7002", "7003", "7004"
SMS_SETTINGS = {"sms_api_key": "key", "sms_secret_key": "secret", "sms_brand": "UBND-XL"}


@pytest.fixture
async def office(database_url: str, clock: Clock) -> AsyncIterator[Harness]:
    harness = await Harness(database_url, clock, **SMS_SETTINGS).start()
    yield harness
    await harness.close()


async def phone_case(bot: Harness, phone: str = PHONE) -> str:
    """A PAKN as staff record it from a phone call: its sender known by the phone only."""
    now = bot.clock()
    async with bot.store.unit_of_work() as uow:
        citizen = await uow.accounts.identify("sms", phone, phone, "", None, now)
        case = Case(code=await uow.cases.next_code(2026), channel="phone", chat_id=phone,
                    citizen_id=citizen.id,
                    contact=Contact("Nguyễn Văn An", phone, "ấp 3, xã Xuân Bắc"),
                    field="dat_dai", area="26428", unit="PTNMT",
                    text="Đường vào ấp 3 bị ngập sau mưa, xin xử lý.", received_at=now,
                    due_at=now + timedelta(days=14))
        open_case(case, now, now + timedelta(days=5))
        await uow.cases.add(case)
    return case.code


def sms_code(messages: list[Out], phone: str = PHONE) -> str:
    [sms] = to(phone, messages)
    found = re.search(r"\b(\d{6})\b", sms.text)
    assert found, sms.text
    return found.group(1)


async def ask_code(bot: Harness, chat: str, code: str) -> list[Out]:
    offer = one(chat, await bot.text(chat, f"/tracuu {code}"))
    assert PHONE not in offer.text and "no PAKN with that code" in offer.text
    answer = await bot.press(chat, offer.payload("fc:send"))
    consent = to(chat, answer)[-1]
    if consent.buttons and consent.buttons[0]["payload"].startswith("cs:"):
        return await bot.press(chat, consent.payload("cs:"))
    return answer


async def test_following_a_phone_case_by_the_code_sent_to_its_phone(office: Harness) -> None:
    bot = office
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = await phone_case(bot)
    sent = await ask_code(bot, FOLLOWER, code)
    prompt = to(FOLLOWER, sent)[-1]
    assert "09…678" in prompt.text and PHONE not in prompt.text, "the phone is masked"
    secret = sms_code(sent)
    assert code in to(PHONE, sent)[0].text
    wrong = "000000" if secret != "000000" else "111111"
    assert "Tries left: 4" in one(FOLLOWER, await bot.text(FOLLOWER, wrong)).text
    followed = to(FOLLOWER, await bot.text(FOLLOWER, secret))
    assert "from now on you get the news of PAKN" in followed[0].text
    assert code in followed[1].text and "History" in followed[1].text
    async with bot.store.unit_of_work() as uow:
        follower = await uow.accounts.find("telegram", FOLLOWER)
        assert follower is not None
        held = await uow.privacy.holdings(follower.id)
    assert [c["code"] for c in held["sender_chats"]] == [code], "the person's copy says so"
    # Its news now reach this chat, and the rating given here counts.
    row = await bot.case(code)
    await bot.press(STAFF, f"ca:claim:{row.id}")
    await bot.press(STAFF, f"ca:resolve:{row.id}")
    check = one(STAFF, await bot.text(STAFF, "Đã nạo vét cống thoát nước ngày 5/3."))
    resolved = await bot.press(STAFF, check.payload("ss:resolve:"))
    answer, rate = to(FOLLOWER, resolved)
    assert "nạo vét" in answer.text and rate.payload("rt:")
    assert any("nạo vét" in m.text for m in to(PHONE, resolved)), "the sender's own way too"
    thanks = one(FOLLOWER, await bot.press(FOLLOWER, rate.payload("rt:")))
    assert "Thank you" in thanks.text or "sorry" in thanks.text
    # /tracuu now shows it here, with no offer.
    assert "History" in one(FOLLOWER, await bot.text(FOLLOWER, f"/tracuu {code}")).text


async def test_an_expired_or_overtried_code_is_spent(office: Harness, clock: Clock) -> None:
    bot = office
    code = await phone_case(bot)
    secret = sms_code(await ask_code(bot, FOLLOWER, code))
    clock.advance(minutes=10, seconds=1)
    late = one(FOLLOWER, await bot.text(FOLLOWER, secret))
    assert "expired" in late.text and f"/tracuu {code}" in late.text
    assert await bot.dialog_state(FOLLOWER) == "idle"
    secret = sms_code(await ask_code(bot, OTHER, code))
    wrongs = [w for w in (f"{n:06d}" for n in range(6)) if w != secret][:5]
    answers = [one(OTHER, await bot.text(OTHER, w)).text for w in wrongs]
    assert [a for a in answers if "Tries left" in a] == [
        f"That is not the right number. Tries left: {n}." for n in (4, 3, 2, 1)]
    assert "expired" in answers[-1]
    assert await bot.count(SenderChatRow) == 2
    # The right code no longer helps once spent: the chat is not waiting for one.
    assert await bot.dialog_state(OTHER) == "idle"
    assert "History" not in str([m.text for m in await bot.text(OTHER, secret)])


async def test_codes_are_limited_per_case_and_give_nothing_away(office: Harness) -> None:
    bot = office
    code = await phone_case(bot)
    for chat in ("7101", "7102", "7103"):
        assert "09…678" in to(chat, await ask_code(bot, chat, code))[-1].text
    refused = await ask_code(bot, "7104", code)
    assert "Too many codes" in to("7104", refused)[-1].text and not to(PHONE, refused)
    missing = await ask_code(bot, "7105", "PA-2026-999999")
    assert "No PAKN with that code can be followed" in to("7105", missing)[-1].text
    # Whether a code exists or not, the offer reads the same.
    offers = [one("7106", await bot.text("7106", f"/tracuu {c}"))
              for c in (code, "PA-2026-999999")]
    assert offers[0].text == offers[1].text
    for forged in ("fc:send:x", "fc:call:" + code, "fc:send"):
        assert "no longer valid" in one("7107", await bot.press("7107", forged)).text


async def test_sharing_the_own_number_that_matches_follows_at_once(office: Harness) -> None:
    bot = office
    code = await phone_case(bot)
    await bot.text(STRANGER, f"/tracuu {code}")
    await bot.press(STRANGER, f"fc:share:{code}")
    ask = to(STRANGER, await bot.press(STRANGER, f"cs:{bot.settings.notice_version}"))[-1]
    assert [b.get("kind") for b in ask.buttons] == ["contact"]
    someone_else = one(STRANGER, await bot.contact(STRANGER, "+84 912 345 678", own=False))
    assert "your own number" in someone_else.text
    wrong = one(STRANGER, await bot.contact(STRANGER, "0987 654 321"))
    assert "not the one given" in wrong.text
    await bot.press(STRANGER, f"fc:share:{code}")
    followed = to(STRANGER, await bot.contact(STRANGER, "+84 912 345 678"))
    assert "from now on you get the news" in followed[0].text
    assert await bot.count(SenderChatRow) == 1


async def test_the_units_staff_see_it_without_an_offer(office: Harness) -> None:
    bot = office
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = await phone_case(bot)
    shown, card = to(STAFF, await bot.text(STAFF, f"/tracuu {code}"))
    assert "History" in shown.text and card.payload("ca:claim:")
    assert "fc:" not in str(shown.buttons) + str(card.buttons)


async def test_without_an_sms_gateway_only_sharing_the_number_is_offered(
        bot: Harness) -> None:
    code = await phone_case(bot)
    offer = one(FOLLOWER, await bot.text(FOLLOWER, f"/tracuu {code}"))
    assert [b["payload"] for b in offer.buttons] == [f"fc:share:{code}"]
    assert await bot.dialog_state(FOLLOWER) == "idle", "nothing is kept before the offer is taken"
    bot.channel = "webchat"
    nothing = one("w1", await bot.text("w1", f"/tracuu {code}"))
    assert "I found no PAKN with that code" in nothing.text and not nothing.buttons


async def test_a_reply_in_a_sender_chat_reaches_the_case(office: Harness) -> None:
    """A chat that proved the case's phone answers a question from staff by replying to
    it (reply-to): the answer is added to the case for its sender; a stranger replying to
    the same message id in their own chat adds nothing."""
    bot = office
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = await phone_case(bot)
    secret = sms_code(await ask_code(bot, FOLLOWER, code))
    await bot.text(FOLLOWER, secret)
    row = await bot.case(code)
    await bot.press(STAFF, f"ca:claim:{row.id}")
    await bot.press(STAFF, f"ca:ask:{row.id}")
    asked = await bot.text(STAFF, "Xin cho biết số nhà gần chỗ ngập.")
    question = one(FOLLOWER, asked)
    async with bot.store.unit_of_work() as uow:
        await uow.outbox.mark_sent([(question.id, "5001")], bot.clock())

    stranger = await bot.send(STRANGER, Kind.TEXT, text="Số nhà 45", reply_to="5001")
    assert not to(STAFF, stranger), "a stranger's reply reaches no case"
    replied = await bot.send(FOLLOWER, Kind.TEXT, text="Gần số nhà 45, đối diện trường.",
                             reply_to="5001")
    assert f"Added to your PAKN {code}" in one(FOLLOWER, replied).text
    assert any("số nhà 45" in m.text for m in to(STAFF, replied))
    async with bot.database.reading() as session:
        last = (await session.execute(select(CaseEventRow).where(
            CaseEventRow.case_id == row.id).order_by(CaseEventRow.id.desc()))).scalars().first()
    assert last is not None and (last.kind, last.actor_id) == ("info_provided", row.citizen_id)
