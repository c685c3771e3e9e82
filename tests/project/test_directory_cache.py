"""The directory each process keeps: checked against the database's version in every
transaction, so that a directory another worker loaded is used at once, by a transaction
that identifies a known sender (the version read along) as by any other."""

import dataclasses
from datetime import UTC, datetime

from bot.app import bundled_directory_text
from complaints.directory_file import parse_directory
from storage.db import Database
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
