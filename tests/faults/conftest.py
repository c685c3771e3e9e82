"""The fake Bot API with faults, and the service processes of the fault tests."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from storage.migrate import upgrade
from tests.e2e.service import TOKEN
from tests.faults.bot_api import FaultyBotApi
from tests.faults.workers import Worker

MakeWorker = Callable[..., Worker]


@pytest.fixture
async def bot_api() -> AsyncIterator[FaultyBotApi]:
    api = await FaultyBotApi(TOKEN).start()
    yield api
    await api.stop()


@pytest.fixture
async def workers(bot_api: FaultyBotApi,
                  tmp_path: Path) -> AsyncIterator[MakeWorker]:
    """Makes service processes (not started) against the fake Bot API; all are stopped
    at the end."""
    made: list[Worker] = []

    def make(database_url: str, **env: str) -> Worker:
        worker = Worker(tmp_path / f"worker{len(made) + 1}", database_url, bot_api.url, **env)
        made.append(worker)
        return worker
    yield make
    for worker in made:
        await worker.stop()


@pytest.fixture
def postgres_url(fresh_postgres: str) -> str:
    """A PostgreSQL database at the latest schema, for what only PostgreSQL does."""
    upgrade(fresh_postgres)
    return fresh_postgres
