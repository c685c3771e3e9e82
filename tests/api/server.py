"""The whole service (`Service.web_app()`: every route, the outbox, the scheduler) on a
port, in a thread with its own event loop, for clients that block (schemathesis)."""

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from aiohttp import web

from bot.app import Service
from bot.runtime.settings import Settings
from tests.ports import free_port

T = TypeVar("T")


class ServiceThread:
    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = Settings(database_url=database_url, port=self.port)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.service: Service | None = None
        self.runner: web.AppRunner | None = None

    def __enter__(self) -> "ServiceThread":
        self.thread.start()
        self.run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        if self.runner is not None:
            self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run a coroutine on the service's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _start(self) -> None:
        self.service = Service(self.settings)
        self.runner = web.AppRunner(self.service.web_app())
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
