"""Use cases of the working calendar: where a year stands (decided, or estimated from
the Labour Code), and an administrator's confirmation that a year is right as it stands.
The CLI, the dashboard and the scheduler's digest all ask these."""

from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.calendars import YearStatus, bundled, year_status
from bot.core.ports import HasCalendar
from complaints.calendar import Decisions
from complaints.errors import ValidationError

FIRST_YEAR, LAST_YEAR = 1995, 2100
"""Years the calendar is computed for (the public holidays are known from 1995)."""
LOOKAHEAD = timedelta(days=60)
"""How far ahead deadlines being counted now can reach: next year matters from November."""


class Needs(HasCalendar, Protocol):
    """The repositories these use cases use."""


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError("year_out_of_range")
    return year


async def status_of(uow: Needs, year: int,
                    decisions: Decisions | None = None) -> YearStatus:
    check_year(year)
    confirmations = await uow.calendar.confirmations()
    return year_status(year, bundled() if decisions is None else decisions,
                       await uow.calendar.overrides(), confirmations.get(year))


async def confirm(uow: Needs, by: str, year: int, now: datetime) -> bool:
    """An administrator confirms a year's calendar as it stands (the Labour Code's days
    and the days declared); False when it was confirmed before."""
    check_year(year)
    return await uow.calendar.confirm(year, by, now)


async def guessing(uow: Needs, now: datetime, timezone: ZoneInfo) -> list[YearStatus]:
    """The years deadlines counted now fall in (this one, and the next one near the end of
    the year), where their calendar is guessed."""
    today = now.astimezone(timezone).date()
    years = sorted({today.year, (today + LOOKAHEAD).year})
    statuses = [await status_of(uow, year) for year in years]
    return [status for status in statuses if status.guessing]
