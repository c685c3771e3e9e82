"""The directory each process keeps: checked against the database's version in every
transaction, so that a directory another worker loaded is used at once, by a transaction
that identifies a known sender (the version read along) as by any other."""

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest

from bot.app import bundled_directory_text
from complaints.directory import Directory
from complaints.directory_file import parse_directory
from storage.db import Database
from storage.directory import DirectoryCache, SqlDirectoryRepository
from storage.uow import Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_a_directory_loaded_by_another_worker_is_used_at_once(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    ours, theirs = Store(first), Store(second)
    try:
        directory = parse_directory(bundled_directory_text())
        async with ours.unit_of_work() as uow:
            await uow.directory.replace(directory, NOW)
            await uow.accounts.identify("telegram", "7", "7", "An", "vi", NOW)
        async with ours.unit_of_work() as uow:
            await uow.accounts.identify("telegram", "7", "7", "An", "vi", NOW)
            assert (await uow.directory.load()).code == directory.code  # now cached
        renamed = dataclasses.replace(directory, code="999")
        async with theirs.unit_of_work() as uow:
            await uow.directory.replace(renamed, NOW)
        async with ours.unit_of_work() as uow:
            await uow.accounts.identify("telegram", "7", "7", "An", "vi", NOW)
            assert (await uow.directory.load()).code == "999"
        async with ours.unit_of_work() as uow:
            await uow.accounts.identify("telegram", "7", "7", "An", "vi", NOW)
            await uow.directory.replace(directory, NOW)
            # Not the version read along: this transaction changed it since.
            assert (await uow.directory.load()).code == directory.code
    finally:
        await first.dispose()
        await second.dispose()


async def test_units_of_work_finding_the_cache_stale_at_once_read_the_directory_once(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """As after a start under load: the updates that arrive while one reads the directory
    wait for it, each in its own transaction, and none reads it again."""
    database = Database(database_url)
    store = Store(database)
    reads = 0
    read = SqlDirectoryRepository._read

    async def counted(self: SqlDirectoryRepository) -> Directory:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.05)  # long enough for the others to find the cache stale
        return await read(self)
    try:
        directory = parse_directory(bundled_directory_text())
        async with store.unit_of_work() as uow:
            await uow.directory.replace(directory, NOW)
        store.directory_cache = DirectoryCache()  # as a process that just started
        monkeypatch.setattr(SqlDirectoryRepository, "_read", counted)

        async def load() -> str:
            async with store.unit_of_work() as uow:
                return (await uow.directory.load()).code
        codes = await asyncio.gather(*(load() for _ in range(8)))
        assert codes == [directory.code] * 8
        assert reads == 1
    finally:
        await database.dispose()
