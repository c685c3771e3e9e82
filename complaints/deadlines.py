"""Where a case stands against its deadline, and which reminders it is owed.

Pure functions of the case, the moment and the working calendar: the scheduler asks
them on every round, and sends what they name under a key that makes sending twice
impossible, so a restart or a second worker neither repeats nor misses a reminder.
"""

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from complaints.calendar import WorkingCalendar, working_days_between
from complaints.case import Case, Status


class Standing(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    LATE = "late"


@dataclass(frozen=True)
class ReminderPolicy:
    before_days: tuple[int, ...] = (2, 0)
    """Remind the unit when this many working days are left (0: on the due day)."""
    unclaimed_days: int = 1
    """Remind the whole unit of a case nobody took within this many working days."""
    rating_reminder_days: int = 2
    """Remind a citizen who has not rated the handling, once, after this many days."""


def days_left(case: Case, now: datetime, calendar: WorkingCalendar, timezone: ZoneInfo) -> int:
    """Working days from today to the day the case is due (negative once it is late)."""
    today = now.astimezone(timezone).date()
    due_day = case.effective_due_at.astimezone(timezone).date()
    return working_days_between(calendar, today, due_day)


def standing(case: Case, now: datetime, calendar: WorkingCalendar, timezone: ZoneInfo,
             soon_days: int = 2) -> Standing:
    if now > case.effective_due_at:
        return Standing.LATE
    if days_left(case, now, calendar, timezone) <= soon_days:
        return Standing.DUE_SOON
    return Standing.ON_TRACK


def due_reminder(case: Case, now: datetime, calendar: WorkingCalendar, timezone: ZoneInfo,
                 policy: ReminderPolicy) -> int | None:
    """The reminder step an open, not yet late case has reached: the smallest number of
    days left it has come within (a step missed while the service was down is sent late
    rather than never), or None."""
    if not case.is_open or now > case.effective_due_at:
        return None
    left = days_left(case, now, calendar, timezone)
    reached = [step for step in policy.before_days if left <= step]
    return min(reached) if reached else None


def unclaimed_too_long(case: Case, now: datetime, calendar: WorkingCalendar,
                       timezone: ZoneInfo, policy: ReminderPolicy) -> bool:
    if case.status is not Status.RECEIVED or case.assignee_id is not None:
        return False
    since = (case.routed_at or case.received_at).astimezone(timezone).date()
    waited = working_days_between(calendar, since, now.astimezone(timezone).date())
    return waited >= policy.unclaimed_days


def is_late(case: Case, now: datetime) -> bool:
    return case.is_open and now > case.effective_due_at


def apology_offered(case: Case, now: datetime, calendar: WorkingCalendar,
                    timezone: ZoneInfo) -> bool:
    """Staff are offered the written apology from the working day before the due day
    until the deadline, while the case is open without a new date: the one-stop rule
    for dossiers (Nghị định 118/2025/NĐ-CP art. 19 k.6: the apology no later than one
    day before the due date), applied to PAKN by analogy."""
    if not case.is_open or case.extended_due_at is not None or now > case.due_at:
        return False
    due_day = case.due_at.astimezone(timezone).date()
    return now.astimezone(timezone).date() >= calendar.previous_working_day(due_day)


def apology_owed_by(case: Case, calendar: WorkingCalendar, timezone: ZoneInfo,
                    end_of_day: time) -> datetime:
    """The end of the working day before the due day."""
    day = calendar.previous_working_day(case.due_at.astimezone(timezone).date())
    return datetime.combine(day, end_of_day, tzinfo=timezone)
