"""Replies reach the case, and similar cases first: a citizen's answer to staff goes to
the case staff wrote on (asked which when several), a reply-to goes to the case of the
message replied to, staff reply to a forwarded answer; a PAKN like one already open is
offered to be followed, and staff merge a duplicate into the case that goes on."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.core.authority import actor_of
from bot.core.intake import IntakeRequest, file_on_behalf
from bot.core.work import Work, deliver
from bot.delivery.notify import Notifier
from bot.spine.messages import Kind
from complaints.intake import ConsentBasis, Origin, check_sender
from complaints.people import Role
from storage.models import CaseEventRow, CaseFollowerRow, CaseRow
from surveys.periods import parse_period
from surveys.report import Scope
from tests.conversation.harness import Harness, Out, one, to
from tests.conversation.test_pakn_flow import CITIZEN, OTHER_CITIZEN, STAFF
from tests.conversation.test_staff import PTP_STAFF

FLOOD = ("Đường ấp 3 xã Xuân Bắc bị ngập sâu hai tuần nay sau khi thi công cống, nước tràn "
         "vào nhà dân. Tôi là Nguyễn Văn An, số điện thoại 0912345678.")
FLOOD_AGAIN = ("duong ap 3 xa xuan bac ngap sau hai tuan nay sau khi thi cong cong, nuoc tran "
               "vao nha")
OTHER_PROBLEM = ("Hồ sơ cấp giấy chứng nhận quyền sử dụng đất nộp từ tháng 3 đã quá hạn chưa "
                 "có kết quả.")
SURVEY = "Cán bộ địa chính xã hẹn đo đạc lại thửa đất ba lần nhưng không đến."
THIRD_CITIZEN = "1003"
FOCAL = "1004"


async def start_filing(bot: Harness, chat: str, text: str) -> Out:
    """Consent, field (land), area (Xuân Bắc) and the description: what the bot says next."""
    start = await bot.text(chat, "/phananh")
    if "ch:field" not in str(start):
        await bot.press(chat, one(chat, start).payload("cs:"))
    await bot.press(chat, "ch:field:dat_dai")
    await bot.press(chat, "ch:area:26428")
    return one(chat, await bot.text(chat, text))


async def finish_filing(bot: Harness, chat: str, name: str, phone: str) -> str:
    await bot.text(chat, "Continue")
    await bot.text(chat, name)
    await bot.contact(chat, phone)
    confirm = await bot.text(chat, "Ấp 3, xã Xuân Bắc")
    receipt = one(chat, await bot.press(chat, one(chat, confirm).payload("ch:confirm:send")))
    return receipt.text.split("Tracking code: ")[1].split()[0]


async def file(bot: Harness, chat: str, text: str, name: str = "Nguyễn Văn An",
               phone: str = "+84912345678") -> str:
    after = await start_filing(bot, chat, text)
    assert "photos" in after.text, after.text
    return await finish_filing(bot, chat, name, phone)


async def staff_writes(bot: Harness, code: str, action: str = "reply",
                       text: str = "Dạ, anh cho xin số biên nhận hồ sơ ạ.") -> list[Out]:
    row = await bot.case(code)
    await bot.press(STAFF, f"ca:{action}:{row.id}")
    return await bot.text(STAFF, text)


async def delivered(bot: Harness, message: Out, external_id: str) -> None:
    """As the outbox records a message the channel accepted, with the channel's id."""
    async with bot.store.unit_of_work() as uow:
        await uow.outbox.mark_sent([(message.id, external_id)], bot.clock())


async def kinds(bot: Harness, code: str) -> list[str]:
    row = await bot.case(code)
    async with bot.database.reading() as session:
        return list((await session.execute(
            select(CaseEventRow.kind).where(CaseEventRow.case_id == row.id)
            .order_by(CaseEventRow.id))).scalars())


# --- replies reach the case ----------------------------------------------------------------

