"""Group commit (storage/db.py), on each database: the brief transactions queued in a lane
share one transaction and one COMMIT, and its session one after the other, each reading
the rows afresh and writing its own changes itself; each returns only once that COMMIT
is done; a failing one rolls back only the group it was in, whose other members are told
to redo; a member cancelled never leaves a group uncommitted. SQLite has one lane, its
write lock, which a writer of its own takes only once the open group is committed;
PostgreSQL has two, so a step held up in one does not hold up the other's, and a
deadlock between them is undone by the server and taken again."""

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, delete, event, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import registry

from bot.core.errors import Conflict, SharedRollback
from storage.db import GROUP_MAX, Database
from storage.uow import Store

ROWS = Table("rows", MetaData(), Column("id", Integer, primary_key=True),
             Column("n", Integer, unique=True))
LANES = 2
"""The lanes the tests give a PostgreSQL database (SQLite has one)."""


class Row:
    """A row of ROWS read and written through the ORM."""

    id: int
    n: int

    def __init__(self, n: int) -> None:
        self.n = n


registry().map_imperatively(Row, ROWS)


@dataclass
class Rows:
    """A database holding ROWS, and another connection's view of what it committed."""

    database: Database
    other: Database

    @property
    def lanes(self) -> int:
        return 1 if self.database.is_sqlite else LANES

    async def stored(self) -> set[int]:
        async with self.other.reading() as session:
            return set((await session.execute(select(ROWS.c.n))).scalars())

    def commits(self) -> list[int]:
        """One entry per COMMIT the engine sends."""
        seen: list[int] = []
        event.listen(self.database.engine.sync_engine, "commit", lambda _conn: seen.append(1))
        return seen

    async def step(self, n: int, alone: bool = False) -> None:
        async with self.database.transaction(brief=True, alone=alone) as session:
            await session.execute(insert(ROWS).values(n=n))

    async def held_step(self, n: int, inside: asyncio.Event, go_on: asyncio.Event) -> None:
        """A step that, once it has written, says so on `inside` and waits for `go_on`."""
        async with self.database.transaction(brief=True) as session:
            await session.execute(insert(ROWS).values(n=n))
            inside.set()
            await go_on.wait()


@asynccontextmanager
async def opened(url: str, lanes: int = LANES) -> AsyncIterator[Rows]:
    database, other = Database(url, lanes=lanes), Database(url)
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(ROWS.metadata.create_all)
            await conn.execute(delete(ROWS))
        yield Rows(database, other)
    finally:
        await database.dispose()
        await other.dispose()


@pytest.fixture
async def rows(empty_url: str) -> AsyncIterator[Rows]:
    async with opened(empty_url) as made:
        yield made


