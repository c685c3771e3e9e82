"""A backup taken while 50 citizens file PAKN in the web chat, restored into an empty
database (SQLite and PostgreSQL), loses nothing acknowledged before the backup started:
every PAKN whose tracking code reached its sender by then is there, with what they
wrote, its history and their photo; the restored counts are the manifest's, and
`pakn doctor` finds the restored database reachable, migrated, its directory loaded."""

import asyncio
import json
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import AttachmentRow, CaseEventRow, CaseRow
from tests.e2e.service import ROOT, ServiceProcess
from tests.faults.waiting import eventually
from tests.faults.webchat_citizens import WebCitizen

pytestmark = pytest.mark.e2e
CITIZENS = 50
OPEN = {"PAKN_LIMIT_FILINGS_ADDRESS": "0", "PAKN_LIMIT_CHAT_SESSIONS": "0",
        "PAKN_UPLOADS_PER_HOUR": "10000", "PAKN_LIMIT_FILINGS": "0"}
"""Fifty people behind one address (the test's): the per-address limits are lifted."""


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest
              ) -> Iterator[str]:
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
    else:
        yield request.getfixturevalue("fresh_postgres")


async def pakn(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    """`pakn ARGS` in its own process, without blocking the citizens' event loop."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--lang", "en", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def opened(backup: Path) -> tuple[int, dict[str, Any]]:
    """A backup's permissions and manifest."""
    with tarfile.open(backup) as archive:
        member = archive.extractfile("manifest.json")
        assert member is not None
        return backup.stat().st_mode & 0o777, json.loads(member.read())


async def test_a_backup_under_load_keeps_every_acknowledged_pakn(
        database_url: str, empty_url: str, tmp_path: Path) -> None:
    service = await ServiceProcess(tmp_path, database_url, **OPEN).start()
    codes: dict[int, str] = {}
    citizens = [WebCitizen(service.url, n) for n in range(1, CITIZENS + 1)]

    async def citizen(person: WebCitizen) -> None:
        codes[person.number] = await person.file()
    try:
        # A third file first; the others start then, and the backup once they are on
        # their way, so that they are filing while it is taken however fast the service
        # answers them.
        await asyncio.gather(*(citizen(person) for person in citizens[:CITIZENS // 3]))
        acknowledged = dict(codes)  # what their senders had before the backup started
        later = citizens[CITIZENS // 3:]
        filing = [asyncio.create_task(citizen(person)) for person in later]
        await eventually(lambda: any(person.acknowledged for person in later)
                         or any(task.done() for task in filing), "the others began")
        backup = asyncio.create_task(pakn(service.env, tmp_path, "backup", "--to",
                                          str(tmp_path / "backups")))
        filing_meanwhile = sum(not task.done() for task in filing)
        status, out, err = await backup
        assert status == 0, err
        await asyncio.gather(*filing)
    finally:
        await service.stop()
    assert filing_meanwhile > 0, "citizens were filing while the backup was taken"
    written = Path(out.strip().splitlines()[-1])
    mode, manifest = await asyncio.to_thread(opened, written)
    assert mode == 0o600, "a backup holds personal data: its owner only reads it"
    assert manifest["counts"]["cases"] >= len(acknowledged)

    restoring = {**service.env, "PAKN_DATABASE_URL": empty_url}
    status, out, err = await pakn(restoring, tmp_path, "restore", str(written))
    assert status == 0, err
    assert "Restored the backup" in out

    database = Database(empty_url)
    try:
        async with database.reading() as session:
            cases = {c.code: c for c in (await session.execute(select(CaseRow))).scalars()}
            events = {row for row in (await session.execute(
                select(CaseEventRow.case_id))).scalars()}
            photos = {row.case_id: row.content for row in (await session.execute(
                select(AttachmentRow).where(AttachmentRow.case_id.is_not(None)))).scalars()}
    finally:
        await database.dispose()
    assert len(cases) == manifest["counts"]["cases"]
    for number, code in acknowledged.items():
        case = cases.get(code)
        assert case is not None, f"{code} of citizen {number} was acknowledged, then lost"
        assert f"(người gửi web {number})" in case.text and case.contact_phone
        assert case.id in events, f"{code} has its history"
        assert photos.get(case.id), f"{code} has its photo, with its bytes"

    status, out, err = await pakn(restoring, ROOT, "doctor")
    lines = out.splitlines()
    assert status in (0, 1), out + err  # warnings (no public address) but no error
    for subject in ("Database", "Directory"):
        assert any(line.startswith(f"[ok] {subject}:") for line in lines), lines
