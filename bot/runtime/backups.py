"""The service's backups: one file each, and their restore.

A backup is a tar holding the database's consistent copy (storage.backup: SQLite's
online backup, or pg_dump's custom format) and `manifest.json`: when it was taken, the
service's version, the schema's revision, the copy's SHA-256 and size, the rows of every
table and the erasures of personal data it holds. The uploaded files are rows of the
database (`attachments`), so they are in the copy. The file is written under a
temporary name and renamed once complete and on disk, and only its owner may read it
(0600): it holds personal data.
"""

import asyncio
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from storage import backup

PREFIX, SUFFIX = "pakn-backup-", ".tar"
MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1 << 20
LAST_BACKUP_META = "last_backup"
"""Meta key: when the last backup was taken and where (for `pakn doctor`)."""


class Refusal(StrEnum):
    NOT_A_BACKUP = "not_a_backup"
    DAMAGED = "damaged"
    OTHER_DATABASE = "other_database"
    NOT_EMPTY = "not_empty"
    COUNTS_DIFFER = "counts_differ"


class BackupRefused(Exception):
    def __init__(self, reason: Refusal, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Written:
    path: Path
    manifest: dict[str, Any]
    removed: list[Path]


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    replaced_rows: int
    """Rows the database held before (0 unless forced)."""
    erased_since: list[int]
    """Accounts erased in the replaced database after the backup was taken."""


def version() -> str:
    try:
        return metadata.version("pakn-bot")
    except metadata.PackageNotFoundError:
        return "unknown"


def backup_name(now: datetime) -> str:
    return f"{PREFIX}{now:%Y%m%dT%H%M%S%f}Z{SUFFIX}"


async def make_backup(url: str, directory: Path, now: datetime,
                      keep: int | None = None) -> Written:
    """Write a backup of the database at `url` into `directory`; with `keep`, delete the
    oldest backups there beyond the `keep` newest."""
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True, mode=0o700)
    kind = backup.backend(url)
    dump_name = "database.sqlite3" if kind == "sqlite" else "database.pgdump"
    name = backup_name(now)
    # The work space is beside the backups (mode 0700), so the rename stays on one disk.
    with tempfile.TemporaryDirectory(dir=directory, prefix=".pakn-backup-") as work:
        dump = Path(work) / dump_name
        found = await backup.dump(url, dump)
        digest, size = await asyncio.to_thread(_sha256, dump)
        manifest = {"format": FORMAT, "created_at": now.isoformat(), "app_version": version(),
                    "database": kind,
                    "dump": {"name": dump_name, "sha256": digest, "size": size},
                    **backup.describe(found)}
        staged = Path(work) / name
        await asyncio.to_thread(_write_tar, staged, dump, manifest)
        os.replace(staged, directory / name)
    _sync_directory(directory)
    removed = rotate(directory, keep) if keep else []
    return Written(directory / name, manifest, removed)


def backups_in(directory: Path) -> list[Path]:
    """The backups in `directory`, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir()
                  if p.name.startswith(PREFIX) and p.name.endswith(SUFFIX) and p.is_file())


def rotate(directory: Path, keep: int) -> list[Path]:
    old = backups_in(directory)[:-keep]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _write_tar(target: Path, dump: Path, manifest: dict[str, Any]) -> None:
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w") as archive:
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(body), 0o600
            archive.addfile(info, io.BytesIO(body))
            info = archive.gettarinfo(dump, arcname=dump.name)
            info.mode, info.uname, info.gname = 0o600, "", ""
            with dump.open("rb") as content:
                archive.addfile(info, content)
        raw.flush()
        os.fsync(raw.fileno())


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- reading and restoring ---------------------------------------------------------------

def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(path, mode="r") as archive:
            return _manifest(archive)
    except (tarfile.TarError, OSError, ValueError) as exc:
        raise BackupRefused(Refusal.NOT_A_BACKUP, str(exc)) from exc


def _manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    member = archive.extractfile(MANIFEST)
    if member is None:
        raise ValueError("no manifest")
    manifest = json.loads(member.read())
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError("unknown manifest format")
    return manifest


@contextmanager
def unpacked(path: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    """The manifest and the database copy of a backup, in a temporary directory, once
    the copy's SHA-256 and size match the manifest's."""
    with tempfile.TemporaryDirectory(prefix="pakn-restore-") as work:
        try:
            with tarfile.open(path, mode="r") as archive:
                manifest = _manifest(archive)
                expected = manifest["dump"]
                target = Path(work) / Path(str(expected["name"])).name
                member = archive.extractfile(str(expected["name"]))
                if member is None:
                    raise ValueError("no database copy")
                digest, size = _copy(member, target)
        except (tarfile.TarError, OSError, ValueError, KeyError) as exc:
            raise BackupRefused(Refusal.NOT_A_BACKUP, str(exc)) from exc
        if (digest, size) != (expected["sha256"], expected["size"]):
            raise BackupRefused(Refusal.DAMAGED, expected["name"])
        yield manifest, target


def _copy(source: IO[bytes], target: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


async def restore_backup(url: str, path: Path, force: bool = False) -> Restored:
    """Restore the backup at `path` into the database at `url`: refused when its checksum
    fails, when it is of the other kind of database, or when the database holds rows
    (unless `force`); the rows restored are counted against the manifest. The schema is
    left at the backup's revision: migrate it afterwards."""
    with unpacked(path) as (manifest, dump):
        kind = backup.backend(url)
        if manifest["database"] != kind:
            raise BackupRefused(Refusal.OTHER_DATABASE, manifest["database"])
        before = await backup.snapshot(url)
        rows = sum(before.counts.values())
        if rows and not force:
            raise BackupRefused(Refusal.NOT_EMPTY, str(rows))
        taken = datetime.fromisoformat(manifest["created_at"])
        erased_since = await backup.erased_after(url, taken) if rows else []
        await backup.restore(url, dump)
    after = await backup.snapshot(url)
    differ = {table: (count, after.counts.get(table))
              for table, count in manifest["counts"].items()
              if after.counts.get(table) != count}
    if differ:
        raise BackupRefused(Refusal.COUNTS_DIFFER, ", ".join(
            f"{table}: {want} / {got}" for table, (want, got) in sorted(differ.items())))
    return Restored(manifest, rows, erased_since)
