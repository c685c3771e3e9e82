"""Migration 0008 on a database that already holds ratings: those tied to a dossier become
verified, the latest of a dossier counts and the earlier ones are kept as replaced; the
others stay unverified. On SQLite and PostgreSQL."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text

from storage.db import Database
from storage.migrate import alembic_config, upgrade
from storage.models import RatingRow, ReplacedRatingRow

ROWS = [  # id, source id, day of February 2026, score, dossier
    (1, "a", 1, 5, "HS-1"), (2, "b", 3, 2, "HS-1"), (3, "c", 2, 4, "HS-1"),
    (4, "d", 1, 4, "HS-2"), (5, "e", 1, 3, None)]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'old.db'}" if request.param == "sqlite"
           else request.getfixturevalue("fresh_postgres"))
    command.upgrade(alembic_config(url), "0007")
    return url


async def test_ratings_of_a_dossier_become_verified_once(old_database: str) -> None:
    database = Database(old_database)
    try:
        async with database.engine.begin() as connection:
            for row_id, source_id, day, score, dossier in ROWS:
                await connection.execute(text(
                    "INSERT INTO ratings (id, source, source_id, rated_at, unit_code, "
                    "field_code, channel, score, answers, dossier) VALUES (:id, 'import:x', "
                    ":source_id, :rated_at, 'PTP', 'ho_tich', 'paper', :score, '{}', "
                    ":dossier)"), {"id": row_id, "source_id": source_id,
                                   "rated_at": datetime(2026, 2, day, 3, tzinfo=UTC)
                                   .replace(tzinfo=None if "sqlite" in old_database else UTC),
                                   "score": score, "dossier": dossier})
    finally:
        await database.dispose()
    await asyncio.to_thread(upgrade, old_database)  # Alembic runs a loop of its own
    database = Database(old_database)
    try:
        async with database.reading() as session:
            kept = {(r.id, r.dossier, r.verified) for r in (await session.execute(
                select(RatingRow))).scalars()}
            replaced = {(r.rating_id, r.replaced_by, r.score) for r in (await session.execute(
                select(ReplacedRatingRow))).scalars()}
    finally:
        await database.dispose()
    assert kept == {(2, "HS-1", True), (4, "HS-2", True), (5, None, False)}
    assert replaced == {(1, 2, 5), (3, 2, 4)}, "the latest (3 February) replaced the others"
