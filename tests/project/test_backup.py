"""Backups and their restore, on SQLite and PostgreSQL: one file readable by its owner
only, whose manifest's checksum and row counts match what it holds; a restore into an
empty database gives back every row and file, refuses a database with data unless
forced, refuses a damaged or foreign backup before touching anything, and erases again
the people the replaced database had erased since the backup."""

import asyncio
import io
import json
import stat
import tarfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select

from bot.cli import main
from bot.core import privacy
from bot.core.records import FileKind
from bot.core.work import Work
from bot.runtime.backups import (
    BackupRefused,
    Refusal,
    backups_in,
    make_backup,
    read_manifest,
    restore_backup,
)
from storage import backup
from storage.db import Database
from storage.migrate import alembic_config
from storage.models import AccountRow, AttachmentRow, CaseRow
from storage.uow import Store
from tests.conversation.harness import Harness
from tests.conversation.test_pakn_flow import file_pakn


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest
              ) -> Iterator[str]:
    """An empty database of the same kind as `database_url`, nothing in it, no schema."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'pakn.db'}"
    else:
        yield request.getfixturevalue("fresh_postgres")


async def with_data(bot: Harness) -> tuple[list[str], bytes]:
    """Two citizens' PAKN and a photo kept as bytes; their codes and the photo."""
    codes = [await file_pakn(bot, "5001"), await file_pakn(bot, "5002")]
    photo = bytes(range(256)) * 40
    async with bot.store.unit_of_work() as uow:
        case = await uow.cases.get_by_code(codes[0])
        assert case is not None and case.id is not None
        await uow.attachments.add(case.citizen_id, "webchat", bot.clock(), content=photo,
                                  mime="image/png", case_id=case.id, kind=FileKind.UPLOAD)
    return codes, photo


async def rows(url: str) -> tuple[list[str], list[bytes | None]]:
    database = Database(url)
    try:
        async with database.reading() as session:
            codes = (await session.execute(select(CaseRow.code).order_by(CaseRow.code))
                     ).scalars().all()
            files = (await session.execute(select(AttachmentRow.content)
                                           .order_by(AttachmentRow.id))).scalars().all()
    finally:
        await database.dispose()
    return list(codes), list(files)


async def test_backup_then_restore_into_an_empty_database(
        bot: Harness, database_url: str, empty_url: str, tmp_path: Path) -> None:
    codes, photo = await with_data(bot)
    written = await make_backup(database_url, tmp_path / "backups", bot.clock())

    assert written.path.parent == tmp_path / "backups" and written.path.is_file()
    assert stat.S_IMODE(written.path.stat().st_mode) == 0o600, "personal data: owner only"
    manifest = read_manifest(written.path)
    assert manifest == written.manifest
    now = await backup.snapshot(database_url)
    assert manifest["counts"] == now.counts and manifest["counts"]["cases"] == 2
    assert manifest["schema_revision"] == now.revision
    assert manifest["created_at"] == bot.clock().isoformat()

    restored = await restore_backup(empty_url, written.path)
    assert restored.replaced_rows == 0 and restored.erased_since == []
    assert (await backup.snapshot(empty_url)).counts == manifest["counts"]
    found_codes, files = await rows(empty_url)
    assert found_codes == sorted(codes) and photo in files


async def test_a_database_with_data_is_kept_unless_forced(
        bot: Harness, database_url: str, tmp_path: Path) -> None:
    await with_data(bot)
    written = await make_backup(database_url, tmp_path, bot.clock())
    await file_pakn(bot, "5003")  # after the backup
    with pytest.raises(BackupRefused) as refused:
        await restore_backup(database_url, written.path)
    assert refused.value.reason is Refusal.NOT_EMPTY
    assert len((await rows(database_url))[0]) == 3, "nothing touched"

    forced = await restore_backup(database_url, written.path, force=True)
    assert forced.replaced_rows > 0
    assert len((await rows(database_url))[0]) == 2, "the database is the backup's"


