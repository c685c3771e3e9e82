"""Reporting periods, bounded in local time: a month, a quarter, the first six or nine
months, a year, or any range of days.

Written as 2026, 2026-Q1, 2026-H1, 2026-9M, 2026-03, or 2026-01-01..2026-03-31."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from surveys.errors import PeriodError


@dataclass(frozen=True)
class Period:
    label: str
    first: date
    """First day, included."""
    last: date
    """Last day, included."""

    def bounds(self, timezone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: from local midnight of the first day to local midnight
        after the last."""
        start = datetime.combine(self.first, time(0), tzinfo=timezone)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=timezone)
        return start.astimezone(UTC), end.astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> "Period":
        """The period of the same kind just before: the previous month, quarter, year..."""
        kind = _kind(self.label)
        if kind == "year":
            return parse_period(str(self.first.year - 1))
        if kind == "quarter":
            quarter = (self.first.month - 1) // 3
            year, quarter = (self.first.year, quarter) if quarter else (self.first.year - 1, 4)
            return parse_period(f"{year}-Q{quarter}")
        if kind == "month":
            year, month = ((self.first.year, self.first.month - 1) if self.first.month > 1
                           else (self.first.year - 1, 12))
            return parse_period(f"{year}-{month:02d}")
        if kind in ("half", "nine"):
            return parse_period(f"{self.first.year - 1}{self.label[4:]}")
        return Period(f"{self.first - timedelta(days=self.days)}..{self.first - timedelta(1)}",
                      self.first - timedelta(days=self.days), self.first - timedelta(days=1))


FIRST_YEAR, LAST_YEAR = 1900, 2199
"""Periods outside these years are refused: nothing to count there, and date arithmetic
at the edges of the calendar would fail."""


def parse_period(text: str) -> Period:
    text = text.strip().upper()
    if any(not FIRST_YEAR <= int(year) <= LAST_YEAR for year in re.findall(r"\d{4}", text)):
        raise PeriodError(f"a period between {FIRST_YEAR} and {LAST_YEAR}, please")
    return _parse(text)


def _parse(text: str) -> Period:
    if match := re.fullmatch(r"(\d{4})", text):
        year = int(match.group(1))
        return Period(text, date(year, 1, 1), date(year, 12, 31))
    if match := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        year, quarter = int(match.group(1)), int(match.group(2))
        return Period(text, date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))
    if match := re.fullmatch(r"(\d{4})-H([12])", text):
        year, half = int(match.group(1)), int(match.group(2))
        return Period(text, date(year, 6 * half - 5, 1), _month_end(year, 6 * half))
    if match := re.fullmatch(r"(\d{4})-9M", text):
        year = int(match.group(1))
        return Period(text, date(year, 1, 1), date(year, 9, 30))
    if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"no month {month}")
        return Period(text, date(year, month, 1), _month_end(year, month))
    if match := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
        try:
            first, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
        except ValueError as exc:
            raise PeriodError(str(exc)) from None
        if last < first:
            raise PeriodError("the range ends before it starts")
        return Period(text, first, last)
    raise PeriodError("write a period as 2026, 2026-Q1, 2026-H1, 2026-9M, 2026-03 or "
                      "2026-01-01..2026-03-31")


def months_of(period: Period) -> list[Period]:
    """The months a period spans (cut to the period), for trends."""
    months, cursor = [], period.first.replace(day=1)
    while cursor <= period.last:
        end = _month_end(cursor.year, cursor.month)
        months.append(Period(f"{cursor:%Y-%m}", max(cursor, period.first), min(end, period.last)))
        cursor = end + timedelta(days=1)
    return months


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _kind(label: str) -> str:
    if re.fullmatch(r"\d{4}", label):
        return "year"
    if "-Q" in label:
        return "quarter"
    if "-H" in label:
        return "half"
    if label.endswith("-9M"):
        return "nine"
    if re.fullmatch(r"\d{4}-\d{2}", label):
        return "month"
    return "range"
