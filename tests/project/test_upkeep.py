"""The service's upkeep: a backup every PAKN_BACKUP_EVERY hours by one worker of many,
rotated to PAKN_BACKUP_KEEP, none when unset; SQLite's statistics refreshed on a
schedule and after imports."""

import dataclasses
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from bot.runtime.backups import backups_in, read_manifest
from bot.runtime.maintenance import OPTIMIZE_CLAIM, Upkeep, last_backup
from tests.conversation.harness import Harness
from tests.conversation.test_pakn_flow import file_pakn


async def test_scheduled_backups_by_one_worker(bot: Harness, tmp_path: Path) -> None:
    await file_pakn(bot, "7001")
    settings = dataclasses.replace(bot.settings, backup_every=6, backup_keep=2,
                                   backup_dir=tmp_path / "backups")
    workers = [Upkeep(bot.store, settings, bot.clock) for _ in range(2)]
    for _period in range(4):  # whichever worker comes first takes it, the other none
        for worker in workers:
            await worker.round()
        bot.clock.advance(hours=6)
    kept = backups_in(tmp_path / "backups")
    assert len(kept) == 2, "four taken, one per period; the two newest kept"
    newest = read_manifest(kept[-1])
    assert newest["counts"]["cases"] == 1
    assert await last_backup(bot.store) == bot.clock() - timedelta(hours=6)
    bot.clock.advance(hours=-1)  # within the period of the last one: nothing more
    for worker in workers:
        await worker.round()
    assert backups_in(tmp_path / "backups") == kept


async def test_no_scheduled_backup_unless_asked(bot: Harness, tmp_path: Path) -> None:
    settings = dataclasses.replace(bot.settings, backup_dir=tmp_path / "backups")
    await Upkeep(bot.store, settings, bot.clock).round()
    assert backups_in(tmp_path / "backups") == []
    assert await last_backup(bot.store) is None


async def test_sqlite_statistics(bot: Harness) -> None:
    await Upkeep(bot.store, bot.settings, bot.clock).round()
    async with bot.store.unit_of_work() as uow:
        optimized = await uow.meta.get(OPTIMIZE_CLAIM)
    assert (optimized is not None) == bot.store.database.is_sqlite
    await file_pakn(bot, "7002")
    await bot.store.database.analyze()  # as after an import
    if bot.store.database.is_sqlite:
        async with bot.store.database.reading() as session:
            analysed = (await session.execute(text(
                "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'cases'"))).scalar_one()
        assert analysed >= 1
