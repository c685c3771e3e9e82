"""Migration 0010 on a database with files: every file gets its own key and its kind,
SQLite's table gets AUTOINCREMENT (ids never given twice), and it goes back down."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.migrate import alembic_config

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = [  # (mime, filename, expected kind)
    ("image/jpeg", None, "upload"),
    ("image/png", None, "upload"),
    ("application/pdf", "PA-1-01.pdf", "document"),
    (XLSX, "pakn-2026-Q3.xlsx", "export"),
    ("text/csv", "pakn-2026-Q3-cases.csv", "export"),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    return str(request.getfixturevalue("fresh_postgres"))


async def _run(url: str, *statements: tuple[str, dict[str, object]]
               ) -> list[list[tuple[object, ...]]]:
    """The statements in one transaction; the rows of each SELECT."""
    engine = create_async_engine(url)
    found: list[list[tuple[object, ...]]] = []
    try:
        async with engine.begin() as connection:
            for sql, params in statements:
                result = await connection.execute(text(sql), params)
                if sql.startswith("SELECT"):
                    found.append([tuple(row) for row in result.all()])
    finally:
        await engine.dispose()
    return found


def test_files_get_keys_kinds_and_ids_never_given_twice(empty_url: str) -> None:
    config = alembic_config(empty_url)
    command.upgrade(config, "0008")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    inserts = [("INSERT INTO accounts (role, display_name, created_at) "
                "VALUES ('citizen', '', :t)", {"t": now})]
    inserts += [("INSERT INTO attachments (owner_id, channel, mime, filename, size, created_at)"
                 " VALUES (1, 'webchat', :mime, :name, 0, :t)",
                 {"mime": mime, "name": name, "t": now}) for mime, name, _ in FILES]
    asyncio.run(_run(empty_url, *inserts))

    command.upgrade(config, "0010")
    [rows] = asyncio.run(_run(empty_url, ("SELECT id, key, kind FROM attachments ORDER BY id",
                                          {})))
    assert [kind for _, _, kind in rows] == [kind for _, _, kind in FILES]
    keys = [key for _, key, _ in rows]
    assert len(set(keys)) == len(keys) and all(len(key) >= 20 for key in keys)

    # The last file deleted: its id is not given to the next one.
    last = rows[-1][0]
    asyncio.run(_run(empty_url, ("DELETE FROM attachments WHERE id = :id", {"id": last}),
                     ("INSERT INTO attachments (owner_id, channel, mime, size, created_at, key,"
                      " kind) VALUES (1, 'webchat', 'image/png', 0, :t, 'k', 'upload')",
                      {"t": now})))
    [[(newest,)]] = asyncio.run(_run(empty_url, ("SELECT max(id) FROM attachments", {})))
    assert newest > last
    if empty_url.startswith("sqlite"):
        [[(schema,)]] = asyncio.run(_run(empty_url, (
            "SELECT sql FROM sqlite_master WHERE name = 'attachments'", {})))
        assert "AUTOINCREMENT" in schema

    command.downgrade(config, "0008")
    command.upgrade(config, "head")
