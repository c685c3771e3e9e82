"""`python -m tests.e2e.seed URL FILE`: migrate the database and load a bundled directory
file into it if it has none, as the service does on its first start, before a service
process or a command runs against it."""

import asyncio
import sys
from datetime import UTC, datetime

import bot.app
from storage.db import Database
from storage.migrate import upgrade
from storage.uow import Store


async def seed(url: str, name: str) -> None:
    bot.app.SEED_DIRECTORY = name
    database = Database(url)
    try:
        await bot.app.seed_directory(Store(database), datetime.now(UTC))
    finally:
        await database.dispose()


if __name__ == "__main__":
    upgrade(sys.argv[1])
    asyncio.run(seed(sys.argv[1], sys.argv[2]))
