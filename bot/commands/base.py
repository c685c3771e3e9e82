"""What the commands share: a store on its own connection, the directory, output."""

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.app import seed_directory
from bot.dispatch import utcnow
from bot.settings import Settings
from storage.db import Database
from storage.migrate import upgrade
from storage.uow import Store


@asynccontextmanager
async def open_store(settings: Settings, imports: bool = False) -> AsyncIterator[Store]:
    """A store for one command, on a migrated database with a directory loaded; after
    `imports`, the planner's statistics are gathered again (the tables grew at once)."""
    database = Database(settings.database_url)
    try:
        store = Store(database)
        await seed_directory(store, utcnow())
        yield store
        if imports:
            await database.analyze()
    finally:
        await database.dispose()


def migrate(settings: Settings) -> None:
    upgrade(settings.database_url)


def fail(message: str, code: int = 1) -> int:
    print(f"pakn: {message}", file=sys.stderr)
    return code
