"""The composition root: settings in, a running service out.

Builds the database, the store, the dispatcher and its router, the channels and the
outbox dispatcher, and the aiohttp application that owns their lifecycles.
"""

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from functools import partial
from importlib import resources

from aiohttp import web

from bot.channels.base import Sender
from bot.channels.email import EmailChannel, SmtpServer
from bot.channels.open311 import Open311Sender
from bot.channels.sms import EsmsClient, SmsChannel
from bot.channels.sms.channel import REPORT_PATH
from bot.channels.sms.esms import Report
from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.channels.telegram import TelegramChannel, build_application
from bot.channels.webchat import WebChatChannel
from bot.channels.zalo import (
    BOT_PLATFORM,
    OFFICIAL_ACCOUNT,
    ZALO_BOT,
    ZALO_OA,
    ReplyWindow,
    ZaloBotChannel,
    ZaloBotClient,
    ZaloOAChannel,
    ZaloOAuth,
    ZaloTokenKeeper,
)
from bot.core import uploads
from bot.core.calendars import Calendars
from bot.core.case_rating import LINK_PATH, rating_token
from bot.core.keys import BOT_USERNAME_KEY
from bot.core.records import FileKind
from bot.core.work import Runner
from bot.delivery.outbox import OutboxDispatcher, Pacing
from bot.files.links import EXPORT_PAGE, FileLinks, parse_id
from bot.files.media import Media
from bot.handlers import build_router
from bot.runtime.maintenance import Upkeep
from bot.runtime.settings import Settings
from bot.scheduler import Scheduler
from bot.spine.dispatch import Dispatcher, utcnow
from bot.spine.flood import FloodGate
from bot.web import MAX_REQUEST, Handler, Routes
from bot.web.admin import Admin
from bot.web.desk import Desk
from bot.web.dossier_desk import DossierDesk
from bot.web.dossiers_api import DossiersApi
from bot.web.intake_desk import IntakeDesk
from bot.web.limits import PublicCache, WebLimits
from bot.web.metrics import Metrics
from bot.web.open311 import Open311
from bot.web.opendata import OpenData
from bot.web.outage import answer_outages
from bot.web.params import refuse_bad_input
from bot.web.public import PublicSite
from bot.web.publication_desk import PublicationDesk
from bot.web.rating_page import RatingPage
from bot.web.rights import PersonalData
from bot.web.session import Sessions
from bot.web.tracing import request_ids, timed
from complaints.directory_file import parse_directory
from storage.db import Database
from storage.notices import Notices
from storage.uow import Store

log = logging.getLogger(__name__)
RETRY_SECONDS = 30
LOOPS_STOP_SECONDS = 5
"""At shutdown, how long the outbox and the scheduler may take to end their round."""
FILE_LINK_KEY = "file_link_key"
CHAT_COOKIE_KEY = "webchat_cookie_key"
ZALO_BOT_NAME_KEY = "zalo_bot_name"
WEBCHAT_NOTICES = "pakn_webchat"


SEED_DIRECTORY = "dong_nai_xuan_loc.yaml"
"""The bundled directory file an empty database starts with: the organisation of today.
The 2022 organisation of Xuân Lộc district is bundled beside it as a dated version
(xuan_loc_2022.yaml), with the mapping of its units to today's."""


def bundled_directory_text(name: str | None = None) -> str:
    """A bundled directory file's text: the seed, or the named file of complaints/data."""
    return resources.files("complaints").joinpath(f"data/{name or SEED_DIRECTORY}").read_text(
        "utf-8")


async def seed_directory(store: Store, now: datetime) -> None:
    """Load the bundled directory into an empty database."""
    async with store.unit_of_work() as uow:
        await uow.lock("seed directory")  # workers starting together take turns
        if await uow.directory.is_empty():
            await uow.directory.replace(parse_directory(bundled_directory_text()), now)
            log.info("loaded the bundled directory")


