from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.service import SECRET, TOKEN, ServiceProcess
from tests.fakes.telegram_api import FakeBotApi


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    api = await FakeBotApi(TOKEN).start()
    yield api
    await api.stop()


@pytest.fixture
async def service(database_url: str, fake_api: FakeBotApi,
                  tmp_path: Path) -> AsyncIterator[ServiceProcess]:
    """The service with Telegram by webhook against the fake Bot API."""
    process = ServiceProcess(tmp_path, database_url, PAKN_TELEGRAM_TOKEN=TOKEN,
                             PAKN_TELEGRAM_API_URL=fake_api.url,
                             PAKN_TELEGRAM_WEBHOOK_SECRET=SECRET)
    process.env["PAKN_PUBLIC_URL"] = process.url
    await process.start()
    await fake_api.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls))
    await process.connected("Telegram")
    yield process
    await process.stop()


@pytest.fixture
async def webchat(database_url: str, tmp_path: Path) -> AsyncIterator[ServiceProcess]:
    """The service as `make run` starts it: web chat only, no Telegram."""
    process = await ServiceProcess(tmp_path, database_url).start()
    yield process
    await process.stop()
