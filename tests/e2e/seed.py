"""A bundled directory file loaded into a test database that has none, as the service
does on its first start, before a service process or a command runs against it."""

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
