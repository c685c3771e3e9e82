"""The citizen rates the handling: once, frozen to who handled it; a low rating asks
why, may reopen the case once and reaches the head; one reminder for the silent."""

from sqlalchemy import select

from complaints.people import Role
from storage.models import AccountRow, HandlingRatingRow
from tests.conversation.harness import Clock, Harness, one, to
from tests.conversation.test_deadlines import HEAD, local
from tests.conversation.test_pakn_flow import CITIZEN, STAFF, file_pakn


async def resolved_case(bot: Harness, answer: str = "The drain was cleared.") -> tuple[str, int]:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.join(HEAD, Role.HEAD, "PTNMT")
    code = await file_pakn(bot)
    case_id = (await bot.case(code)).id
    await bot.press(STAFF, f"ca:claim:{case_id}")
    await bot.press(STAFF, f"ca:resolve:{case_id}")
    check = one(STAFF, await bot.text(STAFF, answer))
    await bot.press(STAFF, check.payload("ss:resolve:"))
    return code, case_id


async def rating_row(bot: Harness) -> HandlingRatingRow:
    async with bot.database.reading() as session:
        return (await session.execute(select(HandlingRatingRow))).scalar_one()


async def test_a_good_rating_with_a_comment(bot: Harness) -> None:
    code, case_id = await resolved_case(bot)
    asked = await rating_row(bot)
    async with bot.database.reading() as session:
        staff_id = (await session.execute(select(AccountRow.id).where(
            AccountRow.role == "staff"))).scalar_one()
    assert (asked.unit_code, asked.field_code, asked.staff_id, asked.score) == (
        "PTNMT", "dat_dai", staff_id, None), "who handled it is frozen when asked"

    comment = one(CITIZEN, await bot.press(CITIZEN, f"rt:{case_id}:5"))
    assert "Thank you for your rating" in comment.text and comment.labels() == ["Skip"]
    thanks = one(CITIZEN, await bot.text(CITIZEN, "Quick and polite, thank you."))
    assert "Thank you for your feedback" in thanks.text
    rated = await rating_row(bot)
    assert (rated.score, rated.comment, rated.reason) == (5, "Quick and polite, thank you.",
                                                          None)
    again = one(CITIZEN, await bot.press(CITIZEN, f"rt:{case_id}:1"))
    assert "already rated" in again.text
    assert (await rating_row(bot)).score == 5, "one rating per case"
    assert not to(HEAD, await bot.new_messages())
    status = one(CITIZEN, await bot.text(CITIZEN, f"/tracuu {code}"))
    assert "rated the handling" in status.text


async def test_a_low_rating_reaches_the_head_and_may_reopen_once(bot: Harness) -> None:
    code, case_id = await resolved_case(bot)
    low = await bot.press(CITIZEN, f"rt:{case_id}:1")
    reasons = one(CITIZEN, low)
    assert len(reasons.buttons) == 5 and "What went wrong" in reasons.text
    assert '"Very dissatisfied"' in one(HEAD, low).text
    reopen = await bot.press(CITIZEN, f"rs:not_solved:{case_id}")
    offer = one(CITIZEN, reopen)
    assert offer.labels() == ["Reopen the case", "No, thank you"]
    assert "The problem is not solved" in one(HEAD, reopen).text

    reopened = await bot.press(CITIZEN, offer.payload("rs:reopen:"))
    assert "open again" in one(CITIZEN, reopened).text
    assert "reopened" in to(STAFF, reopened)[0].text
    assert "reopened by its sender" in one(HEAD, reopened).text
    row = await bot.case(code)
    assert (row.status, row.resolved_at) == ("in_progress", None)
    assert row.reopened_at is not None
    assert (await rating_row(bot)).reason == "not_solved"
    assert "Thank you" in one(CITIZEN, await bot.press(CITIZEN, f"rs:skip:{case_id}")).text

    await bot.press(STAFF, f"ca:resolve:{case_id}")
    check = one(STAFF, await bot.text(STAFF, "Now really fixed, photos attached."))
    second = await bot.press(STAFF, check.payload("ss:resolve:"))
    assert len(to(CITIZEN, second)) == 1, "no second rating is asked"
    refused = one(CITIZEN, await bot.press(CITIZEN, f"rs:reopen:{case_id}"))
    assert "already reopened once" in refused.text
    assert (await bot.case(code)).status == "resolved"


async def test_one_reminder_to_rate(bot: Harness, clock: Clock) -> None:
    _, case_id = await resolved_case(bot)  # Monday 2 March 09:00
    clock.set(local(3, 10))
    assert not to(CITIZEN, await bot.tick()), "not before two days"
    clock.set(local(4, 9, 5))
    reminder = one(CITIZEN, await bot.tick())
    assert "A reminder" in reminder.text and len(reminder.buttons) == 5
    clock.set(local(9, 9, 5))  # the next Monday
    assert not to(CITIZEN, await bot.tick()), "never more than once"
    await bot.press(CITIZEN, f"rt:{case_id}:4")
    assert (await rating_row(bot)).score == 4
