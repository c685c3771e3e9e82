"""SQLite's statements reach aiosqlite's thread once each (storage/sqlite_driver.py), and
what SQLAlchemy reads back from a cursor is what the standard module gives: rows, the
count an UPDATE guarded by a version relies on, the id of an insert, errors."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from storage.db import Database

ROWS = Table("rows", MetaData(), Column("id", Integer, primary_key=True),
             Column("name", String, unique=True), Column("version", Integer))


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(ROWS.metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The functions given to aiosqlite's thread, by name."""
    given: list[str] = []
    real: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Callable[..., Any], *args: Any,
                      **kwargs: Any) -> Any:
        given.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)
    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return given


async def test_each_statement_is_one_hand_off_to_the_thread(database: Database,
                                                            hand_offs: list[str]) -> None:
    async with database.transaction() as session:
        await session.execute(insert(ROWS).values(name="r0", version=1))
        hand_offs.clear()  # the connection's setup, BEGIN IMMEDIATE and the first insert
        for n in range(1, 5):
            await session.execute(insert(ROWS).values(name=f"r{n}", version=1))
        names = (await session.execute(select(ROWS.c.name).order_by(ROWS.c.id))
                 ).scalars().all()
        statements = len(hand_offs)
    assert names == [f"r{n}" for n in range(5)]
    assert statements == 5, hand_offs


async def test_a_cursor_gives_back_what_sqlite3_gave(database: Database) -> None:
    async with database.transaction() as session:
        made = await session.execute(insert(ROWS).values(name="a", version=1))
        assert made.inserted_primary_key == (1,)
        await session.execute(insert(ROWS), [{"name": f"m{n}", "version": 1}
                                             for n in range(3)])
        guarded = update(ROWS).where(ROWS.c.name == "a", ROWS.c.version == 1).values(
            version=2)
        assert (await session.execute(guarded)).rowcount == 1
        assert (await session.execute(guarded)).rowcount == 0, "the version moved"
        everyone = await session.execute(update(ROWS).values(version=ROWS.c.version + 1))
        assert everyone.rowcount == 4
        rows = (await session.execute(select(ROWS.c.name, ROWS.c.version)
                                      .order_by(ROWS.c.id))).all()
    assert [tuple(row) for row in rows] == [("a", 3), ("m0", 2), ("m1", 2), ("m2", 2)]
    async with database.engine.connect() as conn:
        await conn.run_sync(_fetched_as_the_dbapi_says)

    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            await session.execute(insert(ROWS).values(name="b", version=1))
            await session.execute(insert(ROWS).values(name="a", version=1))
    async with database.reading() as session:
        names = (await session.execute(select(ROWS.c.name))).scalars().all()
    assert sorted(names) == ["a", "m0", "m1", "m2"], "the failed transaction left nothing"


def _fetched_as_the_dbapi_says(conn: Connection) -> None:
    """The cursor as the DB-API has it: rows one, some or all at a time."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute("SELECT name FROM rows ORDER BY id")
    assert cursor.fetchone() == ("a",)
    assert cursor.fetchmany() == [("m0",)], "arraysize: one row"
    cursor.arraysize = 5
    assert cursor.fetchmany() == [("m1",), ("m2",)]
    assert cursor.fetchall() == [] and cursor.rowcount == -1
    cursor.close()


async def test_a_brief_transaction_runs_its_statements_without_hand_offs(
        database: Database, hand_offs: list[str]) -> None:
    async with database.transaction(brief=True) as session:
        begun = len(hand_offs)  # the connection's setup
        for n in range(5):
            await session.execute(insert(ROWS).values(name=f"r{n}", version=1))
        changed = await session.execute(update(ROWS).where(ROWS.c.name == "r0")
                                        .values(version=2))
        assert changed.rowcount == 1
        assert (await session.execute(select(ROWS.c.version).where(ROWS.c.name == "r0"))
                ).scalar_one() == 2
        assert len(hand_offs) == begun, hand_offs[begun:]
    assert hand_offs[begun:] == ["commit"], "COMMIT, which waits on the disk, on the thread"
    hand_offs.clear()
    async with database.transaction() as session:  # the same connection, not brief now
        names = (await session.execute(select(ROWS.c.name).order_by(ROWS.c.id))
                 ).scalars().all()
        assert hand_offs == ["run"], "the SELECT alone: BEGIN IMMEDIATE found the lock free"
    assert names == [f"r{n}" for n in range(5)], "committed"

    with pytest.raises(IntegrityError):
        async with database.transaction(brief=True) as session:
            await session.execute(insert(ROWS).values(name="new", version=1))
            await session.execute(insert(ROWS).values(name="r1", version=1))
    async with database.reading() as session:
        count = len((await session.execute(select(ROWS.c.id))).all())
    assert count == 5, "the failed transaction left nothing"


async def test_a_brief_transaction_waits_for_the_lock_off_the_event_loop(
        database: Database, tmp_path: Path) -> None:
    """Another process's writer holds the database: the brief transaction's BEGIN, tried
    at once in vain, waits for it on aiosqlite's thread, and the event loop serves
    everyone else meanwhile."""
    other = sqlite3.connect(tmp_path / "driver.db", isolation_level=None,
                            check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO rows (name, version) VALUES ('theirs', 1)")

    async def brief() -> list[str]:
        async with database.transaction(brief=True) as session:
            await session.execute(insert(ROWS).values(name="mine", version=1))
            return list((await session.execute(select(ROWS.c.name).order_by(ROWS.c.id))
                         ).scalars())
    waiting = asyncio.create_task(brief())
    loop = asyncio.get_running_loop()
    ticks, started = 0, loop.time()
    while loop.time() - started < 0.5:
        await asyncio.sleep(0.01)
        ticks += 1
    assert not waiting.done()
    assert ticks >= 10, "the event loop was held while the lock was waited for"
    other.execute("COMMIT")
    other.close()
    assert await asyncio.wait_for(waiting, 10) == ["theirs", "mine"]
