"""The suite's PostgreSQL databases are used again by the next test only as the template
made them (tests/conftest.py, tests/pg_reset.py): a test never sees another's rows, ids
or tracking numbers, and a database whose schema a test changed is dropped."""

import asyncio
import uuid

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES, PostgresDatabases, _admin

pytestmark = pytest.mark.skipif(POSTGRES is None, reason="PAKN_TEST_POSTGRES_URL is not set")


def run(url: str, *statements: str) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        try:
            rows: list[asyncpg.Record] = []
            for statement in statements:
                rows = await conn.fetch(statement)
            return rows
        finally:
            await conn.close()
    return asyncio.run(go())


WRITE = [
    "INSERT INTO counters (name, value) VALUES ('PA-2026', 41)",
    "CREATE SEQUENCE case_number_2026 MINVALUE 1",
    "SELECT nextval('case_number_2026')",
    "INSERT INTO accounts (role, display_name, created_at) VALUES ('citizen', 'A', now())",
]


def test_an_emptied_database_is_as_the_template_made_it(
        postgres_databases: PostgresDatabases) -> None:
    name = postgres_databases.take()
    url = postgres_databases.url(name)
    # A session left open, as a killed service leaves it, holding a lock.
    holder = asyncio.new_event_loop()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    left = holder.run_until_complete(asyncpg.connect(dsn))
    holder.run_until_complete(left.execute("BEGIN; LOCK TABLE accounts"))
    try:
        run(url, *WRITE[:3])
        postgres_databases.give_back(name)
        assert postgres_databases.take() == name, "used again"
        assert run(url, "SELECT count(*) FROM counters")[0][0] == 0
        assert run(url, "SELECT count(*) FROM pg_class WHERE relname = 'case_number_2026'"
                   )[0][0] == 0
        assert run(url, "SELECT version_num FROM alembic_version"), "the schema's version kept"
    finally:
        left.terminate()
        holder.close()
    postgres_databases.give_back(name)


def test_ids_start_again_at_one(postgres_databases: PostgresDatabases) -> None:
    name = postgres_databases.take()
    url = postgres_databases.url(name)
    first = run(url, WRITE[3] + " RETURNING id")[0][0]
    run(url, WRITE[3])
    postgres_databases.give_back(name)
    assert postgres_databases.take() == name
    assert run(url, WRITE[3] + " RETURNING id")[0][0] == first == 1
    postgres_databases.give_back(name)


def test_a_database_whose_schema_a_test_changed_is_dropped(
        postgres_databases: PostgresDatabases) -> None:
    name = postgres_databases.take()
    run(postgres_databases.url(name), "ALTER TABLE accounts ADD COLUMN nickname text")
    postgres_databases.give_back(name)
    assert name not in postgres_databases.made + postgres_databases.free
    databases = run(postgres_databases.url("test"), "SELECT datname FROM pg_database")
    assert name not in {row[0] for row in databases}, "dropped"


def test_a_template_s_rows_and_sequences_come_back(migrated_postgres: str) -> None:
    """As the hostile tests' world (tests/hostile/world.py): a template with rows."""
    template = f"pakn_world_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{template}" TEMPLATE "{migrated_postgres}"')
    copies = PostgresDatabases(template)
    try:
        run(copies.url(template), WRITE[0], WRITE[3], WRITE[3])
        name = copies.take()
        run(copies.url(name), "DELETE FROM counters", WRITE[3],
            "UPDATE accounts SET role = 'admin'")
        copies.give_back(name)
        assert copies.take() == name
        assert [tuple(r) for r in run(copies.url(name), "SELECT name, value FROM counters")
                ] == [("PA-2026", 41)]
        assert [tuple(r) for r in run(copies.url(name),
                                      "SELECT id, role FROM accounts ORDER BY id")] == \
            [(1, "citizen"), (2, "citizen")]
        assert run(copies.url(name), WRITE[3] + " RETURNING id")[0][0] == 3, \
            "the sequence where the template had it"
        copies.give_back(name)
    finally:
        copies.drop_all()
        _admin(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