def pacing(settings: Settings) -> dict[str, Pacing]:
    """The chat platforms' sending limits as the deployment sets them."""
    zalo_interval = settings.zalo_chat_interval_ms / 1000
    return {TELEGRAM: Pacing(settings.telegram_per_second,
                             settings.telegram_chat_interval_ms / 1000),
            ZALO_BOT: Pacing(BOT_PLATFORM.rate_per_second, zalo_interval),
            ZALO_OA: Pacing(OFFICIAL_ACCOUNT.rate_per_second, zalo_interval)}


class Service:
    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utcnow,
                 workers: int = 1) -> None:
        self.settings = settings
        self.clock = clock
        self.database = Database(settings.database_url, pool_size=settings.database_pool_size,
                                 pool_timeout=settings.database_pool_timeout)
        self.store = Store(self.database)
        self.media = Media(self.store, clock, uploads.limits_of(settings),
                           settings.default_language)
        self.calendars = Calendars()
        self.file_links: FileLinks | None = None
        """Signs links to files for the channels that take files by URL; set at start."""
        flood = (FloodGate(settings.flood_per_minute, settings.flood_burst)
                 if settings.flood_per_minute else None)
        self.dispatcher = Dispatcher(self.store, build_router(), settings, self.calendars,
                                     clock, on_commit=lambda: self.outbox.wake(), flood=flood)
        handle = self.dispatcher.handle
        self.webchat = WebChatChannel(handle, self.media, settings.trusted_proxies,
                                      settings.public_url,
                                      Notices(self.database, WEBCHAT_NOTICES))
        senders: list[Sender] = [self.webchat, Open311Sender()]
        self.telegram: TelegramChannel | None = None
        if settings.telegram_token:
            self.telegram = TelegramChannel(
                build_application(settings.telegram_token, settings.telegram_api_url),
                handle, self.media, settings.telegram_webhook_secret)
            self.media.download = self.telegram.download
            senders.append(self.telegram)
        self.zalo_bot: ZaloBotChannel | None = None
        if settings.zalo_bot_token:
            self.zalo_bot = ZaloBotChannel(
                ZaloBotClient(settings.zalo_bot_api_url, settings.zalo_bot_token), handle,
                self.link, settings.zalo_bot_webhook_secret)
            senders.append(self.zalo_bot)
        self.zalo_oa: ZaloOAChannel | None = None
        self.zalo_tokens: ZaloTokenKeeper | None = None
        if settings.zalo_oa_app_id and settings.zalo_oa_secret_key and settings.zalo_app_secret:
            self.zalo_tokens = ZaloTokenKeeper(self.store, ZaloOAuth(
                settings.zalo_oauth_url, settings.zalo_oa_app_id, settings.zalo_app_secret),
                clock)
            window = ReplyWindow(self.store, ZALO_OA, settings.zalo_oa_reply_hours,
                                 settings.zalo_oa_free_messages)
            self.zalo_oa = ZaloOAChannel(settings.zalo_oa_api_url, settings.zalo_oa_app_id,
                                         settings.zalo_oa_secret_key, self.zalo_tokens, handle,
                                         self.link, window, clock,
                                         settings.zalo_oa_event_minutes)
            senders.append(self.zalo_oa)
        self.sms: SmsChannel | None = None
        if settings.sms_api_key and settings.sms_secret_key and settings.sms_brand:
            secret = settings.sms_callback_secret
            self.sms = SmsChannel(
                EsmsClient(settings.sms_url, settings.sms_api_key, settings.sms_secret_key,
                           settings.sms_brand, settings.sms_sandbox),
                self.link, self.rating_link, ascii_only=settings.sms_ascii,
                max_segments=settings.sms_max_segments,
                callback_url=(settings.public_url + REPORT_PATH.format(secret=secret)
                              if settings.public_url and secret else None),
                callback_secret=secret, on_report=self._sms_report)
            senders.append(self.sms)
        if settings.smtp_host and settings.mail_from:
            senders.append(EmailChannel(
                SmtpServer(settings.smtp_host, settings.smtp_port, settings.smtp_user,
                           settings.smtp_password, settings.smtp_starttls),
                settings.mail_from, self.media, self.rating_link))
        self.outbox = OutboxDispatcher(self.store, senders, clock,
                                       lease_seconds=settings.outbox_lease, share=workers,
                                       pacing=pacing(settings))
        self.dispatcher.delivery = self.outbox
        self.scheduler = Scheduler(self.store, settings, self.calendars, clock,
                                   on_commit=self.outbox.wake,
                                   upkeep=Upkeep(self.store, settings, clock))
        self.runner = Runner(self.store, settings, self.calendars, clock,
                             on_commit=self.outbox.wake)

    async def link(self, attachment_id: int) -> str | None:
        """Where a channel that takes files by URL gets one: its signed link; for an
        export, its page on the dashboard, where only a signed-in administrator gets it."""
        assert self.file_links is not None, "the service is not started"
        found = await self.media.linkable(attachment_id)
        if found is None:
            return None
        if found.kind is FileKind.EXPORT:
            return self.settings.site_url + EXPORT_PAGE.format(attachment_id=attachment_id)
        return self.file_links.url(attachment_id, found.key, self.clock())

    async def rating_link(self, case_id: int) -> str:
        """Where a channel without buttons (SMS, email) sends the sender to rate a case."""
        async with self.store.unit_of_work() as uow:
            token = await rating_token(uow, case_id)
        return self.settings.site_url + LINK_PATH.format(token=token)

    async def _sms_report(self, report: Report) -> bool:
        async with self.store.unit_of_work() as uow:
            return await uow.outbox.record_report("sms", report.sms_id, report.delivered,
                                                  report.detail, self.clock())

    async def prepare(self) -> None:
        await seed_directory(self.store, self.clock())
        self.file_links = FileLinks(await self._key(FILE_LINK_KEY), self.settings.site_url)
        self.webchat.cookie_key = await self._key(CHAT_COOKIE_KEY)

    async def _key(self, name: str) -> bytes:
        """A secret of the deployment, made at the first start: one for all workers."""
        async with self.store.unit_of_work() as uow:
            await uow.lock(name)
            key = await uow.meta.get(name)
            if key is None:
                key = secrets.token_hex(32)
                await uow.meta.set(name, key)
        return bytes.fromhex(key)

    def web_app(self) -> web.Application:
        limits = WebLimits(self.store, self.settings, self.clock)
        # Requests get their id first (logs); database outages are answered 503 whatever
        # the door; odd input is refused before anything else runs, cached answers next.
        sessions = Sessions(self.store, self.settings, self.clock)
        app = web.Application(client_max_size=MAX_REQUEST,
                              middlewares=[request_ids,
                                           answer_outages(self.settings.default_language),
                                           refuse_bad_input(self.settings, sessions.viewer),
                                           PublicCache(limits).middleware])
        public = self.settings.public_url is not None
        webhooks: dict[str, Handler] = {}
        if self.telegram is not None and self.settings.webhook_mode:
            webhooks["telegram"] = self.telegram.webhook
        if self.zalo_bot is not None and public:
            webhooks["zalo-bot"] = self.zalo_bot.webhook
        if self.zalo_oa is not None:
            webhooks["zalo-oa"] = self.zalo_oa.webhook
        webhooks = {name: timed(name, handler) for name, handler in webhooks.items()}
        Routes(self.database, self.webchat, self.settings.default_language, limits, webhooks,
               self.serve_file, self.settings.embed_origins).install(app)
        if self.sms is not None and self.settings.sms_callback_secret:
            app.router.add_get(REPORT_PATH, self.sms.report)
        RatingPage(self.store, self.runner, self.settings, self.clock).install(app)
        Metrics(self.database, self.settings, self.clock).install(app)
        PublicSite(self.store, self.settings, self.clock).install(app)
        OpenData(self.store, self.settings, self.clock).install(app)
        DossiersApi(self.store, self.runner, self.settings, self.clock).install(app)
        Open311(self.store, self.runner, self.settings, self.clock, limits).install(app)
        sessions.install(app)
        Desk(self.store, self.settings, self.clock, sessions, self.media,
             self.runner).install(app)
        DossierDesk(self.store, self.settings, self.clock, sessions, self.runner).install(app)
        IntakeDesk(self.store, self.settings, self.clock, sessions, self.runner).install(app)
        PublicationDesk(self.store, self.settings, self.clock, sessions,
                        self.runner).install(app)
        Admin(self.store, self.settings, self.clock, sessions, self.runner).install(app)
        PersonalData(self.store, self.settings, self.clock, sessions, self.runner).install(app)
        app.cleanup_ctx.append(self._lifecycle)
        return app

    async def serve_file(self, request: web.Request) -> web.StreamResponse:
        """A file by its signed, short-lived link (what Zalo fetches)."""
        attachment_id = parse_id(request.match_info["attachment_id"])
        links = self.file_links
        if attachment_id is None or links is None:
            raise web.HTTPNotFound()
        target = await self.media.linkable(attachment_id)
        # The signature binds the file's own key: a link made for another file that had
        # this id, or made up, fails here. Exports are never served by a link.
        if (target is None or target.kind is FileKind.EXPORT
                or not links.valid(attachment_id, target.key, request.query.get("exp", ""),
                                   request.query.get("sig", ""), self.clock())):
            raise web.HTTPNotFound()
        found = await self.media.with_content(attachment_id)
        if found is None or found.content is None:
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
        if found.filename:
            headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
        return web.Response(body=found.content, content_type=found.mime, headers=headers)

    async def _lifecycle(self, app: web.Application) -> AsyncIterator[None]:
        await self.prepare()
        tasks = [asyncio.create_task(self.outbox.run(), name="outbox"),
                 asyncio.create_task(self.scheduler.run(), name="scheduler"),
                 asyncio.create_task(self.webchat.follow(), name="webchat notices")]
        public = self.settings.public_url
        if self.telegram is not None:
            webhook = f"{public}/webhook/telegram" if self.settings.webhook_mode else None
            tasks.append(asyncio.create_task(self._connect(
                "Telegram", partial(self.telegram.start, webhook), BOT_USERNAME_KEY)))
        if self.zalo_bot is not None:
            webhook = f"{public}/webhook/zalo-bot" if public else None
            tasks.append(asyncio.create_task(self._connect(
                "Zalo Bot", partial(self.zalo_bot.start, webhook), ZALO_BOT_NAME_KEY)))
        if self.zalo_oa is not None:
            await self.zalo_oa.start()
        yield
        # The loops stop between rounds. A transaction cut by a cancellation is not only
        # undone: on SQLite its connection can keep the write lock until it is collected.
        self.outbox.stop()
        self.scheduler.stop()
        await asyncio.wait(tasks[:2], timeout=LOOPS_STOP_SECONDS)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.webchat.close_all()
        for channel in (self.telegram, self.zalo_bot, self.zalo_oa, self.sms):
            if channel is not None:
                await channel.stop()
        await self.database.dispose()

    async def _connect(self, name: str, start: Callable[[], Awaitable[str]],
                       meta_key: str) -> None:
        """Connect a channel, retrying while it is unreachable; the others serve
        meanwhile. Its account name is kept (for links)."""
        while True:
            try:
                account = await start()
                break
            except Exception as exc:
                log.error("%s is unavailable (%s: %s); trying again in %d s", name,
                          exc.__class__.__name__, exc, RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)
        async with self.store.unit_of_work() as uow:
            await uow.meta.set(meta_key, account)
        log.info("%s connected as %s", name, account)
