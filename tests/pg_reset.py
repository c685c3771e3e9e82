"""Emptying a PostgreSQL test database for the next test, as if it were made afresh from
the migrated template: no connection left, no row, every sequence at its start, and no
sequence the test added (the service makes one of tracking numbers per year)."""

import asyncpg
from sqlalchemy.engine import make_url

SEQUENCES = """
    SELECT c.relname, s.seqstart FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
    WHERE c.relnamespace = 'public'::regnamespace ORDER BY c.relname"""
TABLES = """
    SELECT tablename FROM pg_tables WHERE schemaname = 'public'
    AND tablename <> 'alembic_version' ORDER BY tablename"""
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
            WHERE NOT tgisinternal),
           (SELECT string_agg(version_num, ',') FROM alembic_version)"""


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def shape(url: str) -> tuple[object, ...]:
    """The database's schema, in the terms `empty` compares."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        return await _shape(conn)
    finally:
        await conn.close()


async def _shape(conn: asyncpg.Connection) -> tuple[object, ...]:
    row = await conn.fetchrow(SHAPE)
    assert row is not None
    return tuple(row)


async def empty(url: str, template: tuple[object, ...]) -> bool:
    """Empty the database; False when its schema is not the template's any more (and
    it must not be used again)."""
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
            relations = str(template[0]).split(",")
            for name, start in await conn.fetch(SEQUENCES):
                if f"{name}:S" not in relations:
                    await conn.execute(f'DROP SEQUENCE "{name}"')
                else:
                    await conn.execute("SELECT setval($1::regclass, $2, false)",
                                       f'"{name}"', start)
        return await _shape(conn) == template
    finally:
        await conn.close()