def per_lane(steps: int, lanes: int) -> list[int]:
    """How steps begun together spread over the lanes: each to the least queued."""
    return [steps // lanes + (lane < steps % lanes) for lane in range(lanes)]


async def test_brief_transactions_queued_together_share_a_commit_per_lane(rows: Rows) -> None:
    committed = rows.commits()
    seen_on_return: dict[int, bool] = {}

    async def step(n: int) -> None:
        await rows.step(n)
        seen_on_return[n] = n in await rows.stored()

    await asyncio.gather(*(step(n) for n in range(20)))
    assert len(committed) == rows.lanes
    assert await rows.stored() == set(range(20))
    assert all(seen_on_return.values()), "each returned only once its COMMIT was done"


async def test_a_group_holds_at_most_group_max(rows: Rows) -> None:
    committed = rows.commits()
    steps = 2 * GROUP_MAX + 1
    await asyncio.gather(*(rows.step(n) for n in range(steps)))
    assert len(committed) == sum(math.ceil(share / GROUP_MAX)
                                 for share in per_lane(steps, rows.lanes))
    assert await rows.stored() == set(range(steps))


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(failing=st.sets(st.integers(0, 15), max_size=4),
       alone=st.sets(st.integers(0, 15), max_size=4))
def test_a_failing_step_undoes_its_group_and_its_members_are_told_to_redo(
        empty_url: str, failing: set[int], alone: set[int]) -> None:
    """Whatever steps fail and whichever run alone: every step either is stored and
    returned normally, failed with its own error, or got SharedRollback (a Conflict, which
    the dispatcher takes again) with nothing of it stored."""

    async def run() -> tuple[list[BaseException | None], set[int]]:
        async with opened(empty_url) as made:

            async def step(n: int) -> None:
                async with made.database.transaction(brief=True, alone=n in alone) as session:
                    await session.execute(insert(ROWS).values(n=n))
                    if n in failing:
                        raise ValueError(n)
            outcomes = await asyncio.gather(*(step(n) for n in range(16)),
                                            return_exceptions=True)
            return outcomes, await made.stored()

    outcomes, kept = asyncio.run(run())
    for n, outcome in enumerate(outcomes):
        if n in failing:
            assert isinstance(outcome, ValueError) and n not in kept
        elif outcome is None:
            assert n in kept
        else:
            assert isinstance(outcome, SharedRollback) and isinstance(outcome, Conflict)
            assert n not in kept and n not in alone, "a step run alone is undone by no other"


async def test_a_step_reads_the_rows_as_the_step_before_it_in_its_group_left_them(
        empty_url: str) -> None:
    """The members of a group share a session one after the other: what one read through
    the ORM is not handed to the next, which reads what the rows hold now (the first
    changed its row by a statement, which the ORM's copy does not follow)."""
    async with opened(empty_url, lanes=1) as rows:
        async with rows.database.transaction(brief=True) as session:
            await session.execute(insert(ROWS).values(id=1, n=1))
        committed = rows.commits()
        seen: list[int] = []
        kept: list[Row] = []  # (the ORM forgets an object no one holds)

        async def first() -> None:
            async with rows.database.transaction(brief=True) as session:
                kept.append(await session.get_one(Row, 1))
                seen.append(kept[0].n)
                await session.execute(update(ROWS).where(ROWS.c.id == 1).values(n=2))

        async def second() -> None:
            async with rows.database.transaction(brief=True) as session:
                seen.append((await session.get_one(Row, 1)).n)

        await asyncio.gather(first(), second())
        assert len(committed) == 1, "both in one group"
        assert seen == [1, 2]


async def test_a_steps_own_orm_change_that_fails_fails_that_step(empty_url: str) -> None:
    """A row the step added through the ORM is written within the step: a duplicate
    fails that step, and the step after it, which would have written it otherwise, is
    not blamed for it."""
    async with opened(empty_url, lanes=1) as rows:
        await rows.step(1)

        async def duplicate() -> None:
            async with rows.database.transaction(brief=True) as session:
                session.add(Row(n=1))

        outcomes = await asyncio.gather(duplicate(), rows.step(2), return_exceptions=True)
        assert isinstance(outcomes[0], IntegrityError)
        assert outcomes[1] is None
        assert await rows.stored() == {1, 2}


async def test_a_member_cancelled_while_waiting_for_the_commit_leaves_it_to_happen(
        empty_url: str) -> None:
    async with opened(empty_url, lanes=1) as rows:  # both steps in the one group
        committed = rows.commits()
        second_in = asyncio.Event()
        go_on = asyncio.Event()

        waiting = asyncio.create_task(rows.step(1))
        joining = asyncio.create_task(rows.held_step(2, second_in, go_on))
        await second_in.wait()  # the first has run, and waits for the group's COMMIT
        assert not waiting.done()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert not committed
        go_on.set()
        await asyncio.wait_for(joining, 10)
        assert len(committed) == 1
        assert await rows.stored() == {1, 2}, "what the cancelled one wrote is kept"
        await asyncio.wait_for(rows.step(3), 10)  # the lane is free again
        assert await rows.stored() == {1, 2, 3}


async def test_a_step_cancelled_as_it_is_handed_the_lane_leaves_the_group_to_commit(
        empty_url: str) -> None:
    """The step that ran hands its lane, its group still open, to the one waiting, which
    is cancelled before it runs: the group is committed all the same, the lane freed."""
    async with opened(empty_url, lanes=1) as rows:
        lanes = rows.database._lanes
        handed = lanes.give
        held, go_on = asyncio.Event(), asyncio.Event()

        def give_then_cancel(lane: Any) -> None:
            handed(lane)
            if lane.group is not None:
                cancelled.cancel()

        running = asyncio.create_task(rows.held_step(1, held, go_on))
        await held.wait()
        cancelled = asyncio.create_task(rows.step(2))
        await asyncio.sleep(0.01)  # waiting for the lane
        lanes.give = give_then_cancel  # type: ignore[method-assign]
        go_on.set()
        await asyncio.wait_for(running, 10)
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        assert await rows.stored() == {1}
        await asyncio.wait_for(rows.step(3), 10)  # the lane is free again
        assert await rows.stored() == {1, 3}


async def test_sqlite_a_writer_of_its_own_commits_the_open_group_first(tmp_path: Path) -> None:
    async with opened(f"sqlite+aiosqlite:///{tmp_path / 'group.db'}") as rows:
        seen: list[int] = []
        held = asyncio.Event()
        go_on = asyncio.Event()

        async def own() -> None:
            async with rows.database.transaction() as session:  # not brief: a writer of its own
                seen.extend(sorted(await rows.stored()))
                await session.execute(insert(ROWS).values(n=2))

        started = asyncio.create_task(rows.held_step(1, held, go_on))
        await held.wait()
        others = [asyncio.create_task(own()), asyncio.create_task(rows.step(3))]
        await asyncio.sleep(0)
        go_on.set()
        await asyncio.wait_for(asyncio.gather(started, *others), 10)
        assert seen == [1], "the group was committed before it began, the later step after"
        assert await rows.stored() == {1, 2, 3}


async def test_postgres_a_step_held_up_in_one_lane_holds_up_no_other(
        fresh_postgres: str) -> None:
    async with opened(fresh_postgres) as rows:
        held = asyncio.Event()
        go_on = asyncio.Event()

        stuck = asyncio.create_task(rows.held_step(1, held, go_on))
        await held.wait()
        await asyncio.wait_for(asyncio.gather(*(rows.step(n) for n in range(2, 6))), 10)
        assert await rows.stored() == {2, 3, 4, 5}, "committed while the other lane waits"
        go_on.set()
        await asyncio.wait_for(stuck, 10)
        assert await rows.stored() == {1, 2, 3, 4, 5}


async def test_postgres_a_deadlock_between_lanes_is_a_conflict_taken_again(
        fresh_postgres: str) -> None:
    """Two lanes' transactions locking the same rows in opposite orders: the server
    breaks the deadlock by failing one, which comes out as a Conflict (the dispatcher
    takes the message again) and keeps nothing; the other commits."""
    async with opened(fresh_postgres) as rows:
        async with rows.database.engine.begin() as conn:
            await conn.execute(insert(ROWS), [{"id": 1, "n": 1}, {"id": 2, "n": 2}])
        store = Store(rows.database)
        locked = [asyncio.Event(), asyncio.Event()]

        async def bump(first: int, then: int, mine: asyncio.Event, theirs: asyncio.Event) -> None:
            async with store.unit_of_work(brief=True) as uow:
                await uow.session.execute(update(ROWS).where(ROWS.c.n == first)
                                          .values(id=ROWS.c.id + 10))
                mine.set()
                await theirs.wait()
                await uow.session.execute(update(ROWS).where(ROWS.c.n == then)
                                          .values(id=ROWS.c.id + 100))

        outcomes = await asyncio.wait_for(asyncio.gather(
            bump(1, 2, locked[0], locked[1]), bump(2, 1, locked[1], locked[0]),
            return_exceptions=True), 30)
        failed = [outcome for outcome in outcomes if outcome is not None]
        assert len(failed) == 1 and isinstance(failed[0], Conflict), outcomes
        assert not isinstance(failed[0], SharedRollback)
        async with rows.other.reading() as session:
            ids = sorted((await session.execute(select(ROWS.c.id))).scalars())
        # The one that passed moved both rows' ids; nothing of the other is left.
        assert ids in ([11, 102], [12, 101]), ids
