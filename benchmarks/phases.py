"""Where an update's time goes, phase by phase: the throughput benchmark's profile.

In one process and one update at a time, so each phase's CPU time (all threads, so
aiosqlite's too) and wall time are its own: the service's real parts (bot/app.py's
Service, its dispatcher and handlers, the Telegram channel and the outbox dispatcher)
against the fake Bot API in another process, citizens filing whole PAKN as in the load
test, each reply delivered before the next update. Pacing is off, so no wait is counted.
"""

import asyncio
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import event
from telegram import Update

from benchmarks.common import Child
from bot.app import Service
from bot.channels.base import Outcome
from bot.channels.telegram import CAPABILITIES, TelegramChannel, to_incoming
from bot.core.records import Queued
from bot.delivery.outbox import OutboxDispatcher
from bot.runtime.settings import Settings
from bot.spine.capabilities import register
from bot.spine.dispatch import utcnow
from storage.db import Database
from storage.migrate import upgrade
from storage.prepared import Prepared
from tests.e2e.service import TOKEN
from tests.fakes import updates
from tests.fakes.updates import User

PARSE = "webhook body to IncomingMessage (JSON, PTB Update)"
TRANSACTION = "the update's transaction (dedupe, state, handler, outbox rows, commit)"
CLAIM = "claiming owed messages from the queue (a transaction; none once handed over)"
SEND = "sending through PTB and the aiohttp transport"
RECORD = "recording outcomes (a transaction a batch), task overhead"
PHASES = (PARSE, TRANSACTION, CLAIM, SEND, RECORD)


class Clocks:
    def __init__(self) -> None:
        self.cpu: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self.wall: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self.statements: dict[str, int] = dict.fromkeys(PHASES, 0)
        """The SQL statements each phase sent to the database (an inner phase's are its
        own)."""
        self.phase: str | None = None

    def count(self, *_args: object) -> None:
        """A listener of the engine's statements (before_cursor_execute)."""
        if self.phase is not None:
            self.statements[self.phase] += 1

    @contextmanager
    def timing(self, phase: str) -> Iterator[None]:
        cpu, wall = time.process_time(), time.perf_counter()
        outer, self.phase = self.phase, phase
        try:
            yield
        finally:
            self.phase = outer
            self.cpu[phase] += time.process_time() - cpu
            self.wall[phase] += time.perf_counter() - wall


UNPACED = replace(CAPABILITIES, rate_per_second=None, per_chat_interval=0.0)


class TimedSender:
    """The Telegram sender, unpaced (UNPACED), its sending timed."""

    def __init__(self, telegram: TelegramChannel, clocks: Clocks) -> None:
        self.telegram, self.clocks = telegram, clocks
        self.channel = telegram.channel

    async def deliver(self, item: Queued) -> Outcome:
        with self.clocks.timing(SEND):
            return await self.telegram.deliver(item)


class TimedDispatcher(OutboxDispatcher):
    clocks: Clocks

    async def claim_and_start(self) -> int:
        with self.clocks.timing(CLAIM):
            return await super().claim_and_start()


def flow(user: User, notice_version: str) -> list[dict[str, Any]]:
    """The updates of a whole PAKN, with the payloads the bot offers in Vietnamese."""
    return [
        updates.text(user, "/phananh"), updates.callback(user, f"cs:{notice_version}"),
        updates.callback(user, "ch:field:dat_dai"), updates.callback(user, "ch:area:26428"),
        updates.text(user, "Đường ấp 3 bị ngập nước hai tuần nay sau khi thi công cống."),
        updates.photo(user, f"AgACAgUAAxkBAAI-{user.id}"),
        updates.location(user, 10.9312, 107.4125), updates.text(user, "Tiếp tục"),
        updates.text(user, "Nguyễn Văn An"), updates.contact(user, "84912345678"),
        updates.text(user, "Số 12, ấp 3, xã Xuân Bắc"),
        updates.callback(user, "ch:confirm:send"),
    ]


def count_statements(database: Database, clocks: Clocks) -> Callable[[], None]:
    """Count every statement the database runs for the service; what puts things back.
    storage.prepared runs some straight on the driver, past SQLAlchemy's events: on
    SQLite they are counted as sqlite3 runs them (but for BEGIN, COMMIT and ROLLBACK and
    the busy timeout's PRAGMAs), on PostgreSQL as SQLAlchemy's events and
    storage.prepared's runs on asyncpg."""
    engine = database.engine.sync_engine
    if not database.inline:
        event.listen(engine, "before_cursor_execute", clocks.count)
        on_asyncpg = Prepared._on_asyncpg

        async def counted(*args: Any) -> Any:
            clocks.count()
            return await on_asyncpg(*args)
        Prepared._on_asyncpg = staticmethod(counted)  # type: ignore[method-assign]

        def restore() -> None:
            Prepared._on_asyncpg = staticmethod(on_asyncpg)  # type: ignore[method-assign]
        return restore

    def trace(statement: str) -> None:
        if not statement.lstrip().upper().startswith(_NOT_COUNTED):
            clocks.count()

    @event.listens_for(engine, "checkout")
    def _traced(dbapi_connection: Any, *_args: object) -> None:
        dbapi_connection.raw.set_trace_callback(trace)
    return lambda: None


_NOT_COUNTED = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")


async def measure(database_url: str | None, citizens: int) -> tuple[int, Clocks]:
    """(updates, clocks) for `citizens` PAKN on the database (None: a SQLite file)."""
    with tempfile.TemporaryDirectory(prefix="bench-phases-") as workdir:
        url = database_url or f"sqlite+aiosqlite:///{workdir}/pakn.db"
        async with Child("benchmarks.fake_telegram", TOKEN) as fake:
            env = {"PAKN_DATABASE_URL": url, "PAKN_TELEGRAM_TOKEN": TOKEN,
                   "PAKN_TELEGRAM_API_URL": fake.url}
            settings = Settings.from_env({k: v for k, v in os.environ.items()
                                          if not k.startswith("PAKN_")} | env, dotenv=None)
            await asyncio.to_thread(upgrade, url)
            service = Service(settings)
            assert service.telegram is not None
            await service.prepare()
            await service.telegram.application.initialize()
            clocks = Clocks()
            uncount = count_statements(service.database, clocks)
            register(UNPACED, replacing=True)
            outbox = TimedDispatcher(service.store, [TimedSender(service.telegram, clocks)],
                                     utcnow)
            outbox.clocks = clocks
            service.dispatcher.delivery = outbox
            count = 0
            for n in range(citizens):
                for update in flow(User(800_000_001 + n, "Dân", "Nguyễn"),
                                   settings.notice_version):
                    body = json.dumps(update).encode()
                    with clocks.timing(PARSE):
                        message = to_incoming(Update.de_json(json.loads(body),
                                                             service.telegram.bot))
                    assert message is not None
                    with clocks.timing(TRANSACTION):
                        await service.dispatcher.handle(message)
                    with clocks.timing(RECORD):
                        await outbox.drain()
                    count += 1
            # Anything not handed over waits in the queue: claimed now, and counted.
            await outbox.deliver_all()
            uncount()
            await service.telegram.application.shutdown()
            await service.database.dispose()
    for clock in (clocks.cpu, clocks.wall):  # the outbox's whole time held the others
        clock[RECORD] -= clock[CLAIM] + clock[SEND]
    return count, clocks
