"""A PAKN from first contact to the answer, and the rules around it."""

from datetime import UTC, datetime

from sqlalchemy import select

from bot.spine.messages import Kind
from complaints.codes import parse_tracking_code
from complaints.people import Role
from storage.models import CaseEventRow, ConsentRow
from tests.conversation.harness import Harness, InboundRow, one, to

CITIZEN, STAFF, OTHER_CITIZEN, OTHER_STAFF = "1001", "2001", "1002", "2002"


async def file_pakn(bot: Harness, chat: str = CITIZEN, field: str = "dat_dai",
                    area: str = "26428") -> str:
    """File a complete PAKN and return its tracking code."""
    start = await bot.text(chat, "/phananh")
    if "ch:field" not in str(start):
        await bot.press(chat, one(chat, start).payload("cs:"))
    await bot.press(chat, f"ch:field:{field}")
    await bot.press(chat, f"ch:area:{area}")
    await bot.text(chat, "The road in hamlet 3 has been flooded for two weeks after the works.")
    await bot.photo(chat, "photo-file-1")
    await bot.location(chat, 10.93, 107.41)
    await bot.text(chat, "Continue")
    await bot.text(chat, "Nguyễn Văn An")
    await bot.contact(chat, "+84912345678")
    confirm = await bot.text(chat, "Ấp 3, xã Xuân Bắc")
    receipt = one(chat, await bot.press(chat, one(chat, confirm).payload("ch:confirm:send")))
    code = parse_tracking_code(receipt.text)
    assert code is not None, receipt.text
    return code


async def test_first_contact_asks_consent_before_personal_data(bot: Harness) -> None:
    welcome = to(CITIZEN, await bot.text(CITIZEN, "/start"))
    assert "PAKN service" in welcome[0].text
    notice = welcome[1]
    assert "Personal data notice" in notice.text and notice.labels() == ["I agree"]

    refused = one(CITIZEN, await bot.text(CITIZEN, "/phananh"))
    assert "Personal data notice" in refused.text, "no filing without consent"
    assert await bot.count(ConsentRow) == 0

    after = to(CITIZEN, await bot.press(CITIZEN, refused.payload("cs:")))
    assert "consent was recorded" in after[0].text
    assert "Which field" in after[1].text, "filing resumes after consent"
    async with bot.database.reading() as session:
        consent = (await session.execute(select(ConsentRow))).scalar_one()
    assert consent.notice_version == bot.settings.notice_version
    assert consent.given_at == bot.clock()


