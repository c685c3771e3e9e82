"""Putting a PostgreSQL test database back as it was made from its template, for the next
test: no connection left, the template's rows and nothing else, every sequence where the
template had it, and no sequence the test added (the service makes one of tracking
numbers per year). Costs milliseconds where CREATE DATABASE ... TEMPLATE costs the server
about half a second of CPU."""

import io
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url

SEQUENCES = """
    SELECT c.relname FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
    WHERE c.relnamespace = 'public'::regnamespace ORDER BY c.relname"""
TABLES = """
    SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"""
# What the schema is made of, to tell a database whose schema a test changed.
SHAPE = """
    SELECT (SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname, relkind)
            FROM pg_class WHERE relnamespace = 'public'::regnamespace),
           (SELECT string_agg(c.relname || '.' || a.attname || ':' || a.atttypid::regtype
                              || ':' || a.attnotnull::text, ',' ORDER BY c.relname, a.attnum)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0
            AND NOT a.attisdropped),
           (SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace),
           (SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger
            WHERE NOT tgisinternal)"""


@dataclass(frozen=True)
class Snapshot:
    """A database as its template made it."""

    shape: tuple[object, ...]
    rows: dict[str, bytes]
    """Per table that has rows, its rows (COPY's binary format)."""
    sequences: dict[str, tuple[int, bool]]
    """Per sequence, its last value and whether it was taken."""


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def snapshot(url: str) -> Snapshot:
    """What `restore` puts back: taken from a database just made from the template."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        rows = {}
        for (table,) in await conn.fetch(TABLES):
            if await conn.fetchval(f'SELECT EXISTS (SELECT FROM "{table}")'):  # noqa: S608
                buffer = io.BytesIO()
                await conn.copy_from_table(table, output=buffer, format="binary")
                rows[table] = buffer.getvalue()
        sequences = {}
        for (name,) in await conn.fetch(SEQUENCES):
            state = await conn.fetchrow(f'SELECT last_value, is_called FROM "{name}"')  # noqa: S608
            assert state is not None
            sequences[name] = (state[0], state[1])
        return Snapshot(await _shape(conn), rows, sequences)
    finally:
        await conn.close()


async def _shape(conn: asyncpg.Connection) -> tuple[object, ...]:
    row = await conn.fetchrow(SHAPE)
    assert row is not None
    return tuple(row)


async def restore(url: str, made: Snapshot) -> bool:
    """Put the database back as `made`; False when its schema is not the template's any
    more (and it must not be used again)."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        # Whatever the test left connected (a killed service's sessions) goes, its locks
        # with it; waits up to 5 s for each to end.
        await conn.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        async with conn.transaction():
            # Rows go in any order: foreign keys' triggers do not fire for a replica.
            await conn.execute("SET LOCAL session_replication_role = replica")
            for (table,) in await conn.fetch(TABLES):
                await conn.execute(f'DELETE FROM "{table}"')  # noqa: S608 (the catalog's names)
            for table, rows in made.rows.items():
                await conn.copy_to_table(table, source=io.BytesIO(rows), format="binary")
            for (name,) in await conn.fetch(SEQUENCES):
                if name not in made.sequences:
                    await conn.execute(f'DROP SEQUENCE "{name}"')
                else:
                    await conn.execute("SELECT setval($1::regclass, $2, $3)", f'"{name}"',
                                       *made.sequences[name])
        return await _shape(conn) == made.shape
    finally:
        await conn.close()
