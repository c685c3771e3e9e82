"""Office hours for tests of the real service that wait on its scheduler."""

from datetime import UTC, datetime


def office_all_day() -> dict[str, str]:
    """A worker's settings under which its scheduler acts every second at any real time:
    from 00:00 to 23:59, in a time zone where it is now about noon, so that "today" and a
    date 30 minutes away stay one day for the whole test (in Vietnam's zone, a run at
    23:35 saw a case due in 30 minutes fall due tomorrow)."""
    offset = 12 - datetime.now(UTC).hour
    return {"PAKN_SCHEDULER_INTERVAL": "1", "PAKN_REMINDER_HOUR": "00:00",
            "PAKN_END_OF_DAY": "23:59",
            # Etc/GMT-7 is seven hours ahead of UTC: the sign is the other way round.
            "PAKN_TIMEZONE": "Etc/GMT" + (f"{-offset:+d}" if offset else "")}
