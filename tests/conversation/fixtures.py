"""The conversation harness as fixtures, for every test package that drives the bot."""

from collections.abc import AsyncIterator

import pytest

from tests.conversation.harness import MONDAY_MORNING, Clock, Harness


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_MORNING)


@pytest.fixture
async def bot(database_url: str, clock: Clock) -> AsyncIterator[Harness]:
    harness = await Harness(database_url, clock).start()
    yield harness
    await harness.close()
