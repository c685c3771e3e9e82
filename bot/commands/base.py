"""What the commands share: a store on its own connection, the directory, output.

Imports the application inside the functions: the command modules import this one to
build their parsers."""

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.present.i18n import _

if TYPE_CHECKING:
    from bot.runtime.settings import Settings
    from storage.uow import Store



@asynccontextmanager
async def open_store(settings: "Settings", imports: bool = False
                     ) -> AsyncIterator["Store"]:
    """A store for one command, on a migrated database with a directory loaded; after
    `imports`, the planner's statistics are gathered again (the tables grew at once)."""
    from bot.app import seed_directory
    from bot.spine.dispatch import utcnow
    from storage.db import Database
    from storage.uow import Store
    database = Database(settings.database_url)
    try:
        store = Store(database)
        await seed_directory(store, utcnow())
        yield store
        if imports:
            await database.analyze()
    finally:
        await database.dispose()


async def reachable(url: str, seconds: float) -> bool:
    """Whether the database answers within `seconds` (it may be starting beside us)."""
    from storage.db import Database
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


def migrate(settings: "Settings") -> None:
    """Bring the schema up to date, saying so first when this makes a new, empty
    database (a command run with another PAKN_HOME or folder than the service's)."""
    from bot.runtime.home import about_to_create
    from storage.migrate import upgrade
    created = about_to_create(settings.database_url)
    if created is not None:
        warn(_("no database at {path}: a new, empty one is made. The service and the "
               "commands find theirs in PAKN_HOME (or PAKN_DATABASE_URL): set the same "
               "one for both.").format(path=created))
    upgrade(settings.database_url)


def site_url(settings: "Settings") -> str:
    """Where people open the links a command prints: PAKN_PUBLIC_URL; without it this
    machine's address, which works only here, so the operator is warned."""
    if settings.public_url is None:
        warn(_("PAKN_PUBLIC_URL is not set: the links below use {url}, which works only on "
               "this machine.").format(url=settings.site_url))
    return settings.site_url


def warn(message: str) -> None:
    print(_("pakn: warning: {message}").format(message=message), file=sys.stderr)


def fail(message: str, code: int = 1) -> int:
    print(f"pakn: {message}", file=sys.stderr)
    return code
