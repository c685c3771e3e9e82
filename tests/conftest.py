"""Databases for tests: a fresh SQLite file, and a fresh PostgreSQL database when
PAKN_TEST_POSTGRES_URL points at a server (CI sets it, so CI always runs both)."""

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings
from playwright.async_api import Browser
from sqlalchemy.engine import make_url

import bot.app
from storage.db import Database
from storage.migrate import upgrade
from storage.uow import Store
from tests import pg_reset
from tests.conversation.harness import MONDAY_MORNING
from tests.e2e.browser import chromium

POSTGRES = os.environ.get("PAKN_TEST_POSTGRES_URL")
# Properties, not timings: a loaded two-core machine must not fail an example for taking
# more than hypothesis's default 200 ms (speed is measured by `make bench`).
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")
pytest_plugins = ["tests.conversation.fixtures"]
# Each folder is a tier with a marker of its name, so `-m "unit or conversation"` picks the
# fast tiers (`make check`) and `-m e2e` the slow ones.
TIERS = frozenset({"unit", "project", "conversation", "reports", "delivery", "api", "web",
                   "hostile", "limits", "e2e", "faults"})


# The tiers whose tests mostly wait (on a service process, a browser, an outage's clock)
# run first, those that wait longest first, so that the test processes overlap their waits with the
# quick tiers' work instead of ending the run on one of them alone.
WAITING_FIRST = ("faults", "e2e", "hostile", "web", "limits", "delivery")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.relative_to(Path(__file__).parent).parts
        if len(parts) > 1 and parts[0] in TIERS:
            item.add_marker(getattr(pytest.mark, parts[0]))
    items.sort(key=_waiting_first)


def _waiting_first(item: pytest.Item) -> int:
    tier = item.path.relative_to(Path(__file__).parent).parts[0]
    return WAITING_FIRST.index(tier) if tier in WAITING_FIRST else len(WAITING_FIRST)


CURRENT_DIRECTORY = bot.app.SEED_DIRECTORY
# The suites were written against the 2022 organisation of Xuân Lộc district (its unit
# codes PTNMT, VP, UBND-26425...), bundled as a dated version: the service's databases in
# tests start with it. The organisation of today, the default, has its own tests
# (tests/unit/test_directory_history.py, tests/reports/test_reorganisation.py).
bot.app.SEED_DIRECTORY = "xuan_loc_2022.yaml"


def _admin(*statements: str) -> None:
    """Run statements, one by one, on the test server's maintenance database (outside any
    loop)."""
    assert POSTGRES is not None
    dsn = make_url(POSTGRES).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()
    asyncio.run(run())


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium (the test is skipped without it: tests/e2e/browser.py)."""
    async with chromium() as browser:
        yield browser


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


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the latest schema, migrated once per test session."""
    path = tmp_path_factory.mktemp("template") / "pakn.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def seeded_sqlite(migrated_sqlite: Path) -> Path:
    """The migrated SQLite file with the suites' directory loaded, as the conversation
    harness and the service load it into an empty database."""
    path = migrated_sqlite.with_name("seeded.db")
    shutil.copyfile(migrated_sqlite, path)
    asyncio.run(_seed(f"sqlite+aiosqlite:///{path}"))
    return path


async def _seed(url: str) -> None:
    database = Database(url)
    try:
        await bot.app.seed_directory(Store(database), MONDAY_MORNING)
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """A PostgreSQL database at the latest schema, migrated once per test session, that
    each test's database is created from (CREATE DATABASE ... TEMPLATE)."""
    if POSTGRES is None:
        pytest.skip("PAKN_TEST_POSTGRES_URL is not set")
    name = f"pakn_template_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        upgrade(make_url(POSTGRES).set(database=name).render_as_string(hide_password=False))
        yield name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def seeded_postgres(migrated_postgres: str) -> Iterator[str]:
    """The migrated PostgreSQL template with the suites' directory loaded."""
    name = f"pakn_seeded_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_postgres}"')
    try:
        asyncio.run(_seed(PostgresDatabases.url(name)))
        yield name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_databases(migrated_postgres: str) -> Iterator["PostgresDatabases"]:
    yield from _made_from(migrated_postgres)


@pytest.fixture(scope="session")
def seeded_postgres_databases(seeded_postgres: str) -> Iterator["PostgresDatabases"]:
    yield from _made_from(seeded_postgres)


def _made_from(template: str) -> Iterator["PostgresDatabases"]:
    databases = PostgresDatabases(template)
    try:
        yield databases
    finally:
        databases.drop_all()


class PostgresDatabases:
    """This test process's PostgreSQL databases made from a template: each made once,
    then put back as the template made it after each test and used again
    (tests/pg_reset.py). CREATE DATABASE ... TEMPLATE costs the server about half a second
    of CPU, which for some 700 tests was a fifth of the whole suite's."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.free: list[str] = []
        self.made: list[str] = []
        self.snapshot: pg_reset.Snapshot | None = None
        """The template's schema, rows and sequences, taken from the first copy."""

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"pakn_test_{uuid.uuid4().hex[:12]}"
        # A test database need not survive a crash of the server: commits do not wait for
        # the disk (a crash of the service itself still loses nothing committed).
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"',
               f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        self.made.append(name)
        if self.snapshot is None:
            self.snapshot = asyncio.run(pg_reset.snapshot(self.url(name)))
        return name

    def give_back(self, name: str) -> None:
        """Put the database back for the next test, or drop it when that cannot be done
        or the test changed its schema."""
        assert self.snapshot is not None
        try:
            reusable = asyncio.run(pg_reset.restore(self.url(name), self.snapshot))
        except (OSError, asyncpg.PostgresError):
            reusable = False
        if reusable:
            self.free.append(name)
            return
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.remove(name)

    def drop_all(self) -> None:
        for name in self.made:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @staticmethod
    def url(name: str) -> str:
        return make_url(POSTGRES or "").set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of each kind with no table at all: a new SQLite file, or a new
    PostgreSQL database (fresh_postgres)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    fresh: str = request.getfixturevalue("fresh_postgres")
    return fresh


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind at the latest schema: a copy of the session's
    migrated SQLite file, or one of this process's PostgreSQL databases put back as the
    migrated template made it, so that a test's set-up costs milliseconds, not a
    migration. For a test of the conversation harness (`bot`), which would load the
    suites' directory first thing, the copy has it loaded already."""
    seeded = "bot" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "pakn.db"
        template = "seeded_sqlite" if seeded else "migrated_sqlite"
        shutil.copyfile(request.getfixturevalue(template), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    databases: PostgresDatabases = request.getfixturevalue(
        "seeded_postgres_databases" if seeded else "postgres_databases")
    name = databases.take()
    try:
        yield databases.url(name)
    finally:
        databases.give_back(name)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """The service's store on a database of each kind (database_url)."""
    database = Database(database_url)
    yield Store(database)
    await database.dispose()
