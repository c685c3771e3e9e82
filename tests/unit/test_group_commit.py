"""Group commit on SQLite (storage/db.py): the brief transactions queued for the write
lock share one transaction and one COMMIT; each returns only once that COMMIT is done; a
failing one rolls back only the group it was in, whose other members are told to redo;
a writer of its own, or a member cancelled, never leaves a group uncommitted."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, event, insert, select

from bot.core.errors import Conflict, SharedRollback
from storage.db import GROUP_MAX, Database

ROWS = Table("rows", MetaData(), Column("id", Integer, primary_key=True),
             Column("n", Integer, unique=True))


async def _database(path: Path) -> Database:
    database = Database(f"sqlite+aiosqlite:///{path}")
    async with database.engine.begin() as conn:
        await conn.run_sync(ROWS.metadata.create_all)
    return database


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await _database(tmp_path / "group.db")
    yield database
    await database.dispose()


def commits(database: Database) -> list[int]:
    """One entry per COMMIT the engine sends."""
    seen: list[int] = []
    event.listen(database.engine.sync_engine, "commit", lambda _conn: seen.append(1))
    return seen


def stored(path: Path) -> set[int]:
    """What another connection reads: committed rows only."""
    other = sqlite3.connect(path)
    try:
        return {n for (n,) in other.execute("SELECT n FROM rows")}
    finally:
        other.close()


async def test_brief_transactions_queued_together_share_one_commit(
        database: Database, tmp_path: Path) -> None:
    committed = commits(database)
    seen_on_return: dict[int, bool] = {}

    async def step(n: int) -> None:
        async with database.transaction(brief=True) as session:
            await session.execute(insert(ROWS).values(n=n))
        seen_on_return[n] = n in stored(tmp_path / "group.db")

    await asyncio.gather(*(step(n) for n in range(20)))
    assert len(committed) == 1
    assert stored(tmp_path / "group.db") == set(range(20))
    assert all(seen_on_return.values()), "each returned only once its COMMIT was done"


async def test_a_group_holds_at_most_group_max(database: Database, tmp_path: Path) -> None:
    committed = commits(database)

    async def step(n: int) -> None:
        async with database.transaction(brief=True) as session:
            await session.execute(insert(ROWS).values(n=n))

    await asyncio.gather(*(step(n) for n in range(2 * GROUP_MAX + 1)))
    assert len(committed) == 3
    assert stored(tmp_path / "group.db") == set(range(2 * GROUP_MAX + 1))


@settings(max_examples=25)
@given(failing=st.sets(st.integers(0, 15), max_size=4),
       alone=st.sets(st.integers(0, 15), max_size=4))
def test_a_failing_step_undoes_its_group_and_its_members_are_told_to_redo(
        tmp_path_factory: pytest.TempPathFactory, failing: set[int], alone: set[int]) -> None:
    """Whatever steps fail and whichever run alone: every step either is stored and
    returned normally, failed with its own error, or got SharedRollback (a Conflict, which
    the dispatcher takes again) with nothing of it stored."""
    path = tmp_path_factory.mktemp("group") / "group.db"

    async def run() -> list[BaseException | None]:
        database = await _database(path)

        async def step(n: int) -> None:
            async with database.transaction(brief=True, alone=n in alone) as session:
                await session.execute(insert(ROWS).values(n=n))
                if n in failing:
                    raise ValueError(n)
        try:
            return await asyncio.gather(*(step(n) for n in range(16)),
                                        return_exceptions=True)
        finally:
            await database.dispose()

    outcomes = asyncio.run(run())
    kept = stored(path)
    for n, outcome in enumerate(outcomes):
        if n in failing:
            assert isinstance(outcome, ValueError) and n not in kept
        elif outcome is None:
            assert n in kept
        else:
            assert isinstance(outcome, SharedRollback) and isinstance(outcome, Conflict)
            assert n not in kept and n not in alone, "a step run alone is undone by no other"


async def test_a_writer_of_its_own_commits_the_open_group_first(
        database: Database, tmp_path: Path) -> None:
    order: list[str] = []
    held = asyncio.Event()
    go_on = asyncio.Event()

    async def first() -> None:
        async with database.transaction(brief=True) as session:
            await session.execute(insert(ROWS).values(n=1))
            held.set()
            await go_on.wait()
        order.append("first returned")

    async def own() -> None:
        async with database.transaction() as session:  # not brief: a writer of its own
            order.append(f"own began, seeing {sorted(stored(tmp_path / 'group.db'))}")
            await session.execute(insert(ROWS).values(n=2))

    async def later() -> None:
        async with database.transaction(brief=True) as session:
            await session.execute(insert(ROWS).values(n=3))

    started = asyncio.create_task(first())
    await held.wait()
    others = [asyncio.create_task(own()), asyncio.create_task(later())]
    await asyncio.sleep(0)
    go_on.set()
    await asyncio.wait_for(asyncio.gather(started, *others), 10)
    assert order[0] == "own began, seeing [1]", "the group was committed before it began"
    assert stored(tmp_path / "group.db") == {1, 2, 3}


async def test_a_member_cancelled_while_waiting_for_the_commit_leaves_it_to_happen(
        database: Database, tmp_path: Path) -> None:
    committed = commits(database)
    second_in = asyncio.Event()
    go_on = asyncio.Event()

    async def first() -> None:
        async with database.transaction(brief=True) as session:
            await session.execute(insert(ROWS).values(n=1))

    async def second() -> None:
        async with database.transaction(brief=True) as session:
            await session.execute(insert(ROWS).values(n=2))
            second_in.set()
            await go_on.wait()

    waiting = asyncio.create_task(first())
    joining = asyncio.create_task(second())
    await second_in.wait()  # the first has run, and waits for the group's COMMIT
    assert not waiting.done()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not committed
    go_on.set()
    await asyncio.wait_for(joining, 10)
    assert len(committed) == 1
    assert stored(tmp_path / "group.db") == {1, 2}, "what the cancelled one wrote is kept"
    async with database.transaction(brief=True) as session:  # the lock is free again
        assert (await session.execute(select(ROWS.c.n).where(ROWS.c.n == 1))).scalar() == 1
