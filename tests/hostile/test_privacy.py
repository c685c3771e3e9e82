"""Withdrawing consent and deleting one's data (/xoadulieu, /forget), checked in the
database: what identifies the citizen is gone everywhere the service keeps it (what they
wrote included), while their cases and what they count for stay. The raw files and the
log: tests/hostile/test_erasure.py."""

from typing import Any

from sqlalchemy import select

from complaints.people import Role
from complaints.privacy import REMOVED
from storage.models import (
    AccountRow,
    AttachmentRow,
    CaseEventRow,
    CaseRow,
    DialogRow,
    HandlingRatingRow,
    IdentityRow,
    InboundRow,
    OutboxRow,
    SurveyDraftRow,
)
from tests.conversation.harness import Harness, one, to

CITIZEN, STAFF, OTHER = "1101", "2101", "1102"
NAME, ADDRESS = "Nguyễn Thị Hoà", "Số 7, ấp Bình Hoà, xã Xuân Bắc"
PHONES = ("0912345678", "0912 345 678", "+84912345678", "84912345678")
DESCRIPTION = (f"Tôi là {NAME}, điện thoại 0912 345 678. Đường ấp Bình Hoà ngập nước hai "
               "tuần nay sau khi thi công cống.")
ADDED = "Gần nhà số 45, gọi tôi 0912345678 nếu cần."
COMMENT = f"Cảm ơn, {NAME} rất hài lòng."


async def file(bot: Harness, chat: str = CITIZEN, *, text: str = DESCRIPTION) -> tuple[str, int]:
    start = await bot.text(chat, "/phananh")
    if "ch:field" not in str(start):
        await bot.press(chat, one(chat, start).payload("cs:"))
    await bot.press(chat, "ch:field:dat_dai")
    await bot.press(chat, "ch:area:26428")
    await bot.text(chat, text)
    await bot.photo(chat, f"photo-of-{chat}")
    await bot.location(chat, 10.93, 107.41)
    await bot.press(chat, "ch:attach:done")
    await bot.text(chat, NAME)
    await bot.contact(chat, "+84912345678")
    summary = one(chat, await bot.text(chat, ADDRESS))
    receipt = one(chat, await bot.press(chat, summary.payload("ch:confirm:send")))
    code = receipt.text.split("Tracking code: ")[1].split()[0]
    return code, (await bot.case(code)).id


async def history(bot: Harness) -> tuple[int, int]:
    """A resolved case the citizen added to, commented and rated; and an open one."""
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    _code, resolved = await file(bot)
    await bot.press(STAFF, f"ca:ask:{resolved}")
    await bot.text(STAFF, "Where exactly is the flooding?")
    await bot.text(CITIZEN, ADDED)
    await bot.press(STAFF, f"ca:resolve:{resolved}")
    check = one(STAFF, await bot.text(STAFF, f"Gửi bà {NAME}: cống đã được nạo vét."))
    await bot.press(STAFF, check.payload("ss:resolve:"))
    await bot.press(CITIZEN, f"rt:{resolved}:4")
    await bot.text(CITIZEN, COMMENT)
    # A second one, open: its card is in front of staff.
    _code, open_case = await file(bot, text=DESCRIPTION + " Lần hai.")
    await bot.text(CITIZEN, "/danhgia")  # a survey begun and left: a draft of theirs
    await bot.press(CITIZEN, "sc:field:ho_tich")
    return resolved, open_case


def personal(text: str | None) -> list[str]:
    """The citizen's details found in a text."""
    found = [part for part in (NAME, ADDRESS, *PHONES) if text and part in text]
    return found + (["the location"] if text and "10.93" in text else [])


async def everything(bot: Harness) -> dict[str, list[Any]]:
    async with bot.database.reading() as session:
        tables = {}
        for model in (CaseRow, CaseEventRow, HandlingRatingRow, AttachmentRow, InboundRow,
                      OutboxRow, AccountRow, IdentityRow, DialogRow, SurveyDraftRow):
            rows = (await session.execute(select(model).order_by(
                *model.__table__.primary_key.columns))).scalars().all()
            tables[model.__tablename__] = [{c.key: getattr(r, c.key)
                                            for c in model.__table__.columns} for r in rows]
    return tables


async def forget(bot: Harness, chat: str = CITIZEN, command: str = "/xoadulieu") -> list[Any]:
    ask = one(chat, await bot.text(chat, command))
    assert ask.labels() == ["Delete my data", "Cancel"], ask.labels()
    assert "statistics" in ask.text and "Delete your personal data?" in ask.text
    return await bot.press(chat, ask.payload("xd:yes"))


