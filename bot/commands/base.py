"""What the commands share: a store on its own connection, the directory, output."""

import asyncio
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
async def open_store(settings: Settings) -> AsyncIterator[Store]:
    """A store for one command, on a migrated database with a directory loaded."""
    database = Database(settings.database_url)
    try:
        store = Store(database)
        await seed_directory(store, utcnow())
        yield store
    finally:
        await database.dispose()


async def reachable(url: str, seconds: float) -> bool:
    """Whether the database answers within `seconds` (it may be starting beside us)."""
    database = Database(url)
    try:
        async with asyncio.timeout(seconds):
            while True:
                if await database.ping():
                    return True
                await asyncio.sleep(1)
    except TimeoutError:
        return False
    finally:
        await database.dispose()


def migrate(settings: Settings) -> None:
    upgrade(settings.database_url)


def fail(message: str, code: int = 1) -> int:
    print(f"pakn: {message}", file=sys.stderr)
    return code
