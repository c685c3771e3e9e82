"""A pooled PostgreSQL connection the server closed (a restart, a terminated backend) is
replaced when it is next taken, and what takes it never sees it (storage/db.py): no
round trip is spent on each transaction to find out; and one opened at a busy time is kept
for the next."""

import asyncio

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import OVERFLOW, Database
from tests.faults.waiting import eventually


async def test_a_connection_the_server_closed_is_replaced_unseen(fresh_postgres: str) -> None:
    database = Database(fresh_postgres, pool_size=1)
    try:
        async with database.transaction() as session:
            first = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            pooled = (await (await session.connection()).get_raw_connection()).driver_connection
        assert pooled is not None
        admin = await asyncpg.connect(make_url(fresh_postgres).set(drivername="postgresql")
                                      .render_as_string(hide_password=False))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1, 5000)", first)
        finally:
            await admin.close()
        await eventually(pooled.is_closed, "the client to see the connection closed", 10)

        async with database.transaction() as session:
            second = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert second != first
    finally:
        await database.dispose()


async def test_connections_opened_at_busy_times_are_kept(fresh_postgres: str) -> None:
    """Bursts that need the whole pool, one after another, reuse the connections the first
    opened: a connection given back is not closed to be opened again by the next burst (a
    handshake, the driver's set-up and every statement prepared again)."""
    database = Database(fresh_postgres, pool_size=1)
    cap = OVERFLOW * 1

    async def backend() -> int:
        async with database.transaction() as session:
            pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await asyncio.sleep(0.02)  # the others of the burst take theirs meanwhile
            return int(pid)
    try:
        seen: set[int] = set()
        for _ in range(10):
            burst = await asyncio.gather(*(backend() for _ in range(cap)))
            assert len(set(burst)) == cap, "the burst ran on the pool's connections at once"
            seen.update(burst)
        assert len(seen) == cap, f"{len(seen)} connections opened for {cap} at a time"
    finally:
        await database.dispose()
