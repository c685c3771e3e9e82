from collections.abc import AsyncIterator

import pytest

from tests.clock import Clock
from tests.hostile.stage import Stage


@pytest.fixture
async def stage(database_url: str, clock: Clock) -> AsyncIterator[Stage]:
    running = await Stage(database_url, clock).start()
    yield running
    await running.close()