async def test_forgetting_erases_the_person_and_keeps_the_cases(bot: Harness) -> None:
    resolved, open_case = await history(bot)
    before = await everything(bot)
    assert any(personal(str(row)) for row in before["outbox"]), "the test has data to erase"

    done = await forget(bot)
    told = one(CITIZEN, done)
    for part in ("Your personal data was deleted", "photos you sent (2)", "Kept",
                 "statistics", "staff cannot contact you"):
        assert part in told.text, (part, told.text)
    card = next(m for m in done if m.chat == STAFF and m.kind == "edit")
    assert "Sender: (removed at the citizen's request)" in card.text
    assert "Reply" not in card.labels() and "Ask for information" not in card.labels()
    assert not personal(card.text)

    after = await everything(bot)
    # Nothing of the person anywhere the service keeps it.
    for table, rows in after.items():
        for row in rows:
            assert not personal(str(row)), (table, personal(str(row)), row)
    # The cases stay, with what the statistics count.
    kept = ("id", "code", "field_code", "area_code", "unit_code", "status", "received_at",
            "due_at", "resolved_at", "assignee_id", "transfers", "citizen_id", "channel")
    assert [{k: c[k] for k in kept} for c in after["cases"]] == \
        [{k: c[k] for k in kept} for c in before["cases"]]
    for case in after["cases"]:
        assert (case["contact_name"], case["contact_phone"], case["contact_address"]) == \
            (REMOVED, REMOVED, REMOVED)
        assert (case["latitude"], case["longitude"]) == (None, None)
        assert case["text"] == REMOVED, "what they wrote is theirs"
        assert case["chat_id"] != CITIZEN
    assert [(e["case_id"], e["kind"]) for e in after["case_events"]] == \
        [(e["case_id"], e["kind"]) for e in before["case_events"]]
    [rating] = after["handling_ratings"]
    assert (rating["case_id"], rating["score"], rating["comment"]) == (resolved, 4, None)
    citizen = next(a for a in after["accounts"] if a["role"] == "citizen")
    assert (citizen["display_name"], citizen["consent_version"]) == ("", None)
    assert not [a for a in after["attachments"] if a["owner_id"] == citizen["id"]]
    assert all(i["profile_name"] == "" and CITIZEN not in (i["chat_id"], i["external_id"])
               for i in after["identities"] if i["account_id"] == citizen["id"])
    for message in (r for r in after["inbound"] if r["account_id"] == citizen["id"]):
        assert message["text"] is None and set(message["data"]) <= {"command", "payload"}
        assert message["chat_id"] != CITIZEN
    assert not after["survey_drafts"]
    assert not [d for d in after["dialogs"] if d["chat_id"] == CITIZEN]
    # One pseudonym per chat, the same wherever the chat is named.
    pseudonyms = {r["chat_id"] for r in after["inbound"] if r["account_id"] == citizen["id"]}
    assert len(pseudonyms) == 1 and {c["chat_id"] for c in after["cases"]} == pseudonyms
    assert open_case in {c["id"] for c in after["cases"]}


async def test_staff_see_the_mark_where_the_details_were(bot: Harness) -> None:
    _resolved, open_case = await history(bot)
    await forget(bot)
    async with bot.database.reading() as session:
        code = (await session.get(CaseRow, open_case)).code
    shown = "\n".join(m.text for m in to(STAFF, await bot.text(STAFF, f"/tracuu {code}")))
    assert "(removed at the citizen's request)" in shown and not personal(shown)
    assert DESCRIPTION not in shown
    await bot.press(STAFF, f"ca:reply:{open_case}")
    sent = await bot.text(STAFF, "Chúng tôi đang xử lý.")
    assert not to(CITIZEN, sent), "nobody can contact them now"


async def test_a_new_pakn_after_forgetting_asks_everything_again(bot: Harness) -> None:
    await history(bot)
    await forget(bot, command="/forget")
    again = one(CITIZEN, await bot.text(CITIZEN, "/phananh"))
    assert "Personal data notice" in again.text, "consent was withdrawn"
    await bot.press(CITIZEN, again.payload("cs:"))
    await bot.press(CITIZEN, "ch:field:dat_dai")
    await bot.press(CITIZEN, "ch:area:26428")
    await bot.text(CITIZEN, DESCRIPTION)
    asked = one(CITIZEN, await bot.press(CITIZEN, "ch:attach:done"))
    assert "Use these details" not in asked.labels() and not personal(asked.text)


async def test_cancelling_or_a_stray_button_deletes_nothing(bot: Harness) -> None:
    await history(bot)
    before = await everything(bot)
    stray = one(CITIZEN, await bot.press(CITIZEN, "xd:yes"))
    assert "no longer valid" in stray.text
    ask = one(CITIZEN, await bot.text(CITIZEN, "/xoadulieu"))
    kept = one(CITIZEN, await bot.press(CITIZEN, ask.payload("xd:no")))
    assert "Nothing was deleted" in kept.text
    after = await everything(bot)
    for table in ("cases", "case_events", "handling_ratings", "attachments", "accounts",
                  "identities"):
        assert after[table] == before[table], table
    assert one(OTHER, await bot.press(OTHER, "xd:yes")).text == stray.text


async def test_staff_accounts_are_not_erased_here(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    refused = one(STAFF, await bot.text(STAFF, "/xoadulieu"))
    assert "Ask the administrators" in refused.text and not refused.buttons
    async with bot.database.reading() as session:
        staff = (await session.execute(select(AccountRow).where(AccountRow.role == "staff"))
                 ).scalar_one()
    assert staff.display_name == f"User {STAFF}"


async def test_help_lists_the_command(bot: Harness) -> None:
    shown = one(CITIZEN, await bot.text(CITIZEN, "/trogiup"))
    assert "/xoadulieu — withdraw your consent and delete your personal data" in shown.text
