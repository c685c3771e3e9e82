"""Tracking codes: PA-<year>-<6 digits>, numbered per year of receipt (local time)."""

import re

_CODE = re.compile(r"PA-(\d{4})-(\d{6})")


def tracking_code(year: int, number: int) -> str:
    if not 1 <= number <= 999_999:
        raise ValueError(f"case number {number} out of range for a tracking code")
    return f"PA-{year:04d}-{number:06d}"


def parse_tracking_code(text: str) -> str | None:
    """Find a tracking code in what a person typed; tolerant of case and spaces."""
    compact = re.sub(r"\s+", "", text.upper())
    match = _CODE.search(compact)
    return match.group(0) if match else None
