"""`python -m tests.e2e.seed URL FILE`: load a bundled directory file into a migrated,
empty database, as the service would on its first start, before a service process or a
command runs against it."""

import asyncio
import sys
from datetime import UTC, datetime

import bot.app
from storage.db import Database
from storage.uow import Store


async def seed(url: str, name: str) -> None:
    bot.app.SEED_DIRECTORY = name
    database = Database(url)
    try:
        await bot.app.seed_directory(Store(database), datetime.now(UTC))
    finally:
        await database.dispose()


if __name__ == "__main__":
    asyncio.run(seed(sys.argv[1], sys.argv[2]))
