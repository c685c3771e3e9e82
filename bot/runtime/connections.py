"""How many PostgreSQL connections the service's processes may hold. Under load each
process's pool grows to OVERFLOW times PAKN_DATABASE_POOL_SIZE (storage.db); past the
server's max_connections the extra ones are refused and requests answered 503 (4 workers
of 30 connections each against the default 100: 84 of 200 citizens refused,
benchmarks/RESULTS.md). So the pools are fitted to the server at start."""

from sqlalchemy import text

from storage.db import OVERFLOW, Database

LISTENING = 1
"""A process's own connection outside its pool: the web chat's notices (storage.notices)."""
SPARE = 5
"""Left for the others: `pakn` commands, a backup's pg_dump, psql, monitoring."""


async def available(url: str) -> int:
    """The connections a role without special rights may open on the server:
    max_connections less those reserved for superusers (and, from PostgreSQL 16, for the
    roles granted pg_use_reserved_connections)."""
    database = Database(url, pool_size=1)
    try:
        async with database.engine.connect() as conn:
            rows = await conn.execute(text(
                "SELECT name, setting FROM pg_settings WHERE name IN ('max_connections', "
                "'superuser_reserved_connections', 'reserved_connections')"))
            settings = {str(name): int(value) for name, value in rows}
    finally:
        await database.dispose()
    return settings["max_connections"] - sum(
        value for name, value in settings.items() if name != "max_connections")


def pool_size_within(wanted: int, processes: int, available: int) -> int | None:
    """The largest pool size up to `wanted` with which `processes` processes stay within
    `available` connections, SPARE kept for the others; None when not even 1 fits."""
    each = (available - SPARE) // processes
    size = min(wanted, (each - LISTENING) // OVERFLOW)
    return size if size >= 1 else None


def connections_of(pool_size: int, processes: int) -> int:
    """The most connections `processes` processes with pools of `pool_size` hold."""
    return processes * (OVERFLOW * pool_size + LISTENING)
