"""A consistent copy of the database taken while the service runs, and its restore.

SQLite: the online backup API copies every page in one step under a read transaction
(in WAL mode writers go on meanwhile), so the copy is the database as of one instant.
PostgreSQL: `pg_dump --format=custom` inside the snapshot of a REPEATABLE READ
transaction of ours (`--snapshot`), in which the rows are counted too: the counts in the
manifest are those of the dump. The uploaded files are rows of `attachments` (their
bytes in `content`), so they are in the copy with everything else.
"""

import asyncio
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import URL, func, inspect, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from bot.core.errors import StorageError
from storage.models import AccountRow

IGNORED = ("alembic_version",)
"""Tables whose rows say nothing about the deployment's data."""


class BackupError(StorageError):
    """A dump or restore that could not be made; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    """What a copy holds: the schema's revision, rows per table, the erasures in it."""

    revision: str | None
    counts: dict[str, int]
    erasures: int
    last_erasure: datetime | None


def backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


async def dump(url: str, target: Path) -> Snapshot:
    """Write a consistent copy of the database at `url` to `target`."""
    if backend(url) == "sqlite":
        await asyncio.to_thread(_sqlite_dump, sqlite_path(url), target)
        return await snapshot(f"sqlite+aiosqlite:///{target}")
    return await _postgres_dump(url, target)


async def restore(url: str, source: Path) -> None:
    """Replace the database at `url` with the copy `source` (whatever it held)."""
    if backend(url) == "sqlite":
        await asyncio.to_thread(_sqlite_restore, source, sqlite_path(url))
    else:
        await _postgres_restore(url, source)


async def snapshot(url: str) -> Snapshot:
    """What the database at `url` holds now (a SQLite file not made yet: nothing)."""
    if backend(url) == "sqlite" and not sqlite_path(url).exists():
        return Snapshot(None, {}, 0, None)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await _snapshot(conn)
    except OSError as exc:
        raise BackupError(str(exc)) from exc
    finally:
        await engine.dispose()


async def _snapshot(conn: AsyncConnection) -> Snapshot:
    tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    counts = {}
    for name in sorted(tables):
        if name not in IGNORED:
            quoted = conn.dialect.identifier_preparer.quote(name)
            counts[name] = int((await conn.execute(
                text(f"SELECT count(*) FROM {quoted}"))).scalar_one())  # noqa: S608
    revision = None
    if "alembic_version" in tables:
        revision = (await conn.execute(text("SELECT version_num FROM alembic_version"))
                    ).scalar_one_or_none()
    erasures, last = 0, None
    if "accounts" in tables and "erased_at" in {
            c["name"] for c in await conn.run_sync(
                lambda sync: inspect(sync).get_columns("accounts"))}:
        erasures, last = (await conn.execute(
            select(func.count(), func.max(AccountRow.erased_at))
            .where(AccountRow.erased_at.is_not(None)))).one()
    return Snapshot(revision, counts, int(erasures), last)


async def erased_after(url: str, moment: datetime) -> list[int]:
    """The accounts of the database at `url` erased after `moment`."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(AccountRow.id).where(
                AccountRow.erased_at > moment).order_by(AccountRow.id))
            return [int(row) for row in rows.scalars()]
    except OSError as exc:
        raise BackupError(str(exc)) from exc
    finally:
        await engine.dispose()


# --- SQLite ------------------------------------------------------------------------------

def _sqlite_dump(path: Path, target: Path) -> None:
    if not path.is_file():
        raise BackupError(f"no database file at {path}")
    source = sqlite3.connect(path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one instant of the database
        copy.execute("PRAGMA journal_mode=DELETE")  # one file, no write-ahead log
    finally:
        source.close()
        copy.close()


def _sqlite_restore(source: Path, path: Path) -> None:
    """Copy beside the database, then rename over it: the database is the old one or the
    restored one, never half of each. The old write-ahead log goes with the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(path.name + ".restoring")
    shutil.copyfile(source, staged)
    os.chmod(staged, 0o600)
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    os.replace(staged, path)


# --- PostgreSQL --------------------------------------------------------------------------

def libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL pg_dump and pg_restore take, and their environment: the password goes
    in PGPASSWORD, never on a command line others can read."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None, query={})
    return plain.render_as_string(hide_password=False), env


async def _run(*command: str, env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _out, err = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{command[0]} failed: {err.decode(errors='replace').strip()}")


async def _postgres_dump(url: str, target: Path) -> Snapshot:
    address, env = libpq(url)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                exported = (await conn.execute(text("SELECT pg_export_snapshot()"))
                            ).scalar_one()
                found = await _snapshot(conn)
                # pg_dump sees exactly what this transaction sees, while it stays open.
                await _run("pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                           f"--snapshot={exported}", f"--file={target}",
                           f"--dbname={address}", env=env)
        return found
    except OSError as exc:
        raise BackupError(str(exc)) from exc
    finally:
        await engine.dispose()


async def _postgres_restore(url: str, source: Path) -> None:
    """Empty the schema (the caller checked that nothing is lost, or was told to), then
    restore in one transaction: all of the copy or nothing."""
    address, env = libpq(url)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    except OSError as exc:
        raise BackupError(str(exc)) from exc
    finally:
        await engine.dispose()
    await _run("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={address}", str(source), env=env)


def describe(found: Snapshot) -> dict[str, Any]:
    return {"schema_revision": found.revision, "counts": found.counts,
            "erasures": {"count": found.erasures,
                         "last_at": found.last_erasure.isoformat() if found.last_erasure
                         else None}}
