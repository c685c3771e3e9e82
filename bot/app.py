"""The composition root: settings in, a running service out.

Builds the database, the store, the dispatcher and its router, the channels and the
outbox dispatcher, and the aiohttp application that owns their lifecycles.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from importlib import resources

from aiohttp import web

from bot.calendars import Calendars
from bot.channels.base import Sender
from bot.channels.telegram import TelegramChannel, build_application
from bot.channels.webchat import WebChatChannel
from bot.dispatch import Dispatcher, utcnow
from bot.handlers import build_router
from bot.handlers.admin import BOT_USERNAME_KEY
from bot.media import Media
from bot.outbox import OutboxDispatcher
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.web import MAX_REQUEST, Routes
from complaints.directory_file import parse_directory
from storage.db import Database
from storage.uow import Store

log = logging.getLogger(__name__)
TELEGRAM_RETRY_SECONDS = 30


def bundled_directory_text() -> str:
    return resources.files("complaints").joinpath("data/xuan_loc.yaml").read_text("utf-8")


async def seed_directory(store: Store, now: datetime) -> None:
    """Load the bundled directory into an empty database."""
    async with store.unit_of_work() as uow:
        if await uow.directory.is_empty():
            await uow.directory.replace(parse_directory(bundled_directory_text()), now)
            log.info("loaded the bundled directory")


class Service:
    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.clock = clock
        self.database = Database(settings.database_url)
        self.store = Store(self.database)
        self.media = Media(self.store, clock)
        self.calendars = Calendars()
        self.dispatcher = Dispatcher(self.store, build_router(), settings, self.calendars,
                                     clock, on_commit=lambda: self.outbox.wake())
        self.webchat = WebChatChannel(self.dispatcher.handle, self.media)
        self.telegram: TelegramChannel | None = None
        senders: list[Sender] = [self.webchat]
        if settings.telegram_token:
            self.telegram = TelegramChannel(
                build_application(settings.telegram_token, settings.telegram_api_url),
                self.dispatcher.handle, self.media, settings.telegram_webhook_secret)
            self.media.download = self.telegram.download
            senders.append(self.telegram)
        self.outbox = OutboxDispatcher(self.store, senders, clock)
        self.scheduler = Scheduler(self.store, settings, self.calendars, clock,
                                   on_commit=self.outbox.wake)

    async def prepare(self) -> None:
        await seed_directory(self.store, self.clock())

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST)
        webhook = self.telegram.webhook if self.telegram and self.settings.webhook_mode else None
        Routes(self.database, self.webchat, self.settings.default_language,
               webhook).install(app)
        app.cleanup_ctx.append(self._lifecycle)
        return app

    async def _lifecycle(self, app: web.Application) -> AsyncIterator[None]:
        await self.prepare()
        tasks = [asyncio.create_task(self.outbox.run(), name="outbox"),
                 asyncio.create_task(self.scheduler.run(), name="scheduler")]
        if self.telegram is not None:
            tasks.append(asyncio.create_task(self._connect_telegram(), name="telegram"))
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.webchat.close_all()
        if self.telegram is not None:
            await self.telegram.stop()
        await self.database.dispose()

    async def _connect_telegram(self) -> None:
        """Connect to Telegram, retrying while it is unreachable; the web chat serves
        meanwhile."""
        assert self.telegram is not None
        webhook = (f"{self.settings.public_url}/webhook/telegram"
                   if self.settings.webhook_mode else None)
        while True:
            try:
                username = await self.telegram.start(webhook)
                break
            except Exception as exc:
                log.error("Telegram is unavailable (%s: %s); trying again in %d s",
                          exc.__class__.__name__, exc, TELEGRAM_RETRY_SECONDS)
                await asyncio.sleep(TELEGRAM_RETRY_SECONDS)
        async with self.store.unit_of_work() as uow:
            await uow.meta.set(BOT_USERNAME_KEY, username)
        log.info("Telegram connected as @%s (%s)", username,
                 "webhook" if webhook else "long polling")
