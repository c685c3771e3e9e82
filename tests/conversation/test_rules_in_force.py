"""The rules in force on deadlines: when a due day ends (17:00 or 24:00, in the case and in
the on-time indicator), the written apology offered one working day before the due date
(across Tết 2026), and a calendar that says when it is guessing, until confirmed."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core import calendar as calendar_use_cases
from bot.runtime.settings import Settings
from complaints.calendar import END_OF_CIVIL_DAY
from complaints.people import Role
from surveys.report import Scope
from tests.conversation.harness import Clock, Harness, one, to
from tests.conversation.test_pakn_flow import STAFF, file_pakn

VN = ZoneInfo("Asia/Ho_Chi_Minh")
HEAD, ADMIN = "2102", "2103"


def local(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN).astimezone(UTC)


async def resolve_at(bot: Harness, clock: Clock, code: str, moment: datetime) -> None:
    case_id = (await bot.case(code)).id
    await bot.press(STAFF, f"ca:claim:{case_id}")
    clock.set(moment)
    await bot.press(STAFF, f"ca:resolve:{case_id}")
    check = one(STAFF, await bot.text(STAFF, "The drain was cleared this afternoon."))
    await bot.press(STAFF, check.payload("ss:resolve:"))
    assert (await bot.case(code)).resolved_at == moment


@pytest.mark.parametrize(("setting", "on_time"), [("17:00", False), ("24:00", True)])
async def test_a_case_answered_at_17_30_on_its_due_day(database_url: str, clock: Clock,
                                                       setting: str, on_time: bool) -> None:
    settings = Settings.from_env({"PAKN_END_OF_DAY": setting, "PAKN_DATABASE_URL": database_url},
                                 dotenv=None)
    assert settings.end_of_day == (END_OF_CIVIL_DAY if setting == "24:00" else
                                   datetime.strptime(setting, "%H:%M").time())
    bot = await Harness(database_url, clock, end_of_day=settings.end_of_day).start()
    try:
        await bot.join(STAFF, Role.STAFF, "PTNMT")
        code = await file_pakn(bot)  # Monday 2 March 2026 09:00: due Monday 16 March
        due = (await bot.case(code)).due_at
        assert due.astimezone(VN).date() == local(3, 16, 9).astimezone(VN).date()
        await resolve_at(bot, clock, code, local(3, 16, 17, 30))
        assert (local(3, 16, 17, 30) <= due) is on_time

        async with bot.store.unit_of_work() as uow:
            counts = await uow.indicators.counts(local(3, 1, 0), local(4, 1, 0),
                                                 local(4, 1, 0), Scope(), None, VN)
        assert (counts[None].on_time, counts[None].known) == (int(on_time), 1)
    finally:
        await bot.close()


@pytest.fixture
async def before_tet(database_url: str, clock: Clock) -> AsyncIterator[Harness]:
    """A case filed Monday 2 February 2026, 10 working days: due Monday 23 February, the
    first working day after Tết (Monday 16 to Friday 20 February off)."""
    clock.set(local(2, 2, 9))
    bot = await Harness(database_url, clock).start()
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.join(HEAD, Role.HEAD, "PTNMT")
    await bot.join(ADMIN, Role.ADMIN, None)
    yield bot
    await bot.close()


async def test_the_apology_is_offered_on_the_last_working_day_before_tet(
        before_tet: Harness, clock: Clock) -> None:
    bot = before_tet
    code = await file_pakn(bot)
    case = await bot.case(code)
    assert case.due_at == local(2, 23, 17)
    await bot.press(STAFF, f"ca:claim:{case.id}")
    await bot.new_messages()

    clock.set(local(2, 12, 8, 30))  # Thursday: Friday 13 and Monday 23 are left
    assert "due in 2 working days" in one(STAFF, await bot.tick()).text
    clock.set(local(2, 13, 8, 30))  # Friday 13: the last working day before Tết
    offer = one(STAFF, await bot.tick())
    assert code in offer.text and "written apology" in offer.text
    assert "17:00 13/02/2026" in offer.text, "owed by the end of the day before the due day"
    assert offer.payload("ca:apologise:") == f"ca:apologise:{case.id}"
    for day in (14, 16, 17, 18, 19, 20):
        clock.set(local(2, day, 10))
        assert await bot.tick() == [], f"{day}/02 is a day off"
    clock.set(local(2, 23, 8, 30))
    due_today = await bot.tick()
    assert "due today" in one(STAFF, due_today).text, "the offer is made once"

    ask = one(STAFF, await bot.press(STAFF, offer.payload("ca:apologise:")))
    assert "Why will the result be late" in ask.text


async def test_no_offer_once_a_new_date_is_given(before_tet: Harness, clock: Clock) -> None:
    bot = before_tet
    code = await file_pakn(bot)
    case_id = (await bot.case(code)).id
    await bot.press(STAFF, f"ca:claim:{case_id}")
    clock.set(local(2, 11, 10))
    await bot.press(STAFF, f"ca:apologise:{case_id}")
    await bot.text(STAFF, "Phải đo đạc lại thực địa cùng UBND xã.")
    await bot.press(STAFF, f"ss:d20260226:{case_id}")
    preview = one(STAFF, await bot.text(STAFF, "Phó Trưởng phòng"))
    await bot.press(STAFF, preview.payload("ss:apology:"))
    await bot.new_messages()
    clock.set(local(2, 13, 8, 30))
    assert not [m for m in await bot.tick() if "written apology" in m.text]


async def test_the_digest_says_the_calendar_is_estimated_until_confirmed(
        before_tet: Harness, clock: Clock) -> None:
    bot = before_tet
    await file_pakn(bot)
    clock.set(local(2, 3, 8, 30))  # nothing late: the administrators still hear of it
    told = one(ADMIN, await bot.tick())
    assert "Late cases" not in told.text
    assert "2026: estimated days: 24/11/2026" in told.text and "2027" not in told.text
    clock.set(local(2, 3, 10))
    assert to(ADMIN, await bot.tick()) == [], "once a day"

    clock.set(local(2, 24, 8, 30))  # late since yesterday's end of day
    digest = one(ADMIN, await bot.tick())
    assert "Late cases today (1)" in digest.text
    assert "2026: estimated days: 24/11/2026" in digest.text

    async with bot.store.unit_of_work() as uow:
        assert await calendar_use_cases.confirm(uow, "Admin", 2026, clock())
        assert not await calendar_use_cases.confirm(uow, "Admin", 2026, clock()), "once"
    clock.set(local(2, 25, 8, 30))
    digest = one(ADMIN, await bot.tick())
    assert "Late cases today (1)" in digest.text and "estimated" not in digest.text
    assert to(HEAD, await bot.tick()) == []


async def test_next_year_matters_from_november(bot: Harness) -> None:
    async with bot.store.unit_of_work() as uow:
        in_february = await calendar_use_cases.guessing(uow, local(2, 3, 9), VN)
        assert [(s.year, s.estimated, s.estimated_days) for s in in_february] == [
            (2026, False, (date(2026, 11, 24),))]
        in_december = await calendar_use_cases.guessing(uow, local(12, 1, 9), VN)
        assert [(s.year, s.estimated) for s in in_december] == [(2026, False), (2027, True)]
        await calendar_use_cases.confirm(uow, "Admin", 2027, local(12, 1, 9))
        assert [s.year for s in await calendar_use_cases.guessing(uow, local(12, 1, 9), VN)
                ] == [2026]
        await calendar_use_cases.confirm(uow, "Admin", 2026, local(12, 1, 9))
        assert await calendar_use_cases.guessing(uow, local(12, 1, 9), VN) == []
