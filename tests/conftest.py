"""Databases for tests: a fresh SQLite file, and a fresh PostgreSQL database when
PAKN_TEST_POSTGRES_URL points at a server (CI sets it, so CI always runs both)."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from storage.migrate import upgrade

POSTGRES = os.environ.get("PAKN_TEST_POSTGRES_URL")
pytest_plugins = ["tests.conversation.fixtures"]


def _admin(sql: str) -> None:
    """Run one statement on the test server's maintenance database (outside any loop)."""
    assert POSTGRES is not None
    dsn = make_url(POSTGRES).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()
    asyncio.run(run())


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    if POSTGRES is None:
        pytest.skip("PAKN_TEST_POSTGRES_URL is not set")
    name = f"pakn_test_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind, migrated to the latest schema."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'pakn.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres")
    upgrade(url)
    return url
