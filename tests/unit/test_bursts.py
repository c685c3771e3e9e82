"""Bursts of unverified ratings from new chat identities: the windows found, against a
direct count of every window, whatever the order and spacing of the ratings."""

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from surveys.bursts import BURST_COUNT, BURST_MINUTES, Burst, Fresh, Place, find_bursts

START = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=BURST_MINUTES)


def at_desk(desk: int, *seconds: float) -> list[Fresh]:
    return [Fresh(START + timedelta(seconds=s), desk=desk) for s in seconds]


def test_twelve_in_five_minutes_at_one_desk_are_one_burst() -> None:
    ratings = at_desk(7, *(25 * n for n in range(12)))
    assert find_bursts(ratings) == [
        Burst(Place.DESK, 7, START, START + timedelta(seconds=275), 12)]


def test_twelve_over_two_hours_are_not() -> None:
    assert find_bursts(at_desk(7, *(600 * n for n in range(12)))) == []


def test_the_limits_are_included() -> None:
    exactly = at_desk(1, *range(0, BURST_COUNT - 1), WINDOW.total_seconds())
    assert [b.count for b in find_bursts(exactly)] == [BURST_COUNT]
    assert find_bursts(exactly[1:]) == []  # one fewer
    late = at_desk(1, *range(0, BURST_COUNT - 1), WINDOW.total_seconds() + 1)
    assert find_bursts(late) == []


def test_desks_and_addresses_are_places_of_their_own() -> None:
    ratings = [Fresh(START + timedelta(seconds=10 * n), desk=n % 2, origin="a" if n < 10
                     else None) for n in range(20)]
    assert [(b.place, b.key, b.count) for b in find_bursts(ratings)] == [
        (Place.DESK, 0, 10), (Place.ORIGIN, "a", 10), (Place.DESK, 1, 10)]


def test_overlapping_windows_make_one_burst_and_gaps_two() -> None:
    minute = 60.0
    ratings = at_desk(3, *(minute * n for n in range(30)),  # half an hour, one a minute
                      *(7200 + n for n in range(10)))  # two hours later, ten at once
    bursts = find_bursts(ratings, count=10)
    assert [(b.first - START, b.last - START, b.count) for b in bursts] == [
        (timedelta(0), timedelta(minutes=29), 30),
        (timedelta(hours=2), timedelta(hours=2, seconds=9), 10)]


def flagged_by_every_window(moments: list[datetime], count: int) -> set[int]:
    """The positions of sorted moments in some window of `count` or more: each window
    from each moment, counted one by one."""
    flagged: set[int] = set()
    for low, first in enumerate(moments):
        inside = [i for i in range(low, len(moments)) if moments[i] - first <= WINDOW]
        if len(inside) >= count:
            flagged.update(inside)
    return flagged


ratings_strategy = st.lists(
    st.tuples(st.integers(0, 3 * 3600), st.sampled_from([None, 1, 2]),
              st.sampled_from([None, "a", "b"])),
    max_size=80)


@given(ratings_strategy, st.integers(1, 12), st.randoms(use_true_random=False))
def test_bursts_hold_exactly_the_ratings_of_full_windows(
        raw: list[tuple[int, int | None, str | None]], count: int, shuffle: random.Random) -> None:
    ratings = [Fresh(START + timedelta(seconds=s), desk, origin) for s, desk, origin in raw]
    bursts = find_bursts(ratings, count=count)
    shuffle.shuffle(ratings)
    assert find_bursts(ratings, count=count) == bursts  # the order given does not matter
    assert bursts == sorted(bursts, key=lambda b: (b.first, b.place, str(b.key)))
    for place, keys in ((Place.DESK, (1, 2)), (Place.ORIGIN, ("a", "b"))):
        for key in keys:
            moments = sorted(r.at for r in ratings
                             if (r.desk if place is Place.DESK else r.origin) == key)
            mine = [b for b in bursts if (b.place, b.key) == (place, key)]
            covered = {i for i, moment in enumerate(moments)
                       for b in mine if b.first <= moment <= b.last}
            assert covered == flagged_by_every_window(moments, count)
            for burst in mine:
                assert burst.count >= count
                assert burst.count == sum(burst.first <= m <= burst.last for m in moments)
            for before, after in pairwise(mine):
                assert before.last < after.first  # separate bursts never overlap
