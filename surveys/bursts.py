"""Possible stuffing of the satisfaction survey: bursts of unverified ratings given from
chat identities minutes old, at one desk (the same QR code) or from one network address.

A burst is BURST_COUNT or more such ratings at one place whose first and last are at
most BURST_MINUTES apart. At a real one-stop desk citizens finish one by one, a few an
hour, each from the chat account they have had for years; a script that makes new
accounts to rate does it by the dozen within minutes. Overlapping windows make one
burst, reported with its first and last rating and how many it holds.

The thresholds are the service's own choice (no legal text sets them): low enough to
catch a script, high enough that a busy desk's queue is not flagged.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

BURST_MINUTES = 10
BURST_COUNT = 10


class Place(StrEnum):
    DESK = "desk"
    ORIGIN = "origin"


@dataclass(frozen=True)
class Fresh:
    """An unverified rating given from a new chat identity, and where it came from."""

    at: datetime
    desk: int | None = None
    """The desk's QR code (survey token) it came through."""
    origin: str | None = None
    """A keyed hash of the network address it came from."""


@dataclass(frozen=True)
class Burst:
    place: Place
    key: int | str
    """The desk's QR code, or the hash of the address."""
    first: datetime
    last: datetime
    count: int


def find_bursts(ratings: Iterable[Fresh], minutes: int = BURST_MINUTES,
                count: int = BURST_COUNT) -> list[Burst]:
    """The bursts among `ratings` (in any order), the earliest first."""
    times: dict[tuple[Place, int | str], list[datetime]] = defaultdict(list)
    for rating in ratings:
        if rating.desk is not None:
            times[(Place.DESK, rating.desk)].append(rating.at)
        if rating.origin is not None:
            times[(Place.ORIGIN, rating.origin)].append(rating.at)
    window = timedelta(minutes=minutes)
    found = [Burst(place, key, first, last, size)
             for (place, key), moments in times.items()
             for first, last, size in _runs(sorted(moments), window, count)]
    return sorted(found, key=lambda b: (b.first, b.place, str(b.key)))


def _runs(moments: list[datetime], window: timedelta,
          count: int) -> list[tuple[datetime, datetime, int]]:
    """Spans of sorted moments covered by windows holding at least `count`, windows that
    share a moment merged: (first, last, how many)."""
    runs: list[tuple[int, int]] = []
    start = 0
    for end, moment in enumerate(moments):
        while moment - moments[start] > window:
            start += 1
        if end - start + 1 < count:
            continue
        if runs and start <= runs[-1][1]:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return [(moments[low], moments[high], high - low + 1) for low, high in runs]
