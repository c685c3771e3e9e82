"""The service's upkeep, by one worker at a time: a backup every PAKN_BACKUP_EVERY hours
(rotated to PAKN_BACKUP_KEEP), and on SQLite the planner's statistics refreshed
(`PRAGMA optimize`) every few hours. Which worker does it, and when it was last done,
is decided in the database (as the scheduler's rounds), so workers never do it twice."""

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core import privacy
from bot.core.calendars import Calendars
from bot.core.errors import StorageError
from bot.core.work import DoorWork, Runner
from bot.runtime.backups import LAST_BACKUP_META, Written, make_backup
from bot.runtime.settings import Settings
from bot.spine.dispatch import utcnow
from storage.backup import BackupError
from storage.db import Database
from storage.uow import Store

log = logging.getLogger(__name__)
OPTIMIZE_EVERY = timedelta(hours=6)
BACKUP_CLAIM, OPTIMIZE_CLAIM = "backup_started", "sqlite_optimized"


class Upkeep:
    def __init__(self, store: Store, settings: Settings,
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    async def round(self) -> None:
        if self.settings.backup_every and await self._claim(
                BACKUP_CLAIM, timedelta(hours=self.settings.backup_every)):
            await self._backup()
        if self.store.database.is_sqlite and await self._claim(OPTIMIZE_CLAIM,
                                                               OPTIMIZE_EVERY):
            await self.store.database.optimize()

    async def _claim(self, key: str, every: timedelta) -> bool:
        """Whether this worker does the job now: it is due, and no other worker took it."""
        now = self.clock()
        async with self.store.unit_of_work() as uow:
            if not await uow.try_lead(f"upkeep:{key}"):
                return False
            last = await uow.meta.get(key)
            if last is not None and now - datetime.fromisoformat(last) < every:
                return False
            await uow.meta.set(key, now.isoformat())
        return True

    async def _backup(self) -> None:
        try:
            written = await make_backup(self.settings.database_url, self.settings.backup_dir,
                                        self.clock(), self.settings.backup_keep or None)
            await remember(self.store, written)
        except (BackupError, OSError) as exc:  # tried again at the next period
            log.error("scheduled backup failed: %s", exc)
            return
        log.info("backup written: %s", written.path)


async def remember(store: Store, written: Written) -> None:
    """Record the backup, for `pakn doctor`'s age of the last backup."""
    async with store.unit_of_work() as uow:
        await uow.meta.set(LAST_BACKUP_META, json.dumps({
            "at": written.manifest["created_at"], "path": str(written.path)}))


async def last_backup(store: Store) -> datetime | None:
    async with store.unit_of_work() as uow:
        recorded = await uow.meta.get(LAST_BACKUP_META)
    return datetime.fromisoformat(json.loads(recorded)["at"]) if recorded else None


async def record_backup(settings: Settings, written: Written) -> None:
    """`pakn backup`'s record of what it wrote; a database too busy to take it leaves the
    backup valid all the same."""
    database = Database(settings.database_url)
    try:
        await remember(Store(database), written)
    except StorageError as exc:
        log.warning("backup written but not recorded: %s", exc)
    finally:
        await database.dispose()


async def erase_again(settings: Settings, people: list[int]) -> int:
    """After a restore: the erasures the replaced database recorded since the backup."""
    if not people:
        return 0
    database = Database(settings.database_url)
    try:
        store = Store(database)
        runner = Runner(store, settings, Calendars(), utcnow, on_commit=lambda: None)

        async def erase(work: DoorWork) -> int:
            return await privacy.erase_again(work, people)
        return int(await runner.run(erase, "restore"))
    finally:
        await database.dispose()
