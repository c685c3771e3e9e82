"""/healthz tells whether the database answers."""

from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.webchat import WebChatChannel
from bot.files.media import Media
from bot.runtime.settings import Settings
from bot.spine.dispatch import utcnow
from bot.web import Routes
from bot.web.limits import WebLimits
from storage.db import Database
from storage.uow import Store


async def health(url: str) -> tuple[int, dict[str, str]]:
    database = Database(url)
    store = Store(database)

    async def handle(message: object) -> bool:
        raise AssertionError("no messages here")
    app = web.Application()
    Routes(database, WebChatChannel(handle, Media(store, utcnow)), "vi",
           WebLimits(store, Settings(database_url=url), utcnow)).install(app)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
        body = await response.json()
    await database.dispose()
    return response.status, body


async def test_healthy(tmp_path: Path) -> None:
    assert await health(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}") == (
        200, {"status": "ok", "database": "ok"})


async def test_database_unreachable() -> None:
    status, body = await health("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    assert (status, body["database"]) == (503, "unavailable")
