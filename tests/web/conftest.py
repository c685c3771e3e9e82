from collections.abc import AsyncIterator
from datetime import UTC

import pytest

from tests.clock import Clock
from tests.e2e import published
from tests.web.site import Site, local_start


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    """The service with a quarter of history, on Monday 5 October 2026, 9:00."""
    await published.seed(database_url)
    running = await Site(database_url, Clock(local_start().astimezone(UTC))).start()
    yield running
    await running.close()
