"""The Open311, open data and public page endpoints in-process, over the conversation
harness's database, so that staff act in their chats as usual and the clock is
the tests'."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.cli import main
from bot.core.work import Runner
from bot.web.limits import WebLimits
from bot.web.open311 import Open311
from bot.web.opendata import OpenData
from bot.web.public import PublicSite
from bot.web.routes import STATIC
from tests.conversation.harness import Harness

Cli = Callable[..., Awaitable[tuple[int, str]]]


@pytest.fixture
async def api(bot: Harness) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    runner = Runner(bot.store, bot.settings, bot.calendars, bot.clock, lambda: None)
    Open311(bot.store, runner, bot.settings, bot.clock,
            WebLimits(bot.store, bot.settings, bot.clock)).install(app)
    OpenData(bot.store, bot.settings, bot.clock).install(app)
    PublicSite(bot.store, bot.settings, bot.clock).install(app)
    app.router.add_static("/static/", STATIC, append_version=True, name="static")
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    """`pakn ARGS` on the same database: its exit code and what it printed."""
    for name in ("PAKN_TELEGRAM_TOKEN", "PAKN_PUBLIC_URL", "PAKN_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAKN_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)

    async def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        # The command runs its own event loop: in a thread, beside the test's.
        code = await asyncio.to_thread(main, ["--lang", "en", *args])
        captured = capsys.readouterr()
        return code, captured.out + captured.err
    return run
