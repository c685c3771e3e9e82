"""A service that stops lets its outbox and its scheduler end the round under way. Cut
by a cancellation inside its transaction, a round is undone, but on SQLite its connection
can keep the database's write lock until the garbage collector closes it: every other
writer of the file (another worker, the next start, a command) is then "locked" out."""

import asyncio
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from storage.db import Database
from tests.clock import Clock
from tests.web.site import Site

LOOPS = ("outbox", "scheduler")


def in_a_loop() -> bool:
    task = asyncio.current_task()
    return task is not None and task.get_name() in LOOPS


async def test_a_stopping_service_ends_the_round_under_way(
        tmp_path: Path, migrated_sqlite: Path, clock: Clock) -> None:
    path = tmp_path / "pakn.db"
    shutil.copyfile(migrated_sqlite, path)
    url = f"sqlite+aiosqlite:///{path}"
    site = Site(url, clock, scheduler_interval=0.1)
    engine = site.service.database.engine.sync_engine
    begun: list[int] = []  # the loops' transactions that have not ended
    cut: list[Any] = []

    def begin(conn: Any) -> None:
        if in_a_loop():
            begun.append(id(conn))

    def ended(conn: Any) -> None:
        if in_a_loop() and id(conn) in begun:
            begun.remove(id(conn))

    # First among the listeners: before the BEGIN IMMEDIATE that will wait for the lock.
    event.listen(engine, "begin", begin, insert=True)
    event.listen(engine, "commit", ended)
    event.listen(engine, "rollback", ended)
    event.listen(engine.pool, "invalidate", lambda *args: cut.append(args))
    await site.start()
    other = Database(url)
    closing = None
    try:
        async with other.transaction() as holding:
            await holding.execute(text("SELECT 1"))  # the write lock is the test's now
            site.service.outbox.wake()
            await asyncio.sleep(0.3)  # the next rounds wait for it (every 0.1 s)
            # The service is told to stop while its rounds wait for the lock.
            closing = asyncio.create_task(site.close())
            await asyncio.sleep(0.3)
        await asyncio.wait_for(closing, 10)
        assert cut == [], "a round was cut inside its transaction"
        assert begun == [], "a round's transaction never ended"
        async with asyncio.timeout(5), other.transaction() as writing:
            await writing.execute(text("UPDATE meta SET value = value"))
    finally:
        if closing is None:
            await site.close()
        await other.dispose()
