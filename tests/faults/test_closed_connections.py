"""A pooled PostgreSQL connection the server closed (a restart, a terminated backend) is
replaced when it is next taken, and what takes it never sees it (storage/db.py): no
round trip is spent on each transaction to find out."""

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Database
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
