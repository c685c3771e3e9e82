"""The working calendar in force: public holidays (the `holidays` package), the bundled
government decisions it may not carry yet, and the administrators' overrides, which win.
Built once per version of the overrides and kept for the process. A year without its
decisions, or a day no decision names, is shown as an estimate until an administrator
confirms the year."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

from bot.core.records import Confirmation, Override
from bot.present.i18n import _, current_language, format_datetime
from complaints.calendar import (
    DayRule,
    Decisions,
    WorkingCalendar,
    calendar_with_rules,
    estimated_days,
    parse_decisions,
    year_estimated,
)


class CalendarSource(Protocol):
    async def version(self) -> str: ...
    async def overrides(self) -> list[Override]: ...


@cache
def bundled() -> Decisions:
    """The decisions shipped with the service (read once: they change with a release)."""
    text = resources.files("complaints").joinpath("data/calendar_vn.yaml").read_text("utf-8")
    return parse_decisions(text)


def bundled_decisions() -> list[DayRule]:
    return list(bundled().rules)


class Calendars:
    def __init__(self, decisions: list[DayRule] | None = None) -> None:
        self.decisions = bundled_decisions() if decisions is None else decisions
        self._built: dict[tuple[str, int], WorkingCalendar] = {}

    async def around(self, source: CalendarSource, moment: datetime,
                     timezone: ZoneInfo) -> WorkingCalendar:
        """A calendar covering the year of `moment` with the one before and two after:
        deadlines and reminders reach into the next year."""
        year = moment.astimezone(timezone).year
        key = (await source.version(), year)
        if key not in self._built:
            rules = self.decisions + [DayRule(o.day, o.kind, o.reason)
                                      for o in await source.overrides()]
            self._built[key] = calendar_with_rules(range(year - 1, year + 3), rules)
        return self._built[key]


@dataclass(frozen=True)
class YearStatus:
    """Whether a year's calendar is known from decisions or guessed."""

    year: int
    estimated: bool
    """No decisions bundled for the year and no administrator confirmed it."""
    estimated_days: tuple[date, ...]
    """Days off (or worked) by the Labour Code computation alone, no decision naming them."""
    confirmation: Confirmation | None

    @property
    def guessing(self) -> bool:
        return self.estimated or bool(self.estimated_days)


def year_status(year: int, decisions: Decisions, overrides: list[Override],
                confirmation: Confirmation | None) -> YearStatus:
    declared = [DayRule(o.day, o.kind, o.reason) for o in overrides]
    confirmed = confirmation is not None
    return YearStatus(year, year_estimated(year, decisions, confirmed),
                      tuple(estimated_days(year, decisions, declared, confirmed)), confirmation)


def estimate_note(status: YearStatus) -> str | None:
    """One line saying what is guessed in the year, or None when nothing is."""
    if status.estimated:
        return _("{year}: estimated. No government decision on its days off is bundled or "
                 "entered; the days below follow the Labour Code until an administrator "
                 "confirms the year.").format(year=status.year)
    if status.estimated_days:
        return _("{year}: estimated days: {days}. No decision names them; they follow the "
                 "Labour Code until an administrator confirms the year.").format(
            year=status.year, days=", ".join(f"{d:%d/%m/%Y}" for d in status.estimated_days))
    return None


def calendar_text(status: YearStatus, decisions: Decisions, overrides: list[Override],
                  timezone: ZoneInfo) -> list[str]:
    """The year's days off and declared working days, with where each comes from, and
    the working days of each month; estimates marked as such."""
    year = status.year
    rules = list(decisions.rules) + [DayRule(o.day, o.kind, o.reason) for o in overrides]
    calendar = calendar_with_rules([year], rules)
    language = "vi" if current_language() == "vi" else "en_US"
    public = holidays.country_holidays("VN", years=[year], language=language)
    declared = {rule.day: rule for rule in rules if rule.day.year == year}
    lines = [_("Working calendar {year} (weekends: Saturday, Sunday)").format(year=year)]
    note = estimate_note(status)
    if note:
        lines.append(note)
    elif status.confirmation is not None:
        lines.append(_("{year}: confirmed by {who} on {date}.").format(
            year=year, who=status.confirmation.by,
            date=format_datetime(status.confirmation.at, timezone)))
    lines.append("")
    guessed = set(status.estimated_days)
    days = sorted({d for d in public if d.year == year} | set(declared)
                  | {d for d in calendar.extra_workdays if d.year == year})
    for day in days:
        state = _("working day") if calendar.is_working_day(day) else _("day off")
        source = (declared[day].reason if day in declared else public.get(day)
                  or _("swapped working day (public decision)"))
        if day in guessed or (status.estimated and day not in declared):
            source = _("{source} (estimated)").format(source=source)
        lines.append(f"  {day:%d/%m/%Y}  {state:<16}  {source}")
    lines += ["", _("Working days per month:")]
    for month in range(1, 13):
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        count = sum(1 for n in range((following - first).days)
                    if calendar.is_working_day(first + timedelta(days=n)))
        lines.append(f"  {first:%m/%Y}: {count}")
    return lines
