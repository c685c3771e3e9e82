"""The Vietnamese working calendar and PAKN deadlines, checked against known dates.

Expected dates are worked out by hand from the official calendar (weekends, the days off
the Prime Minister fixed for Tết and 2/9, swapped "làm bù" Saturdays); each test says how.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.calendars import bundled, bundled_decisions
from bot.present.i18n import format_datetime, use_locale
from complaints.calendar import (
    END_OF_CIVIL_DAY,
    DayRule,
    DeadlineRules,
    WorkingCalendar,
    add_working_days,
    calendar_with_rules,
    estimated_days,
    parse_decisions,
    vietnam_calendar,
    working_days_between,
    year_estimated,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = vietnam_calendar([2025, 2026])
RULES = DeadlineRules()


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def due(y: int, m: int, d: int) -> datetime:
    """17:00 in Việt Nam (UTC+7, no daylight saving) is 10:00 UTC the same day."""
    return datetime(y, m, d, 10, 0, tzinfo=UTC)


# --- which days are working days ---------------------------------------------------------

def test_weekdays_work_and_weekends_rest() -> None:
    # 3-7/3/2025 is an ordinary Monday-Friday week.
    for day in range(3, 8):
        assert CAL.is_working_day(date(2025, 3, day))
    assert not CAL.is_working_day(date(2025, 3, 8))   # Saturday
    assert not CAL.is_working_day(date(2025, 3, 9))   # Sunday


def test_tet_2025_is_27_january_to_1_february() -> None:
    # Tết Ất Tỵ: Monday 27/1 to Saturday 1/2/2025 off; back to work Monday 3/2.
    for day in (date(2025, 1, 27) + timedelta(days=n) for n in range(6)):
        assert not CAL.is_working_day(day), day
    assert CAL.is_working_day(date(2025, 1, 24))      # Friday before
    assert not CAL.is_working_day(date(2025, 2, 2))   # Sunday
    assert CAL.is_working_day(date(2025, 2, 3))


def test_tet_2026_is_16_to_20_february() -> None:
    # Tết Bính Ngọ: Monday 16/2 to Friday 20/2/2026 off.
    for day in range(16, 21):
        assert not CAL.is_working_day(date(2026, 2, day)), day
    assert CAL.is_working_day(date(2026, 2, 13))      # Friday before
    assert CAL.is_working_day(date(2026, 2, 23))      # Monday after


def test_hung_kings_day_2026_falls_on_a_sunday_and_monday_27_april_is_off() -> None:
    # 10/3 lunar = Sunday 26/4/2026; the compensatory day off is Monday 27/4.
    assert date(2026, 4, 26).weekday() == 6
    assert not CAL.is_working_day(date(2026, 4, 26))
    assert not CAL.is_working_day(date(2026, 4, 27))
    assert CAL.is_working_day(date(2026, 4, 28))
    assert CAL.is_working_day(date(2026, 4, 29))


def test_hung_kings_day_2025_is_monday_7_april() -> None:
    assert not CAL.is_working_day(date(2025, 4, 7))
    assert CAL.is_working_day(date(2025, 4, 8))


@pytest.mark.parametrize("year", [2025, 2026])
def test_30_april_and_1_may_are_off(year: int) -> None:
    assert not CAL.is_working_day(date(year, 4, 30))
    assert not CAL.is_working_day(date(year, 5, 1))


def test_2025_april_bridge_friday_2_may_off_saturday_26_april_worked() -> None:
    # 2025: Friday 2/5 was given off in exchange for working Saturday 26/4.
    assert not CAL.is_working_day(date(2025, 5, 2))
    assert date(2025, 4, 26).weekday() == 5
    assert CAL.is_working_day(date(2025, 4, 26))
    assert not CAL.is_working_day(date(2025, 4, 27))  # the Sunday is still a rest day


def test_national_day_2025_is_1_and_2_september() -> None:
    assert CAL.is_working_day(date(2025, 8, 29))      # Friday before
    assert not CAL.is_working_day(date(2025, 9, 1))   # Monday, the adjacent day
    assert not CAL.is_working_day(date(2025, 9, 2))   # Tuesday, 2/9
    assert CAL.is_working_day(date(2025, 9, 3))


def test_national_day_2026_31_august_swapped_for_saturday_22_august() -> None:
    # 2026: 1/9 (adjacent day) and 2/9 off; Monday 31/8 off in exchange for Saturday 22/8.
    assert not CAL.is_working_day(date(2026, 8, 31))
    assert not CAL.is_working_day(date(2026, 9, 1))
    assert not CAL.is_working_day(date(2026, 9, 2))
    assert CAL.is_working_day(date(2026, 9, 3))
    assert date(2026, 8, 22).weekday() == 5
    assert CAL.is_working_day(date(2026, 8, 22))
    assert not CAL.is_working_day(date(2026, 8, 23))


@pytest.mark.parametrize("year", [2025, 2026])
def test_new_year_day_is_off(year: int) -> None:
    assert not CAL.is_working_day(date(year, 1, 1))


def test_vietnam_culture_day_2026_is_off_and_can_be_overridden() -> None:
    # The holidays package lists 24/11 "Ngày Văn hóa Việt Nam" from 2026 (a Tuesday);
    # DOMAIN.md marks it "to confirm", so an extra working day must be able to undo it.
    assert not CAL.is_working_day(date(2026, 11, 24))
    assert CAL.is_working_day(date(2025, 11, 24))     # not before 2026 (a Monday)
    cal = vietnam_calendar([2026], extra_workdays=[date(2026, 11, 24)])
    assert cal.is_working_day(date(2026, 11, 24))


def test_only_the_years_asked_for_are_loaded() -> None:
    # A calendar built for 2025 alone knows nothing of 1/1/2026 (a Thursday): callers
    # must ask for every year a deadline can reach.
    only_2025 = vietnam_calendar([2025])
    assert only_2025.is_working_day(date(2026, 1, 1))
    assert not CAL.is_working_day(date(2026, 1, 1))


def test_next_working_day_is_strictly_after() -> None:
    assert CAL.next_working_day(date(2025, 3, 4)) == date(2025, 3, 5)   # Tue -> Wed
    assert CAL.next_working_day(date(2025, 3, 7)) == date(2025, 3, 10)  # Fri -> Mon
    assert CAL.next_working_day(date(2025, 1, 24)) == date(2025, 2, 3)  # over Tết 2025


def test_a_bare_calendar_only_knows_weekends() -> None:
    bare = WorkingCalendar()
    assert bare.is_working_day(date(2025, 9, 2))
    assert not bare.is_working_day(date(2025, 9, 6))


# --- overrides ---------------------------------------------------------------------------

def test_an_extra_day_off_on_a_weekday() -> None:
    cal = vietnam_calendar([2025], extra_days_off=[date(2025, 3, 5)])
    assert not cal.is_working_day(date(2025, 3, 5))
    assert cal.next_working_day(date(2025, 3, 4)) == date(2025, 3, 6)


def test_an_extra_working_saturday() -> None:
    cal = vietnam_calendar([2025], extra_workdays=[date(2025, 3, 8)])
    assert cal.is_working_day(date(2025, 3, 8))
    assert cal.next_working_day(date(2025, 3, 7)) == date(2025, 3, 8)


def test_an_extra_workday_cancels_a_public_holiday() -> None:
    cal = vietnam_calendar([2025], extra_workdays=[date(2025, 9, 1)])
    assert cal.is_working_day(date(2025, 9, 1))
    assert not cal.is_working_day(date(2025, 9, 2))


def test_an_extra_day_off_cancels_a_swapped_saturday() -> None:
    cal = vietnam_calendar([2025], extra_days_off=[date(2025, 4, 26)])
    assert not cal.is_working_day(date(2025, 4, 26))


def test_overrides_do_not_leak_into_other_calendars() -> None:
    vietnam_calendar([2025], extra_days_off=[date(2025, 3, 5)])
    assert vietnam_calendar([2025]).is_working_day(date(2025, 3, 5))


# --- counting working days ---------------------------------------------------------------

def test_add_zero_working_days_returns_the_start() -> None:
    assert add_working_days(CAL, date(2025, 3, 4), 0) == date(2025, 3, 4)
    # even when the start is a day off: nothing is counted, nothing moves
    assert add_working_days(CAL, date(2025, 9, 2), 0) == date(2025, 9, 2)


def test_add_working_days_skips_weekends() -> None:
    # Thursday 6/3/2025 + 2: Friday 7/3 (1), [8-9 weekend], Monday 10/3 (2).
    assert add_working_days(CAL, date(2025, 3, 6), 2) == date(2025, 3, 10)
    # Ten working days from Monday 3/3 are two full weeks: Monday 17/3.
    assert add_working_days(CAL, date(2025, 3, 3), 10) == date(2025, 3, 17)


def test_add_working_days_counts_the_swapped_saturday() -> None:
    # Friday 25/4/2025 + 2: Saturday 26/4 is worked (1), [27 Sun], Monday 28/4 (2).
    assert add_working_days(CAL, date(2025, 4, 25), 2) == date(2025, 4, 28)


def test_add_working_days_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError):
        add_working_days(CAL, date(2025, 3, 4), -1)


def test_working_days_between_counts_the_end_but_not_the_start() -> None:
    assert working_days_between(CAL, date(2025, 3, 4), date(2025, 3, 4)) == 0
    assert working_days_between(CAL, date(2025, 3, 4), date(2025, 3, 5)) == 1
    # Friday to Monday: Saturday and Sunday do not count.
    assert working_days_between(CAL, date(2025, 3, 7), date(2025, 3, 10)) == 1
    # Friday to the following Sunday: only Monday-Friday 10-14/3.
    assert working_days_between(CAL, date(2025, 3, 7), date(2025, 3, 16)) == 5


def test_working_days_between_across_tet_2025() -> None:
    # Friday 24/1 to Monday 3/2/2025: everything in between is weekend or Tết.
    assert working_days_between(CAL, date(2025, 1, 24), date(2025, 2, 3)) == 1


def test_working_days_between_counts_the_swapped_saturday() -> None:
    # Thursday 20/8/2026 to Monday 24/8: Fri 21 (1), Sat 22 worked (2), Mon 24 (3).
    assert working_days_between(CAL, date(2026, 8, 20), date(2026, 8, 24)) == 3


def test_working_days_between_is_negative_backwards() -> None:
    assert working_days_between(CAL, date(2025, 3, 10), date(2025, 3, 7)) == -1
    assert working_days_between(CAL, date(2025, 2, 3), date(2025, 1, 24)) == -1
    assert working_days_between(CAL, date(2025, 3, 16), date(2025, 3, 7)) == -5


@pytest.mark.parametrize("start", [
    date(2025, 1, 24), date(2025, 1, 28), date(2025, 4, 26), date(2025, 4, 27),
    date(2025, 8, 29), date(2025, 12, 29), date(2026, 2, 14), date(2026, 8, 21),
])
@pytest.mark.parametrize("days", [0, 1, 5, 10, 30])
def test_counting_forward_then_measuring_gives_the_same_number(start: date, days: int) -> None:
    assert working_days_between(CAL, start, add_working_days(CAL, start, days)) == days


# --- the day a PAKN counts as received -----------------------------------------------------

def test_before_the_cutoff_the_day_of_receipt_is_that_day() -> None:
    assert RULES.receipt_day(CAL, local(2025, 3, 4, 14, 59)) == date(2025, 3, 4)
    assert RULES.receipt_day(CAL, local(2025, 3, 4, 0, 0)) == date(2025, 3, 4)


def test_at_or_after_the_cutoff_it_is_the_next_working_day() -> None:
    assert RULES.receipt_day(CAL, local(2025, 3, 4, 15, 0)) == date(2025, 3, 5)
    assert RULES.receipt_day(CAL, local(2025, 3, 7, 16, 30)) == date(2025, 3, 10)  # Fri -> Mon


def test_on_a_day_off_it_is_the_next_working_day() -> None:
    assert RULES.receipt_day(CAL, local(2025, 3, 8, 10)) == date(2025, 3, 10)   # Saturday
    assert RULES.receipt_day(CAL, local(2025, 9, 2, 10)) == date(2025, 9, 3)    # 2/9


def test_the_local_date_counts_not_the_utc_date() -> None:
    # 23:30 UTC on Tuesday 4/3 is 06:30 on Wednesday 5/3 in Việt Nam.
    assert RULES.receipt_day(CAL, datetime(2025, 3, 4, 23, 30, tzinfo=UTC)) == date(2025, 3, 5)
    # 07:59 UTC is 14:59 local, before the cut-off; 08:00 UTC is 15:00, at it.
    assert RULES.receipt_day(CAL, datetime(2025, 3, 4, 7, 59, tzinfo=UTC)) == date(2025, 3, 4)
    assert RULES.receipt_day(CAL, datetime(2025, 3, 4, 8, 0, tzinfo=UTC)) == date(2025, 3, 5)


def test_the_cutoff_is_configurable() -> None:
    late = DeadlineRules(cutoff=time(16, 30))
    assert late.receipt_day(CAL, local(2025, 3, 4, 16, 29)) == date(2025, 3, 4)
    assert late.receipt_day(CAL, local(2025, 3, 4, 16, 30)) == date(2025, 3, 5)


# --- deadlines ---------------------------------------------------------------------------

def test_a_deadline_is_17_00_local_returned_in_utc() -> None:
    # Tuesday 4/3/2025 09:00 + 1 working day: Wednesday 5/3 at 17:00 local = 10:00 UTC.
    deadline = RULES.deadline(CAL, local(2025, 3, 4), 1)
    assert deadline == due(2025, 3, 5)
    assert deadline.tzinfo is UTC
    assert deadline.astimezone(VN).time() == time(17, 0)


def test_the_cutoff_moves_the_deadline_by_one_working_day() -> None:
    # 14:59 on Tuesday 4/3: received that day, 1 day -> Wednesday 5/3.
    assert RULES.deadline(CAL, local(2025, 3, 4, 14, 59), 1) == due(2025, 3, 5)
    # 15:00: received Wednesday 5/3, 1 day -> Thursday 6/3.
    assert RULES.deadline(CAL, local(2025, 3, 4, 15, 0), 1) == due(2025, 3, 6)


def test_receipt_on_a_saturday_counts_from_the_next_working_day() -> None:
    # Saturday 8/3/2025 is deemed received Monday 10/3; 1 day -> Tuesday 11/3,
    # 10 days -> Monday 24/3 (11-14 = 4, 17-21 = 9, 24 = 10).
    assert RULES.deadline(CAL, local(2025, 3, 8, 10), 1) == due(2025, 3, 11)
    assert RULES.deadline(CAL, local(2025, 3, 8, 10), 10) == due(2025, 3, 24)


def test_receipt_on_a_swapped_saturday_counts_that_saturday() -> None:
    # Saturday 26/4/2025 is a working day: received that day; 1 day -> Monday 28/4.
    assert RULES.deadline(CAL, local(2025, 4, 26, 10), 1) == due(2025, 4, 28)


def test_a_deadline_that_would_fall_on_a_holiday_moves_past_it() -> None:
    # Monday 28/4/2025 + 2 days: Tuesday 29/4 (1); 30/4, 1/5, 2/5 are off and 3-4/5 a
    # weekend, so the second day is Monday 5/5 instead of 30/4.
    assert RULES.deadline(CAL, local(2025, 4, 28), 2) == due(2025, 5, 5)


def test_a_deadline_across_tet_2025() -> None:
    # Friday 24/1/2025 + 1 day: 25/1-2/2 is weekend and Tết -> Monday 3/2.
    assert RULES.deadline(CAL, local(2025, 1, 24), 1) == due(2025, 2, 3)


def test_a_deadline_across_tet_2026() -> None:
    # Friday 13/2/2026 + 1 day: 14-15 weekend, 16-20 Tết, 21-22 weekend -> Monday 23/2.
    assert RULES.deadline(CAL, local(2026, 2, 13), 1) == due(2026, 2, 23)
    # + 5 days: 23, 24, 25, 26, 27/2 -> Friday 27/2.
    assert RULES.deadline(CAL, local(2026, 2, 13), 5) == due(2026, 2, 27)


def test_a_deadline_across_hung_kings_day_and_30_april_2026() -> None:
    # Friday 24/4/2026 + 3 days: [25-26 weekend, 27 compensatory day off],
    # Tue 28 (1), Wed 29 (2), [30/4, 1/5 off, 2-3/5 weekend], Monday 4/5 (3).
    assert RULES.deadline(CAL, local(2026, 4, 24), 3) == due(2026, 5, 4)


def test_a_deadline_across_national_day_2026() -> None:
    # Friday 28/8/2026 + 1 day: [29-30 weekend, 31/8, 1/9, 2/9 off] -> Thursday 3/9.
    assert RULES.deadline(CAL, local(2026, 8, 28), 1) == due(2026, 9, 3)
    # Friday 21/8/2026 + 1 day: Saturday 22/8 is a working day.
    assert RULES.deadline(CAL, local(2026, 8, 21), 1) == due(2026, 8, 22)


def test_a_deadline_across_national_day_2025() -> None:
    # Friday 29/8/2025 + 1 day: [30-31 weekend, 1/9, 2/9 off] -> Wednesday 3/9.
    assert RULES.deadline(CAL, local(2025, 8, 29), 1) == due(2025, 9, 3)


def test_a_deadline_across_the_year_boundary() -> None:
    # Monday 29/12/2025, 10 days, with the package's calendar: Tue 30 (1), Wed 31 (2),
    # [Thu 1/1/2026 off], Fri 2/1 (3), Mon 5-Fri 9 (4-8), Mon 12 (9), Tue 13/1/2026 (10).
    # (With the official swap, 2/1 off and Saturday 10/1 worked, it is 13/1 as well.)
    assert RULES.deadline(CAL, local(2025, 12, 29), 10) == due(2026, 1, 13)


OFFICIAL_NEW_YEAR_2026 = {
    "extra_days_off": [date(2026, 1, 2)], "extra_workdays": [date(2026, 1, 10)],
}


def test_new_year_2026_swap_is_known_from_the_bundled_decisions() -> None:
    # Công văn 12729/VPCP-KGVX (25/12/2025): Friday 2/1/2026 off, Saturday 10/1 worked.
    # The holidays package does not carry it; the bundled decisions do.
    cal = calendar_with_rules([2025, 2026], bundled_decisions())
    assert not cal.is_working_day(date(2026, 1, 2))
    assert cal.is_working_day(date(2026, 1, 10))
    assert RULES.deadline(cal, local(2025, 12, 31), 1) == due(2026, 1, 5)


def test_an_administrators_rule_wins_over_a_bundled_decision() -> None:
    mine = DayRule(date(2026, 1, 2), "work", "Trực Tết")
    cal = calendar_with_rules([2026], [*bundled_decisions(), mine])
    assert cal.is_working_day(date(2026, 1, 2))


def test_the_new_year_2026_swap_can_be_entered_as_overrides() -> None:
    cal = vietnam_calendar([2025, 2026], **OFFICIAL_NEW_YEAR_2026)
    assert not cal.is_working_day(date(2026, 1, 2))
    assert cal.is_working_day(date(2026, 1, 10))
    # Wednesday 31/12/2025 + 1: [1/1, 2/1 off, 3-4 weekend] -> Monday 5/1/2026.
    assert RULES.deadline(cal, local(2025, 12, 31), 1) == due(2026, 1, 5)
    # Friday 9/1 + 1: Saturday 10/1 is worked.
    assert RULES.deadline(cal, local(2026, 1, 9), 1) == due(2026, 1, 10)
    # The year-boundary case above lands on the same day: Tue 30 (1), Wed 31 (2),
    # Mon 5 - Fri 9 (3-7), Sat 10 (8), Mon 12 (9), Tue 13 (10).
    assert RULES.deadline(cal, local(2025, 12, 29), 10) == due(2026, 1, 13)


def test_a_five_day_forwarding_limit() -> None:
    # Wednesday 30/12/2025 16:00 (after the cut-off): received Wednesday 31/12;
    # 5 days: Fri 2/1 (1), Mon 5 - Thu 8 (2-5) -> Thursday 8/1/2026.
    assert RULES.deadline(CAL, local(2025, 12, 30, 16), 5) == due(2026, 1, 8)


def test_a_zero_day_limit_ends_on_the_day_of_receipt() -> None:
    assert RULES.deadline(CAL, local(2025, 3, 4, 9), 0) == due(2025, 3, 4)
    assert RULES.deadline(CAL, local(2025, 3, 8, 9), 0) == due(2025, 3, 10)  # Saturday


def test_a_deadline_never_falls_on_a_day_off() -> None:
    start = local(2025, 1, 2)
    for days in range(0, 80):
        deadline = RULES.deadline(CAL, start, days)
        assert CAL.is_working_day(deadline.astimezone(VN).date()), days


def test_overrides_change_deadlines() -> None:
    # Tuesday 4/3/2025 + 1 day is Wednesday 5/3, unless 5/3 is declared a day off:
    # then Thursday 6/3.
    cal = vietnam_calendar([2025], extra_days_off=[date(2025, 3, 5)])
    assert RULES.deadline(cal, local(2025, 3, 4), 1) == due(2025, 3, 6)
    # Friday 7/3 + 1 day is Monday 10/3, unless Saturday 8/3 is declared worked.
    cal = vietnam_calendar([2025], extra_workdays=[date(2025, 3, 8)])
    assert RULES.deadline(cal, local(2025, 3, 7), 1) == due(2025, 3, 8)


def test_a_different_end_of_day() -> None:
    rules = DeadlineRules(end_of_day=time(16, 30))
    assert rules.deadline(CAL, local(2025, 3, 4), 1) == datetime(2025, 3, 5, 9, 30, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20),
                    timezones=st.just(VN)), st.integers(0, 30))
def test_a_due_day_ending_at_24_00_is_the_same_day_seven_hours_later(received: datetime,
                                                                     days: int) -> None:
    """Bộ luật Dân sự art. 148: the day ends at 24:00; office practice: at 17:00. The day
    is the same; only its last moment moves, and nothing on that day comes after it."""
    office = DeadlineRules(end_of_day=time(17, 0)).deadline(CAL, received, days)
    civil = DeadlineRules(end_of_day=END_OF_CIVIL_DAY).deadline(CAL, received, days)
    assert civil.astimezone(VN).date() == office.astimezone(VN).date()
    assert civil - office == timedelta(hours=7) - timedelta(microseconds=1)
    next_midnight = datetime.combine(civil.astimezone(VN).date() + timedelta(days=1), time(0),
                                     tzinfo=VN)
    assert civil < next_midnight and civil + timedelta(microseconds=1) == next_midnight


# --- the bundled decisions and what is estimated -------------------------------------------

DECIDED_OFF = {
    # Thông báo 6150/TB-LĐTBXH (15/11/2024) and the Labour Code 2019 art. 112.
    2025: {date(2025, 1, 1), *(date(2025, 1, d) for d in range(27, 32)), date(2025, 4, 7),
           date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2), date(2025, 9, 1),
           date(2025, 9, 2)},
    # Công văn 12729/VPCP-KGVX (New Year); the Prime Minister's decision announced by Bộ
    # Nội vụ (Tết 14-22/2, Quốc khánh 29/8-2/9 with 31/8 swapped); Giỗ Tổ on Sunday 26/4
    # taken on Monday 27/4 (art. 112 k.3).
    2026: {date(2026, 1, 1), date(2026, 1, 2), *(date(2026, 2, d) for d in range(16, 21)),
           date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1), date(2026, 8, 31),
           date(2026, 9, 1), date(2026, 9, 2)},
}
DECIDED_WORK = {2025: {date(2025, 4, 26)}, 2026: {date(2026, 1, 10), date(2026, 8, 22)}}


@pytest.mark.parametrize("year", [2025, 2026])
def test_each_bundled_day_is_what_the_decisions_say(year: int) -> None:
    decisions = bundled()
    assert year in decisions.years
    rules = [r for r in decisions.rules if r.day.year == year]
    assert {r.day for r in rules if r.kind == "off"} == DECIDED_OFF[year]
    assert {r.day for r in rules if r.kind == "work"} == DECIDED_WORK[year]
    for rule in rules:
        assert any(source in rule.reason for source in (
            "Bộ luật Lao động 2019", "6150/TB-LĐTBXH", "12729/VPCP-KGVX",
            "Bộ Nội vụ thông báo")), rule
    cal = calendar_with_rules([year], decisions.rules)
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(365)]
    weekdays_off = {d for d in days if d.weekday() < 5 and not cal.is_working_day(d)}
    weekend_work = {d for d in days if d.weekday() >= 5 and cal.is_working_day(d)}
    # 24/11/2026 comes from the Labour Code computation alone: the only estimate.
    assert weekdays_off - DECIDED_OFF[year] == ({date(2026, 11, 24)} if year == 2026 else set())
    assert weekend_work == DECIDED_WORK[year]
    assert estimated_days(year, decisions, [], confirmed=False) == (
        [date(2026, 11, 24)] if year == 2026 else [])
    assert not year_estimated(year, decisions, confirmed=False)


def test_a_decisions_file_names_only_days_of_the_years_it_covers() -> None:
    with pytest.raises(ValueError, match="not among the years covered"):
        parse_decisions("years: [2026]\ndays:\n- {day: 2027-01-01, kind: 'off', reason: x}\n")
    with pytest.raises(ValueError, match="mapping"):
        parse_decisions("- {day: 2026-01-01, kind: 'off', reason: x}\n")


@given(st.integers(1995, 2100), st.booleans(), st.sets(st.dates(), max_size=5))
def test_what_is_estimated(year: int, confirmed: bool, declared_days: set[date]) -> None:
    decisions = bundled()
    declared = [DayRule(d, "off", "x") for d in declared_days]
    guessed = estimated_days(year, decisions, declared, confirmed)
    assert year_estimated(year, decisions, confirmed) == (
        not confirmed and year not in (2025, 2026))
    if confirmed:
        assert guessed == []
    official = vietnam_calendar([year])
    for day in guessed:
        assert day.year == year and day not in declared_days
        assert (day in official.days_off) != (day in official.extra_workdays)
    if not confirmed and year not in (2025, 2026):
        # Every weekday off of the computation is a guess unless declared.
        assert {d for d in official.days_off if d.year == year and d.weekday() < 5
                and d not in declared_days} <= set(guessed)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_deadline_at_24_00_is_written_24_00(language: str) -> None:
    with use_locale(language):
        civil = datetime.combine(date(2026, 2, 13), END_OF_CIVIL_DAY, tzinfo=VN)
        assert format_datetime(civil, VN) == "24:00 13/02/2026"
        assert format_datetime(local(2026, 2, 13, 17), VN) == "17:00 13/02/2026"
