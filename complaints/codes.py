"""Tracking codes: PA-<year>-<6 digits>, numbered per year of receipt (local time)."""

import re

# People type codes with stray spaces ("PA - 2026 - 000 042"); the number must end
# after its six digits, so a longer number is not mistaken for another case's code.
_CODE = re.compile(r"P\s*A\s*-\s*((?:\d\s*){3}\d)\s*-\s*((?:\d\s*){5}\d)(?!\d)", re.ASCII)


def tracking_code(year: int, number: int) -> str:
    if not 1 <= number <= 999_999:
        raise ValueError(f"case number {number} out of range for a tracking code")
    return f"PA-{year:04d}-{number:06d}"


def parse_tracking_code(text: str) -> str | None:
    """Find a tracking code in what a person typed; tolerant of case and spaces."""
    match = _CODE.search(text.upper())
    if match is None:
        return None
    year, number = (int(re.sub(r"\s", "", group)) for group in match.groups())
    return tracking_code(year, number) if number else None
