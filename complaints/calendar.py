"""The Vietnamese working calendar and deadline counting.

Rules (Bộ luật Dân sự 2015 arts. 147-148):
- the day of receipt is not counted: counting starts the next working day;
- an item received on a non-working day, or after the cut-off hour of a working day,
  is deemed received on the next working day (the one-stop desk's 15:00 rule for
  forwarding dossiers, Nghị định 118/2025/NĐ-CP, applied to PAKN by analogy);
- a deadline is the end of the working day reached by counting the time limit in working
  days only, so it never falls on a day off. Its end is a setting: 17:00, the end of
  office hours, or 24:00 (Bộ luật Dân sự art. 148), kept as the last microsecond of the
  day (`END_OF_CIVIL_DAY`) so that "no later than the deadline" stays a plain <=.

Which days are off comes from the Government's decisions where they are known; a year
(or a day) computed from the Labour Code alone is an estimate until confirmed.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import yaml

SATURDAY, SUNDAY = 5, 6
OFFICE_CLOSE = time(17, 0)
END_OF_CIVIL_DAY = time.max
"""24:00 of the Civil Code: nothing stored with microseconds comes after it that day."""


@dataclass(frozen=True)
class WorkingCalendar:
    days_off: frozenset[date] = frozenset()
    """Public holidays and extra days off that fall on weekdays or weekends."""
    extra_workdays: frozenset[date] = frozenset()
    """Weekend days declared working days (a swapped "làm bù" Saturday)."""
    weekend: frozenset[int] = field(default=frozenset({SATURDAY, SUNDAY}))

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() not in self.weekend and day not in self.days_off

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day


def vietnam_calendar(
    years: Iterable[int],
    extra_days_off: Iterable[date] = (),
    extra_workdays: Iterable[date] = (),
) -> WorkingCalendar:
    """Public holidays of Vietnam (lunar Tết and Giỗ Tổ included) plus local overrides."""
    official = holidays.country_holidays("VN", years=list(years))
    days_off = set(official.keys()) | set(extra_days_off)
    workdays = set(official.weekend_workdays) | set(extra_workdays)
    return WorkingCalendar(
        days_off=frozenset(days_off - set(extra_workdays)),
        extra_workdays=frozenset(workdays - set(extra_days_off)),
    )


def add_working_days(calendar: WorkingCalendar, start: date, days: int) -> date:
    """The `days`-th working day after `start` (start itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    for _ in range(days):
        current = calendar.next_working_day(current)
    return current


def working_days_between(calendar: WorkingCalendar, start: date, end: date) -> int:
    """Working days in (start, end]: how many days of a time limit have been used.
    Negative when `end` comes first (days left before a deadline)."""
    if end < start:
        return -working_days_between(calendar, end, start)
    return sum(1 for offset in range(1, (end - start).days + 1)
               if calendar.is_working_day(start + timedelta(days=offset)))


@dataclass(frozen=True)
class DeadlineRules:
    timezone: str = "Asia/Ho_Chi_Minh"
    cutoff: time = time(15, 0)
    end_of_day: time = time(17, 0)

    def receipt_day(self, calendar: WorkingCalendar, received_at: datetime) -> date:
        """The working day on which an item received at `received_at` counts as received."""
        if received_at.tzinfo is None:
            raise ValueError("received_at must carry its time zone")
        local = received_at.astimezone(ZoneInfo(self.timezone))
        day = local.date()
        if calendar.is_working_day(day) and local.time() < self.cutoff:
            return day
        return calendar.next_working_day(day)

    def deadline(self, calendar: WorkingCalendar, received_at: datetime, days: int) -> datetime:
        """The moment (UTC) a time limit of `days` working days runs out."""
        due_day = add_working_days(calendar, self.receipt_day(calendar, received_at), days)
        local_end = datetime.combine(due_day, self.end_of_day, tzinfo=ZoneInfo(self.timezone))
        return local_end.astimezone(UTC)


@dataclass(frozen=True)
class DayRule:
    """A day declared off or working by a decision or an administrator."""

    day: date
    kind: str
    reason: str

    def __post_init__(self) -> None:
        if self.kind not in ("off", "work"):
            raise ValueError(f"a day is declared 'off' or 'work', not {self.kind!r}")


@dataclass(frozen=True)
class Decisions:
    """Government decisions on days off: the days they name, and the years they cover
    completely (every weekday off and every swapped working day of the year)."""

    rules: tuple[DayRule, ...] = ()
    years: frozenset[int] = frozenset()


def parse_decisions(text: str) -> Decisions:
    """{years: [...], days: [{day, kind, reason}, ...]}."""
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError("the decisions file is a mapping with 'years' and 'days'")
    rules = tuple(DayRule(date.fromisoformat(str(e["day"])), str(e["kind"]), str(e["reason"]))
                  for e in data.get("days") or [])
    years = frozenset(int(y) for y in data.get("years") or [])
    for rule in rules:
        if rule.day.year not in years:
            raise ValueError(f"{rule.day}: its year is not among the years covered")
    return Decisions(rules, years)


def estimated_days(year: int, decisions: Decisions, declared: Iterable[DayRule],
                   confirmed: bool) -> list[date]:
    """The days of `year` that are off on a weekday, or worked on a weekend, only because
    the Labour Code computation says so: no decision bundled, no day declared by an
    administrator, and the year not confirmed. Each is a guess."""
    if confirmed:
        return []
    official = holidays.country_holidays("VN", years=[year])
    named = {rule.day for rule in (*decisions.rules, *declared)}
    guessed = {d for d in official if d.year == year and d.weekday() not in (SATURDAY, SUNDAY)}
    guessed |= {d for d in official.weekend_workdays if d.year == year}
    return sorted(guessed - named)


def year_estimated(year: int, decisions: Decisions, confirmed: bool) -> bool:
    """A year whose decisions are not all bundled, unless an administrator confirmed it."""
    return not confirmed and year not in decisions.years


def calendar_with_rules(years: Iterable[int], rules: Iterable[DayRule]) -> WorkingCalendar:
    """Public holidays plus day rules; for a day named twice, the later rule wins."""
    by_day = {rule.day: rule for rule in rules}
    return vietnam_calendar(
        years,
        extra_days_off=[d for d, r in by_day.items() if r.kind == "off"],
        extra_workdays=[d for d, r in by_day.items() if r.kind == "work"],
    )
