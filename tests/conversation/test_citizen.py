"""The citizen's side: language, editing and cancelling a PAKN, typed answers."""

import pytest

from bot.spine.messages import Kind
from complaints.people import Role
from storage.models import CaseRow
from tests.conversation.harness import Clock, Harness, Out, one, to
from tests.conversation.test_pakn_flow import CITIZEN, STAFF, file_pakn


async def test_vietnamese_is_the_default(database_url: str, clock: Clock) -> None:
    bot = await Harness(database_url, clock, language_code=None).start()
    try:
        welcome, notice = to(CITIZEN, await bot.text(CITIZEN, "/start"))
        assert "Xin chào" in welcome.text
        assert notice.labels() == ["Tôi đồng ý"]
        assert "dữ liệu cá nhân" in notice.text
    finally:
        await bot.close()


async def test_language_choice_is_remembered(bot: Harness) -> None:
    choice = one(CITIZEN, await bot.text(CITIZEN, "/ngonngu"))
    assert choice.labels() == ["Tiếng Việt", "English"]
    switched = one(CITIZEN, await bot.press(CITIZEN, choice.payload("lg:vi")))
    assert "tiếng Việt" in switched.text
    help_text = one(CITIZEN, await bot.text(CITIZEN, "/trogiup"))
    assert "/phananh" in help_text.text and "Gửi phản ánh" in help_text.labels()
    one(CITIZEN, await bot.press(CITIZEN, "lg:en"))
    assert "Send a PAKN" in one(CITIZEN, await bot.text(CITIZEN, "/help")).labels()


async def test_options_can_be_typed_by_number_or_label(bot: Harness) -> None:
    await bot.text(CITIZEN, "/start")
    await bot.press(CITIZEN, f"cs:{bot.settings.notice_version}")
    fields = one(CITIZEN, await bot.text(CITIZEN, "/phananh"))
    assert fields.labels()[0] == "Land"
    areas = one(CITIZEN, await bot.text(CITIZEN, "1"))
    assert "Which commune" in areas.text
    describe = one(CITIZEN, await bot.text(CITIZEN, "xuan bac commune"))
    assert "Describe the problem" in describe.text
    assert (await bot.dialog_state(CITIZEN)) == "intake.text"


async def test_editing_a_part_returns_to_the_summary(bot: Harness) -> None:
    await bot.text(CITIZEN, "/start")
    await bot.press(CITIZEN, f"cs:{bot.settings.notice_version}")
    await bot.text(CITIZEN, "/phananh")
    await bot.press(CITIZEN, "ch:field:dat_dai")
    await bot.press(CITIZEN, "ch:area:-")
    await bot.text(CITIZEN, "Hồ sơ cấp giấy chứng nhận của tôi bị trễ hẹn ba tuần.")
    await bot.press(CITIZEN, "ch:attach:done")
    await bot.text(CITIZEN, "Trần Thị Bích")
    await bot.text(CITIZEN, "0251.3871.234")
    summary = one(CITIZEN, await bot.text(CITIZEN, "Khu phố 2, thị trấn Gia Ray"))
    assert "Province level / not sure" in summary.text and "0251 3871 234" in summary.text

    parts = one(CITIZEN, await bot.press(CITIZEN, summary.payload("ch:confirm:edit")))
    await bot.press(CITIZEN, parts.payload("ch:edit:area"))
    again = one(CITIZEN, await bot.press(CITIZEN, "ch:area:26425"))
    assert "Gia Ray Town" in again.text and again.payload("ch:confirm:send"), \
        "after the edit, straight back to the summary"
    receipt = one(CITIZEN, await bot.press(CITIZEN, again.payload("ch:confirm:send")))
    assert "PA-2026-000001" in receipt.text
    row = await bot.case("PA-2026-000001")
    assert (row.area_code, row.contact_phone, row.unit_code) == ("26425", "02513871234", "PTNMT")


async def test_cancel_files_nothing(bot: Harness) -> None:
    await bot.text(CITIZEN, "/start")
    await bot.press(CITIZEN, f"cs:{bot.settings.notice_version}")
    await bot.text(CITIZEN, "/phananh")
    await bot.press(CITIZEN, "ch:field:ho_tich")
    cancelled = one(CITIZEN, await bot.text(CITIZEN, "/huy"))
    assert "Cancelled" in cancelled.text
    assert (await bot.dialog_state(CITIZEN)) == "idle"
    assert "no longer valid" in one(CITIZEN, await bot.press(CITIZEN, "ch:area:26428")).text
    assert await bot.count(CaseRow) == 0
    assert "nothing to cancel" in one(CITIZEN, await bot.text(CITIZEN, "/huy")).text


