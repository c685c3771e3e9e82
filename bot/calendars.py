"""The working calendar in force: public holidays (the `holidays` package), the bundled
government decisions it may not carry yet, and the administrators' overrides, which win.
Built once per version of the overrides and kept for the process."""

from datetime import datetime
from importlib import resources
from typing import Protocol
from zoneinfo import ZoneInfo

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
