"""The buckets behind every limit, in the database: parallel takers never get more than
there are, also from two engines (two workers) on one database; they refill at their
rate; a refused request changes nothing."""

import asyncio
import math
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.limits import Door, admit
from bot.runtime.settings import Limits, Rate
from storage.db import Database
from storage.uow import Store

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


async def _take(store: Store, key: str, rate: Rate, now: datetime) -> bool:
    async with store.unit_of_work() as uow:
        return await uow.limits.take(key, rate.count, rate.seconds, now)


async def test_parallel_takers_from_two_workers_never_exceed_the_bucket(
        database_url: str) -> None:
    workers = [Store(Database(database_url)), Store(Database(database_url))]
    rate = Rate(7, 3600)
    try:
        results = await asyncio.gather(*(
            _take(workers[n % 2], "door:ip:203.0.113.9", rate, T0) for n in range(60)))
        assert sum(results) == 7
        # Six minutes later (7 an hour: one every 8.6 minutes) still none; at nine, one.
        assert not await _take(workers[0], "door:ip:203.0.113.9", rate,
                               T0 + timedelta(minutes=6))
        assert await _take(workers[1], "door:ip:203.0.113.9", rate, T0 + timedelta(minutes=9))
        assert not await _take(workers[0], "door:ip:203.0.113.9", rate,
                               T0 + timedelta(minutes=9))
        # Other keys are their own buckets.
        assert await _take(workers[0], "door:ip:203.0.113.10", rate, T0)
    finally:
        for worker in workers:
            await worker.database.dispose()


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(1, 12), seconds=st.sampled_from([60, 900, 3600, 86400]),
       tries=st.integers(0, 30), gap=st.sampled_from([0.0, 0.5, 1.5, 2.5, 20.0]))
async def test_a_bucket_gives_its_count_then_one_per_interval(
        database_url: str, count: int, seconds: int, tries: int, gap: float) -> None:
    store = Store(Database(database_url))
    rate, key = Rate(count, seconds), f"t:{uuid.uuid4().hex}"
    try:
        got = [await _take(store, key, rate, T0) for _ in range(tries)]
        assert sum(got) == min(tries, count)
        assert got == sorted(got, reverse=True), "taken first, then refused"
        # `gap` intervals later, `gap` tokens have come back (whole ones usable), up to
        # the bucket's size.
        later = T0 + timedelta(seconds=gap * seconds / count)
        left = count - min(tries, count)
        more = [await _take(store, key, rate, later) for _ in range(count + 1)]
        assert sum(more) == min(count, math.floor(left + gap))
    finally:
        await store.database.dispose()


async def test_refused_at_one_bucket_spends_none_of_the_others(database_url: str) -> None:
    store = Store(Database(database_url))
    limits = Limits(filings=Rate(100, 3600), filings_address=Rate(2, 3600))
    try:
        for person in ("1", "2"):
            async with store.unit_of_work() as uow:
                assert await admit(uow, limits, Door.FILING, T0, identity=person,
                                   address="198.51.100.7") is None
        async with store.unit_of_work() as uow:
            over = await admit(uow, limits, Door.FILING, T0, identity="3",
                               address="198.51.100.7")
        assert over is not None and 0 < over.retry_after <= 1800
        assert over.until == T0 + timedelta(seconds=over.retry_after)
        async with store.unit_of_work() as uow:
            # Person 3's own bucket was given back: a hundred are still theirs elsewhere.
            for _ in range(100):
                assert await admit(uow, limits, Door.FILING, T0, identity="3",
                                   address=None) is None
            assert await admit(uow, limits, Door.FILING, T0, identity="3") is not None
    finally:
        await store.database.dispose()
