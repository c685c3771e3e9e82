"""The working calendar in force: public holidays (the `holidays` package), the bundled
government decisions it may not carry yet, and the administrators' overrides, which win.
Built once per version of the overrides and kept for the process."""

from datetime import date, datetime, timedelta
from importlib import resources
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

from bot.i18n import _, current_language
from complaints.calendar import DayRule, WorkingCalendar, calendar_with_rules, parse_day_rules
from storage.records import Override


class CalendarSource(Protocol):
    async def version(self) -> str: ...
    async def overrides(self) -> list[Override]: ...


def bundled_decisions() -> list[DayRule]:
    text = resources.files("complaints").joinpath("data/calendar_vn.yaml").read_text("utf-8")
    return parse_day_rules(text)


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


def calendar_text(year: int, decisions: list[DayRule], overrides: list[Override]) -> list[str]:
    """The year's days off and declared working days, with where each comes from, and
    the working days of each month."""
    rules = decisions + [DayRule(o.day, o.kind, o.reason) for o in overrides]
    calendar = calendar_with_rules([year], rules)
    language = "vi" if current_language() == "vi" else "en_US"
    public = holidays.country_holidays("VN", years=[year], language=language)
    declared = {rule.day: rule for rule in rules if rule.day.year == year}
    lines = [_("Working calendar {year} (weekends: Saturday, Sunday)").format(year=year), ""]
    days = sorted({d for d in public if d.year == year} | set(declared)
                  | {d for d in calendar.extra_workdays if d.year == year})
    for day in days:
        state = _("working day") if calendar.is_working_day(day) else _("day off")
        source = (declared[day].reason if day in declared else public.get(day)
                  or _("swapped working day (public decision)"))
        lines.append(f"  {day:%d/%m/%Y}  {state:<16}  {source}")
    lines += ["", _("Working days per month:")]
    for month in range(1, 13):
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        count = sum(1 for n in range((following - first).days)
                    if calendar.is_working_day(first + timedelta(days=n)))
        lines.append(f"  {first:%m/%Y}: {count}")
    return lines