async def test_an_answer_to_staff_reaches_the_one_case_waiting_for_it(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = await file(bot, CITIZEN, OTHER_PROBLEM)
    menu = one(CITIZEN, await bot.text(CITIZEN, "Dạ cảm ơn anh"))
    assert "To send a PAKN" in menu.text, "staff have not written: nothing awaits an answer"

    written = await staff_writes(bot, code)
    assert "anh cho xin số biên nhận" in one(CITIZEN, written).text
    answered = await bot.text(CITIZEN, "Dạ cảm ơn anh, số biên nhận là 000.31.26.H12-260302")
    assert f"Added to your PAKN {code}" in one(CITIZEN, answered).text
    forwarded = one(STAFF, answered)
    assert code in forwarded.text and "000.31.26.H12-260302" in forwarded.text
    assert (await kinds(bot, code))[-1] == "info_provided"

    # Answered: the next message is no longer taken for an answer.
    again = one(CITIZEN, await bot.text(CITIZEN, "Cảm ơn"))
    assert "To send a PAKN" in again.text
    # A photo after a question goes to the case as well, with its forward to staff.
    await staff_writes(bot, code, "ask", "Anh gửi giúp ảnh biên nhận.")
    photo = await bot.photo(CITIZEN, "receipt-photo")
    assert f"Added to your PAKN {code}" in one(CITIZEN, photo).text
    assert one(STAFF, photo).photo is not None


async def test_with_two_cases_waiting_the_citizen_is_asked_which(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    first = await file(bot, CITIZEN, OTHER_PROBLEM)
    second = await file(bot, CITIZEN, SURVEY)
    await staff_writes(bot, first)
    await staff_writes(bot, second, text="Anh cho biết ngày hẹn đo đạc gần nhất ạ.")

    asked = one(CITIZEN, await bot.text(CITIZEN, "Dạ hôm thứ hai tuần trước ạ"))
    assert "Which one" in asked.text
    labels = asked.labels()
    assert len(labels) == 2 and labels[0].startswith(second) and labels[1].startswith(first)
    assert "Cán bộ địa chính" in labels[0], "a few words of each case on its button"
    assert "choose the PAKN" in one(CITIZEN, await bot.text(CITIZEN, "cái thứ hai")).text

    chosen = await bot.press(CITIZEN, asked.payload(f"rc:{(await bot.case(second)).id}"))
    assert f"Added to your PAKN {second}" in one(CITIZEN, chosen).text
    assert "hôm thứ hai tuần trước" in one(STAFF, chosen).text
    assert (await kinds(bot, second))[-1] == "info_provided"
    assert (await kinds(bot, first))[-1] == "replied", "the other case is untouched"
    first_id = (await bot.case(first)).id
    stale = one(CITIZEN, await bot.press(CITIZEN, asked.payload(f"rc:{first_id}")))
    assert "Added" not in stale.text


async def test_a_reply_to_a_case_message_goes_to_that_case(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    first = await file(bot, CITIZEN, OTHER_PROBLEM)
    second = await file(bot, CITIZEN, SURVEY)
    message = one(CITIZEN, await staff_writes(bot, first))
    await staff_writes(bot, second)
    await delivered(bot, message, "7001")

    replied = await bot.send(CITIZEN, Kind.TEXT, text="Số biên nhận là 12345", reply_to="7001")
    assert f"Added to your PAKN {first}" in one(CITIZEN, replied).text, "no question asked"
    assert (await kinds(bot, first))[-1] == "info_provided"
    # A reply to a message of no case (or of an unknown id) is taken as usual.
    asked = one(CITIZEN, await bot.send(CITIZEN, Kind.TEXT, text="Dạ vâng", reply_to="999"))
    assert f"Added to your PAKN {second}" in asked.text, "the one case still waiting"


async def test_staff_reply_to_a_forwarded_answer_answers_that_case(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = await file(bot, CITIZEN, OTHER_PROBLEM)
    await staff_writes(bot, code)
    forwarded = one(STAFF, await bot.text(CITIZEN, "Số biên nhận là 12345"))
    await delivered(bot, forwarded, "8001")

    answered = await bot.send(STAFF, Kind.TEXT, text="Đã nhận, hồ sơ sẽ có kết quả thứ sáu.",
                              reply_to="8001")
    assert f"Sent to the sender of {code}" in one(STAFF, answered).text
    assert "kết quả thứ sáu" in one(CITIZEN, answered).text
    assert (await kinds(bot, code))[-1] == "replied"
    # Staff of another unit replying to it do not reach the case.
    await bot.join(PTP_STAFF, Role.STAFF, "PTP")
    other = one(PTP_STAFF, await bot.send(PTP_STAFF, Kind.TEXT, text="Xin chào", reply_to="8001"))
    assert "Sent to the sender" not in other.text
    # A sender who erased their data is not written to, as the card has no "Reply" then.
    asked = one(CITIZEN, await bot.text(CITIZEN, "/xoadulieu"))
    await bot.press(CITIZEN, asked.payload("xd:yes"))
    refused = await bot.send(STAFF, Kind.TEXT, text="Anh còn cần gì nữa không?", reply_to="8001")
    assert "cannot be written to" in one(STAFF, refused).text
    assert (await kinds(bot, code))[-1] == "replied" and not to(CITIZEN, refused)


# --- similar cases first ----------------------------------------------------------------------

async def test_a_duplicate_is_offered_followed_and_answered(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = await file(bot, CITIZEN, FLOOD)
    offer = await start_filing(bot, OTHER_CITIZEN, FLOOD_AGAIN)
    assert code in offer.text and "Being handled" not in offer.text
    assert "Received, waiting to be taken up" in offer.text
    assert "Nguyễn Văn An" not in offer.text and "0912345678" not in offer.text, \
        "another citizen's name and phone are never shown"
    assert "ngập sâu" in offer.text, "the redacted beginning of the case"
    assert offer.labels() == [f"Follow {code}", "File mine anyway"]

    followed = await bot.press(OTHER_CITIZEN, offer.payload("sm:follow:"))
    assert f"You now follow {code}" in one(OTHER_CITIZEN, followed).text
    assert await bot.count(CaseRow) == 1, "nothing filed"
    card = next(m for m in followed if m.kind == "edit" and m.chat == STAFF)
    assert "Raised by 2 citizens" in card.text
    again = one(OTHER_CITIZEN, await bot.press(OTHER_CITIZEN, offer.payload("sm:follow:")))
    assert "You now follow" not in again.text

    # A third citizen is shown the case with its count; nobody is offered their own case.
    offer3 = await start_filing(bot, THIRD_CITIZEN, FLOOD_AGAIN)
    assert "Raised by 2 citizens" in offer3.text
    own = await start_filing(bot, CITIZEN, FLOOD_AGAIN)
    assert code not in own.text and "photos" in own.text

    row = await bot.case(code)
    await bot.press(STAFF, f"ca:resolve:{row.id}")
    confirm = one(STAFF, await bot.text(STAFF, "Kính gửi ông Nguyễn Văn An, đã nạo vét cống xong."))
    resolved = await bot.press(STAFF, confirm.payload("ss:resolve:"))
    answer, question = to(OTHER_CITIZEN, resolved)
    assert f"The PAKN {code} you follow has been resolved" in answer.text
    assert "đã nạo vét cống xong" in answer.text and "Nguyễn Văn An" not in answer.text
    assert "How satisfied" in question.text
    assert "How satisfied" in to(CITIZEN, resolved)[1].text
    thanks = one(OTHER_CITIZEN, await bot.press(OTHER_CITIZEN, question.payload("rt:")))
    assert "Thank you for your rating" in thanks.text
    async with bot.database.reading() as session:
        follower = (await session.execute(select(CaseFollowerRow))).scalars().all()
    assert [(f.score is not None, f.via) for f in follower] == [(True, "follow")]


async def test_file_mine_anyway_and_unlike_texts_are_not_offered(bot: Harness) -> None:
    code = await file(bot, CITIZEN, FLOOD)
    unlike = await start_filing(bot, OTHER_CITIZEN, OTHER_PROBLEM)
    assert "photos" in unlike.text and code not in unlike.text
    await bot.text(OTHER_CITIZEN, "/huy")

    offer = await start_filing(bot, OTHER_CITIZEN, FLOOD_AGAIN)
    went_on = one(OTHER_CITIZEN, await bot.press(OTHER_CITIZEN, offer.payload("ch:similar:file")))
    assert "photos" in went_on.text
    second = await finish_filing(bot, OTHER_CITIZEN, "Trần Thị Bình", "+84987654321")
    assert second != code and await bot.count(CaseRow) == 2

    # A case answered longer ago than the setting is no longer offered.
    row = await bot.case(code)
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.press(STAFF, f"ca:resolve:{row.id}")
    confirm = one(STAFF, await bot.text(STAFF, "Đã xử lý xong."))
    await bot.press(STAFF, confirm.payload("ss:resolve:"))
    bot.clock.advance(days=bot.settings.similar_days + 1)
    late = await start_filing(bot, THIRD_CITIZEN, FLOOD_AGAIN)
    assert code not in late.text and second in late.text, "the open one still is"


async def test_staff_merge_a_duplicate_into_the_case_that_goes_on(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    first = await file(bot, CITIZEN, FLOOD)
    offer = await start_filing(bot, OTHER_CITIZEN, FLOOD_AGAIN)
    await bot.press(OTHER_CITIZEN, offer.payload("ch:similar:file"))
    second = await finish_filing(bot, OTHER_CITIZEN, "Trần Thị Bình", "+84987654321")
    dup = await bot.case(second)

    prompt = one(STAFF, await bot.press(STAFF, f"ca:merge:{dup.id}"))
    assert "same problem as which case" in prompt.text
    assert "no case with that code" in one(STAFF, await bot.text(STAFF, "PA-2026-999999")).text
    assert "Why is" in one(STAFF, await bot.text(STAFF, first.lower())).text
    merged = await bot.text(STAFF, "Cùng đoạn đường ngập ở ấp 3.")
    assert f"{second} was closed as a duplicate of {first}" in one(STAFF, merged).text
    assert "Raised by 2 citizens" in one(STAFF, merged).text
    told = one(OTHER_CITIZEN, merged)
    assert first in told.text and "joined" in told.text

    after = await bot.case(second)
    assert (after.status, after.duplicate_of) == ("duplicate", (await bot.case(first)).id)
    assert (await kinds(bot, second))[-1] == "merged"
    assert (await kinds(bot, first))[-1] == "absorbed"
    assert any("Raised by 2 citizens" in m.text for m in merged if m.kind == "edit")
    refused = one(STAFF, await bot.press(STAFF, f"ca:merge:{dup.id}"))
    assert "no longer possible" in refused.text, "a closed duplicate is not merged again"

    # The duplicate is left out of the on-time rate: one case is counted, not two.
    bot.clock.advance(days=30)
    start, end = parse_period("2026-03").bounds(bot.settings.tz)
    async with bot.store.unit_of_work() as uow:
        cells = await uow.indicators.counts(start, end, bot.clock(), Scope(), None,
                                            bot.settings.tz)
    assert cells[None].known == 1


async def test_going_on_with_a_photo_passes_the_offer_by(bot: Harness) -> None:
    code = await file(bot, CITIZEN, FLOOD)
    offer = await start_filing(bot, OTHER_CITIZEN, FLOOD_AGAIN)
    assert code in offer.text
    assert "Please answer the question" in one(OTHER_CITIZEN, await bot.text(
        OTHER_CITIZEN, "hmm")).text, "typed text is not taken as a choice"
    photo = one(OTHER_CITIZEN, await bot.photo(OTHER_CITIZEN, "flood-photo"))
    assert "Photo 1 of at most" in photo.text
    second = await finish_filing(bot, OTHER_CITIZEN, "Trần Thị Bình", "+84987654321")
    assert second != code and await bot.count(CaseRow) == 2


async def test_a_follow_is_in_the_copy_of_data_and_goes_with_an_erasure(bot: Harness) -> None:
    code = await file(bot, CITIZEN, FLOOD)
    offer = await start_filing(bot, OTHER_CITIZEN, FLOOD_AGAIN)
    await bot.press(OTHER_CITIZEN, offer.payload("sm:follow:"))
    async with bot.store.unit_of_work() as uow:
        follower = await uow.accounts.find("telegram", OTHER_CITIZEN)
        assert follower is not None
        held = await uow.privacy.holdings(follower.id)
    assert [f["code"] for f in held["cases_followed"]] == [code]

    asked = one(OTHER_CITIZEN, await bot.text(OTHER_CITIZEN, "/xoadulieu"))
    await bot.press(OTHER_CITIZEN, asked.payload("xd:yes"))
    assert await bot.count(CaseFollowerRow) == 0, "nothing more is sent to them"


async def test_followers_are_told_when_the_case_is_late(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = await file(bot, CITIZEN, FLOOD)
    offer = await start_filing(bot, OTHER_CITIZEN, FLOOD_AGAIN)
    await bot.press(OTHER_CITIZEN, offer.payload("sm:follow:"))
    await bot.new_messages()
    bot.clock.set(datetime(2026, 3, 17, 1, 30, tzinfo=UTC))  # the day after the due day
    late = await bot.tick()
    assert "WRITTEN APOLOGY" in to(CITIZEN, late)[0].text
    told = one(OTHER_CITIZEN, late)
    assert f"The PAKN {code} you follow is late" in told.text
    assert told.document is None and "Nguyễn Văn An" not in told.text
    assert await bot.tick() == [], "told once"


async def test_following_an_answered_case_gives_its_answer_at_once(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = await file(bot, CITIZEN, FLOOD)
    row = await bot.case(code)
    await bot.press(STAFF, f"ca:resolve:{row.id}")
    confirm = one(STAFF, await bot.text(STAFF, "Gửi ông Nguyễn Văn An: đã nạo vét cống xong."))
    await bot.press(STAFF, confirm.payload("ss:resolve:"))
    offer = await start_filing(bot, OTHER_CITIZEN, FLOOD_AGAIN)
    assert code in offer.text and "Resolved" in offer.text
    answer, question = to(OTHER_CITIZEN, await bot.press(OTHER_CITIZEN,
                                                         offer.payload("sm:follow:")))
    assert f"You now follow {code}" in answer.text and "đã nạo vét cống xong" in answer.text
    assert "Nguyễn Văn An" not in answer.text
    rated = one(OTHER_CITIZEN, await bot.press(OTHER_CITIZEN, question.payload("rt:")))
    assert "Thank you for your rating" in rated.text


@pytest.mark.parametrize(("origin", "phone", "email", "reached"), [
    (Origin.PHONE, "0987654321", "", "0987654321"),
    (Origin.EMAIL, "", "binh@example.vn", "binh@example.vn"),
    (Origin.IN_PERSON, "0987654321", "binh@example.vn", "0987654321"),
])
async def test_a_pakn_taken_by_staff_merged_into_a_chat_case_reaches_its_sender(
        bot: Harness, origin: Origin, phone: str, email: str, reached: str) -> None:
    """A hotline (or email, or desk) PAKN about a problem a chat citizen raised already:
    merged into that case, its sender is told by SMS (or email, the phone first), gets the
    answer there without the chat sender's name, and is asked to rate it."""
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    first = await file(bot, CITIZEN, FLOOD)
    await bot.join(FOCAL, Role.STAFF, "VP")
    async with bot.store.unit_of_work() as uow:
        account = await uow.accounts.find("telegram", FOCAL)
        assert account is not None
        focal = await actor_of(uow.accounts, await uow.directory.load(), account)
        work = Work(uow, bot.clock(), bot.settings, await uow.directory.load(), bot.calendars)
        taken = await file_on_behalf(work, focal, IntakeRequest(
            origin=origin, received_at=bot.clock(),
            sender=check_sender("Trần Thị Bình", "Ấp 2, xã Xuân Bắc", phone, email),
            field="dat_dai", area="26428", text=FLOOD_AGAIN, consent=ConsentBasis.ORAL))
        await deliver(work.owed, Notifier(uow, "vi", work.now, "test"))
    assert taken.case.channel == origin.value and taken.case.unit == "PTNMT"
    await bot.new_messages()

    await bot.press(STAFF, f"ca:merge:{taken.case.id}")
    await bot.text(STAFF, first)
    merged = await bot.text(STAFF, "Cùng đoạn đường ngập ở ấp 3.")
    assert f"{taken.case.code} was closed as a duplicate of {first}" in one(STAFF, merged).text
    [told] = to(reached, merged)
    assert first in told.text and taken.case.code in told.text, told.text
    async with bot.database.reading() as session:
        [follower] = (await session.execute(select(CaseFollowerRow))).scalars().all()
    assert (follower.channel, follower.chat_id, follower.via) == (
        "sms" if phone else "email", reached, "merge")

    row = await bot.case(first)
    await bot.press(STAFF, f"ca:resolve:{row.id}")
    confirm = one(STAFF, await bot.text(STAFF, "Kính gửi ông Nguyễn Văn An, đã nạo vét cống xong."))
    resolved = await bot.press(STAFF, confirm.payload("ss:resolve:"))
    answer, question = to(reached, resolved)
    assert f"{first}" in answer.text and "đã nạo vét cống xong" in answer.text
    assert "Nguyễn Văn An" not in answer.text, "the chat sender's name is not passed on"
    assert "gộp" in told.text, "told in their language, Vietnamese"
    assert first in question.text and "hài lòng" in question.text, "asked to rate it"
    assert not to(reached, await bot.press(STAFF, confirm.payload("ss:resolve:")))