async def test_limits_on_what_is_typed(bot: Harness) -> None:
    await bot.text(CITIZEN, "/start")
    await bot.press(CITIZEN, f"cs:{bot.settings.notice_version}")
    await bot.text(CITIZEN, "/phananh")
    await bot.press(CITIZEN, "ch:field:ho_tich")
    await bot.press(CITIZEN, "ch:area:26428")
    long = one(CITIZEN, await bot.text(CITIZEN, "x" * 3001))
    assert "too long" in long.text and "3000" in long.text and "3001" in long.text
    assert (await bot.dialog_state(CITIZEN)) == "intake.text", "the step is asked again"
    await bot.text(CITIZEN, "Giấy khai sinh của con tôi ghi sai ngày sinh cần sửa gấp.")
    for _ in range(5):
        await bot.photo(CITIZEN, "f")
    full = one(CITIZEN, await bot.photo(CITIZEN, "f"))
    assert "5 photos" in full.text
    sticker = one(CITIZEN, await bot.send(CITIZEN, Kind.UNSUPPORTED))
    assert "Send photos or the location" in sticker.text


async def _second_pakn_up_to_contact(bot: Harness) -> Out:
    await bot.text(CITIZEN, "/phananh")
    await bot.press(CITIZEN, "ch:field:moi_truong")
    await bot.press(CITIZEN, "ch:area:26428")
    await bot.text(CITIZEN, "Bãi rác tự phát cạnh chợ gây ô nhiễm nặng cho cả khu dân cư.")
    return one(CITIZEN, await bot.press(CITIZEN, "ch:attach:done"))


@pytest.mark.parametrize("channel", ["telegram", "webchat", "zalo_bot", "zalo_oa"])
async def test_contact_details_of_the_last_pakn_are_offered(bot: Harness, channel: str) -> None:
    bot.channel = channel
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await file_pakn(bot)
    offer = await _second_pakn_up_to_contact(bot)
    # One tap, masked: the name and enough of the phone to recognise it.
    assert offer.labels() == ["Use my details again: Nguyễn Văn An, 09…678"]
    assert "0912" not in offer.text + str(offer.labels()) and "Ấp 3" not in offer.text
    summary = one(CITIZEN, await bot.press(CITIZEN, offer.payload("ch:contact:same")))
    assert "Ấp 3, xã Xuân Bắc" in summary.text and "0912 345 678" in summary.text
    await bot.press(CITIZEN, summary.payload("ch:confirm:send"))
    case = await bot.case("PA-2026-000002")
    assert (case.contact_name, case.contact_phone, case.contact_address) == (
        "Nguyễn Văn An", "0912345678", "Ấp 3, xã Xuân Bắc")


async def test_offered_details_can_be_changed_instead(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await file_pakn(bot)
    await _second_pakn_up_to_contact(bot)
    phone = one(CITIZEN, await bot.text(CITIZEN, "Trần Thị Bích"))
    assert "phone number" in phone.text
    await bot.text(CITIZEN, "0987 654 321")
    summary = one(CITIZEN, await bot.text(CITIZEN, "Số 5, ấp 1, xã Suối Cao"))
    await bot.press(CITIZEN, summary.payload("ch:confirm:send"))
    case = await bot.case("PA-2026-000002")
    assert (case.contact_name, case.contact_phone, case.contact_address) == (
        "Trần Thị Bích", "0987654321", "Số 5, ấp 1, xã Suối Cao")
    # The next PAKN offers the newest details.
    again = await _second_pakn_up_to_contact(bot)
    assert again.labels() == ["Use my details again: Trần Thị Bích, 09…321"]


@pytest.mark.parametrize(("channel", "share_button"), [
    ("telegram", True), ("webchat", False), ("zalo_bot", False), ("zalo_oa", False)])
async def test_prompts_name_only_the_controls_the_channel_has(
        bot: Harness, channel: str, share_button: bool) -> None:
    bot.channel = channel
    await bot.text(CITIZEN, "/phananh")
    await bot.press(CITIZEN, f"cs:{bot.settings.notice_version}")
    await bot.press(CITIZEN, "ch:field:ho_tich")
    await bot.press(CITIZEN, "ch:area:26428")
    attach = one(CITIZEN, await bot.text(
        CITIZEN, "Giấy khai sinh của con tôi ghi sai ngày sinh cần sửa gấp."))
    kinds = {b["kind"] for b in attach.buttons}
    assert ("location" in kinds) == (channel in ("telegram", "webchat"))
    await bot.press(CITIZEN, "ch:attach:done")
    phone = one(CITIZEN, await bot.text(CITIZEN, "Nguyễn Văn An"))
    assert ("press the button" in phone.text) is share_button
    assert ("contact" in {b["kind"] for b in phone.buttons}) is share_button


async def test_following_own_cases(bot: Harness) -> None:
    assert "not sent any" in one(CITIZEN, await bot.text(CITIZEN, "/tracuu")).text
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = await file_pakn(bot)
    mine = one(CITIZEN, await bot.text(CITIZEN, "/tracuu"))
    assert code in mine.text and "16/03/2026" in mine.text
    by_code = one(CITIZEN, await bot.text(CITIZEN, f"mã của tôi là {code.lower()}"))
    assert "received and sent to Natural Resources" in by_code.text