async def test_a_damaged_backup_is_refused_before_anything_changes(
        bot: Harness, database_url: str, empty_url: str, tmp_path: Path) -> None:
    await with_data(bot)
    written = await make_backup(database_url, tmp_path, bot.clock())
    with tarfile.open(written.path) as archive:
        members = {m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
                   for m in archive.getmembers()}
    name = written.manifest["dump"]["name"]
    for position in (0, len(members[name]) // 2, len(members[name]) - 1):
        damaged = bytearray(members[name])
        damaged[position] ^= 0x01
        target = tmp_path / f"damaged-{position}.tar"
        with tarfile.open(target, "w") as archive:
            for member, content in ((n, members[n]) for n in members):
                body = bytes(damaged) if member == name else content
                info = tarfile.TarInfo(member)
                info.size = len(body)
                archive.addfile(info, io.BytesIO(body))
        with pytest.raises(BackupRefused) as refused:
            await restore_backup(empty_url, target)
        assert refused.value.reason is Refusal.DAMAGED
    for junk in (b"", b"not a tar at all", members["manifest.json"]):
        (tmp_path / "junk.tar").write_bytes(junk)
        with pytest.raises(BackupRefused) as refused:
            await restore_backup(empty_url, tmp_path / "junk.tar")
        assert refused.value.reason is Refusal.NOT_A_BACKUP
    assert sum((await backup.snapshot(empty_url)).counts.values()) == 0


async def test_rotation_keeps_the_newest(bot: Harness, database_url: str,
                                         tmp_path: Path) -> None:
    made = []
    for hour in range(4):
        written = await make_backup(database_url, tmp_path, bot.clock() + timedelta(hours=hour),
                                    keep=2)
        made.append(written.path)
    assert backups_in(tmp_path) == made[2:]
    left = await asyncio.to_thread(lambda: [p.name for p in tmp_path.iterdir()])
    assert not any(name.startswith(".pakn-backup-") for name in left), "no work files left"


async def test_erasures_since_the_backup_are_applied_again(
        bot: Harness, database_url: str, tmp_path: Path) -> None:
    codes, _photo = await with_data(bot)
    written = await make_backup(database_url, tmp_path, bot.clock())
    bot.clock.advance(minutes=5)
    async with bot.store.unit_of_work() as uow:
        person = await privacy.person_of_case(uow, codes[1])
        key = await privacy.pseudonym_key(uow, bot.settings)
        await privacy.erase(uow, None, person, bot.clock(), key=key)

    restored = await restore_backup(database_url, written.path, force=True)
    assert restored.erased_since == [person]
    assert await erased(database_url, person) is None, "the backup's data is back"
    database = Database(database_url)  # a restore is done with the service stopped
    try:
        async with Store(database).unit_of_work() as uow:
            work = Work(uow, bot.clock(), bot.settings, await uow.directory.load(),
                        bot.calendars)
            assert await privacy.erase_again(work, [*restored.erased_since, 987654]) == 1
    finally:
        await database.dispose()
    assert await erased(database_url, person) == bot.clock()


async def erased(url: str, person: int) -> object:
    database = Database(url)
    try:
        async with database.reading() as session:
            return (await session.execute(select(AccountRow.erased_at)
                                          .where(AccountRow.id == person))).scalar_one()
    finally:
        await database.dispose()


def test_the_commands_restore_an_older_backup_and_migrate_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    older = f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    command.upgrade(alembic_config(older), "0013")
    monkeypatch.setenv("PAKN_DATABASE_URL", older)
    monkeypatch.chdir(tmp_path)
    for _ in range(2):  # the second holds the first's record
        assert main(["--lang", "en", "backup", "--to", "out", "--keep", "1"]) == 0
    printed = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed.parent == Path("out") and backups_in(tmp_path / "out") == [
        tmp_path / printed]
    assert json.loads(tarfile.open(tmp_path / printed).extractfile(  # noqa: SIM115
        "manifest.json").read())["database"] == "sqlite"  # type: ignore[union-attr]
    monkeypatch.setenv("PAKN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    assert main(["--lang", "en", "restore", str(printed)]) == 0
    out = capsys.readouterr().out
    assert "Restored the backup" in out and "WARNING: erasures" in out
    restored = asyncio.run(backup.snapshot(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"))
    assert restored.revision == ScriptDirectory.from_config(
        alembic_config(older)).get_current_head(), "migrated after the restore"
    assert restored.counts["meta"] == 1
    assert main(["--lang", "en", "restore", str(printed)]) == 2, "b.db holds data now"
    assert "not empty" in capsys.readouterr().err