async def test_citizen_files_and_staff_resolve(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.text(CITIZEN, "/start")
    await bot.press(CITIZEN, f"cs:{bot.settings.notice_version}")

    field = one(CITIZEN, await bot.text(CITIZEN, "/phananh"))
    assert "Land" in field.labels()
    area = one(CITIZEN, await bot.press(CITIZEN, "ch:field:dat_dai"))
    assert "Xuan Bac Commune" in area.labels()
    assert "Province level / not sure" in area.labels()
    describe = one(CITIZEN, await bot.press(CITIZEN, "ch:area:26428"))
    assert "Describe the problem" in describe.text

    too_short = one(CITIZEN, await bot.text(CITIZEN, "flooded"))
    assert "too short" in too_short.text and "at least 20" in too_short.text
    attach = one(CITIZEN, await bot.text(
        CITIZEN, "The road in hamlet 3 has been flooded for two weeks after the works."))
    assert {b["kind"] for b in attach.buttons} == {"location", "callback"}
    assert "1 of at most 5" in one(CITIZEN, await bot.photo(CITIZEN, "photo-file-1")).text
    assert "Location received" in one(CITIZEN, await bot.location(CITIZEN, 10.93, 107.41)).text
    name = one(CITIZEN, await bot.text(CITIZEN, "Continue"))  # the reply-keyboard label
    assert "full name" in name.text
    phone = one(CITIZEN, await bot.text(CITIZEN, "Nguyễn Văn An"))
    assert phone.buttons[0]["kind"] == "contact"
    assert "not look like a Vietnamese phone" in one(
        CITIZEN, await bot.contact(CITIZEN, "+1 555 0100")).text
    assert "own number" in one(CITIZEN, await bot.contact(CITIZEN, "0987654321", own=False)).text
    await bot.contact(CITIZEN, "+84 912 345 678")
    summary = one(CITIZEN, await bot.text(CITIZEN, "Ấp 3, xã Xuân Bắc"))
    for part in ("Land", "Xuan Bac Commune", "Nguyễn Văn An", "0912 345 678", "Ấp 3",
                 "Photos: 1", "openstreetmap.org", "flooded for two weeks"):
        assert part in summary.text

    filed = await bot.press(CITIZEN, summary.payload("ch:confirm:send"))
    receipt = one(CITIZEN, filed)
    assert "PA-2026-000001" in receipt.text
    assert "Natural Resources and Environment Office" in receipt.text
    # 10 working days from Monday 2 March 2026: Monday 16 March.
    assert "16/03/2026" in receipt.text
    card, photo = to(STAFF, filed)
    assert "PA-2026-000001" in card.text and "Nguyễn Văn An" in card.text
    assert card.payload("ca:claim:")
    assert photo.photo is not None and "photo 1 of 1" in photo.text
    row = await bot.case("PA-2026-000001")
    assert row.unit_code == "PTNMT" and row.status == "received"
    assert row.due_at == datetime(2026, 3, 16, 10, 0, tzinfo=UTC)  # 17:00 local

    claimed = await bot.press(STAFF, card.payload("ca:claim:"))
    assert "being handled" in one(CITIZEN, claimed).text
    edits = [m for m in claimed if m.kind == "edit"]
    assert [e.edit_of for e in edits] == [card.id], "the card is redrawn in place"
    assert "Take this case" not in [b["label"] for b in edits[0].buttons]

    prompt = one(STAFF, await bot.press(STAFF, card.payload("ca:ask:")))
    assert "What information" in prompt.text
    asked = await bot.text(STAFF, "Please send the exact house number near the flooding.")
    question = one(CITIZEN, asked)
    assert "exact house number" in question.text and question.payload("ac:")
    assert (await bot.case("PA-2026-000001")).status == "awaiting_citizen"
    answered = await bot.text(CITIZEN, "Near house number 45, opposite the school.")
    assert "Added to your PAKN PA-2026-000001" in one(CITIZEN, answered).text
    assert "Near house number 45" in one(STAFF, answered).text
    assert (await bot.case("PA-2026-000001")).status == "in_progress"

    await bot.press(STAFF, card.payload("ca:resolve:"))
    check = one(STAFF, await bot.text(STAFF, "The drain was cleared on 5 March."))
    resolved = await bot.press(STAFF, check.payload("ss:resolve:"))
    answer, rate = to(CITIZEN, resolved)
    assert "has been resolved" in answer.text and "drain was cleared" in answer.text
    assert "How satisfied" in rate.text and len(rate.buttons) == 5
    row = await bot.case("PA-2026-000001")
    assert row.status == "resolved" and row.answer == "The drain was cleared on 5 March."

    status = to(CITIZEN, await bot.text(CITIZEN, "/tracuu pa-2026-000001"))[0]
    assert "Resolved" in status.text and "drain was cleared" in status.text
    async with bot.database.reading() as session:
        kinds = list((await session.execute(
            select(CaseEventRow.kind).order_by(CaseEventRow.id))).scalars())
    assert kinds == ["received", "claimed", "info_requested", "info_provided", "resolved"]


async def test_others_learn_nothing_and_cannot_act(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.join(OTHER_STAFF, Role.STAFF, "PTP")
    code = await file_pakn(bot)
    row = await bot.case(code)

    unknown = one(OTHER_CITIZEN, await bot.text(OTHER_CITIZEN, f"/tracuu {code}"))
    missing = one(OTHER_CITIZEN, await bot.text(OTHER_CITIZEN, "/tracuu PA-2026-999999"))
    assert unknown.text == missing.text, "an existing code and a missing one look the same"
    assert "Nguyễn" not in unknown.text

    other_unit = one(OTHER_STAFF, await bot.text(OTHER_STAFF, f"/tracuu {code}"))
    assert other_unit.text == missing.text, "staff of another unit see nothing either"

    for chat in (CITIZEN, OTHER_CITIZEN, OTHER_STAFF):
        for action in ("claim", "reply", "ask", "transfer", "resolve"):
            refused = one(chat, await bot.press(chat, f"ca:{action}:{row.id}"))
            assert "cannot do that" in refused.text, (chat, action, refused.text)
    assert "cannot do that" in one(OTHER_STAFF, await bot.press(OTHER_STAFF,
                                                               f"ca:open:{row.id}")).text
    own = one(CITIZEN, await bot.press(CITIZEN, f"ca:open:{row.id}"))
    assert code in own.text and not own.buttons, "the sender sees the status, not the card"
    after = await bot.case(code)
    assert (after.assignee_id, after.status, after.version) == (None, "received", row.version)
    for chat in (CITIZEN, OTHER_CITIZEN, OTHER_STAFF):
        assert (await bot.dialog_state(chat)) == "idle", "a refused button starts nothing"


async def test_forged_or_stale_buttons_change_nothing(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = await file_pakn(bot)
    row = await bot.case(code)
    for payload in ("ca:claim:999999", "ca:claim:abc", "zz:1", "ch:field:dat_dai",
                    "ss:resolve:" + str(row.id), "tt:" + str(row.id) + ":PTP", "x" * 300):
        reply = one(STAFF, await bot.press(STAFF, payload))
        assert "no longer valid" in reply.text or "cannot do that" in reply.text, payload
    assert (await bot.case(code)).version == row.version
    await bot.press(STAFF, f"ca:resolve:{row.id}")
    check = one(STAFF, await bot.text(STAFF, "All fixed now."))
    await bot.press(STAFF, check.payload("ss:resolve:"))
    again = one(STAFF, await bot.press(STAFF, f"ca:claim:{row.id}"))
    assert "already been resolved" in again.text


async def test_duplicate_update_has_no_second_effect(bot: Harness) -> None:
    await bot.text(CITIZEN, "/start")
    first = await bot.send(CITIZEN, Kind.TEXT, text="hello", update_key="42")
    again = await bot.send(CITIZEN, Kind.TEXT, text="hello", update_key="42")
    assert len(first) == 1 and again == []
    assert await bot.count(InboundRow) == 2
