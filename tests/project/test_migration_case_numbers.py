"""Migration 0019: on PostgreSQL case numbers come from a sequence per year, continuing
where the year's counter stopped, and the previous version (still serving during an
upgrade, counting in `counters`) draws from the same sequence; a downgrade puts the
counters back where the sequences are. On SQLite the counter stays."""

import asyncio
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from storage.db import Database
from storage.migrate import alembic_config, upgrade
from storage.uow import Store
from storage.upsert import increment


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'old.db'}" if request.param == "sqlite"
           else request.getfixturevalue("fresh_postgres"))
    command.upgrade(alembic_config(url), "0018")
    return url


async def counters(url: str) -> dict[str, int]:
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            return dict((await connection.execute(text(
                "SELECT name, value FROM counters WHERE name LIKE 'case:%'"))).all())
    finally:
        await database.dispose()


async def test_numbers_continue_from_the_counter_and_never_repeat(old_database: str) -> None:
    database = Database(old_database)
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO counters (name, value) VALUES ('case:2026', 41)"))
    finally:
        await database.dispose()
    await asyncio.to_thread(upgrade, old_database)  # Alembic runs a loop of its own

    database = Database(old_database)
    try:
        store = Store(database)
        async with store.unit_of_work() as uow:
            codes = [await uow.cases.next_code(2026)]
        async with store.unit_of_work() as uow:  # the previous version's way
            old_way = await increment(uow.session, "case:2026")
        async with store.unit_of_work() as uow:
            codes += [await uow.cases.next_code(2026), await uow.cases.next_code(2027)]
    finally:
        await database.dispose()

    assert codes[0] == "PA-2026-000042"
    assert old_way > 42
    assert codes[1:] == [f"PA-2026-{old_way + 1:06d}", "PA-2027-000001"]
    if "sqlite" in old_database:
        assert await counters(old_database) == {"case:2026": old_way + 1, "case:2027": 1}
        return
    await asyncio.to_thread(command.downgrade, alembic_config(old_database), "0018")
    assert await counters(old_database) == {"case:2026": old_way + 1, "case:2027": 1}
