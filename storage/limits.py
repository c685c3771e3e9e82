"""Token buckets in the database, so that every worker counts against the same limit.

Taking a token is one statement (an upsert whose update applies only while a token is
left, RETURNING the row it changed): on PostgreSQL the row is locked until the
transaction ends and a concurrent taker waits and re-reads it, on SQLite the write lock
serialises takers, so parallel requests can never take more tokens than there are.
"""

from datetime import datetime
from functools import cache

from sqlalchemy import Float, Table, bindparam, case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RateBucketRow
from storage.prepared import Prepared
from storage.upsert import dialect_insert, dialect_name

PURGE_EVERY = 600.0
"""Seconds between two purges of full buckets by one worker."""

_table: Table = RateBucketRow.__table__  # type: ignore[assignment]
_row = RateBucketRow


class SqlRateBuckets:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take(self, key: str, capacity: int, seconds: float, now: datetime) -> bool:
        """Take a token from `key`'s bucket (`capacity` tokens, refilled over
        `seconds`); False when none is left, and then nothing changes."""
        at, rate = now.timestamp(), capacity / seconds
        taken = (await _take(dialect_name(self.session)).run(self.session, {
            "key": key, "capacity": float(capacity), "rate": rate, "at": at,
            "left": capacity - 1, "first_full": at + 1 / rate})).first() is not None
        if taken:
            await self._purge_now_and_then(at)
        return taken

    async def give_back(self, key: str, capacity: int, seconds: float,
                        now: datetime) -> None:
        """A token taken for something that did not happen after all."""
        t, rate = _table.c, capacity / seconds
        tokens = case((t.tokens + 1 > capacity, capacity), else_=t.tokens + 1)
        await self.session.execute(update(_row).where(t.key == key).values(
            tokens=tokens, full_at=t.full_at - 1 / rate))

    async def wait(self, key: str, capacity: int, seconds: float, now: datetime) -> float:
        """Seconds until `key`'s bucket has a token again."""
        row = (await self.session.execute(
            select(_table.c.tokens, _table.c.stamp).where(_table.c.key == key))).first()
        if row is None:
            return 0.0
        rate, at = capacity / seconds, now.timestamp()
        level = min(float(capacity), float(row.tokens) + max(0.0, at - row.stamp) * rate)
        return max(0.0, (1 - float(level)) / rate)

    async def _purge_now_and_then(self, at: float) -> None:
        """Full buckets are as good as none: forget them, at most every few minutes."""
        global _last_purge
        if at - _last_purge < PURGE_EVERY:
            return
        _last_purge = at
        await self.session.execute(delete(_row).where(_row.full_at < at))


_last_purge = 0.0


@cache
def _take(dialect: str) -> Prepared:
    """The taking upsert, built once per database with every number bound (every filing
    and web chat session takes a token): storage.prepared runs it on the driver."""
    t = _table.c
    capacity, rate, at = (bindparam(name, type_=Float) for name in ("capacity", "rate", "at"))
    # What was left plus what refilled since (never less, should clocks of two workers
    # disagree), up to the capacity.
    refilled = t.tokens + case((t.stamp > at, 0.0), else_=at - t.stamp) * rate
    level = case((refilled > capacity, capacity), else_=refilled)
    return Prepared(dialect_insert(dialect, _table).values(
        key=bindparam("key"), tokens=bindparam("left"), stamp=at,
        full_at=bindparam("first_full")).on_conflict_do_update(
        index_elements=[t.key],
        set_={"tokens": level - 1, "stamp": case((t.stamp > at, t.stamp), else_=at),
              "full_at": at + (capacity - (level - 1)) / rate},
        where=level >= 1,
    ).returning(t.tokens))
