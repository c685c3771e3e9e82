"""Notices between the service processes that share one database.

Several processes (`pakn serve --workers N`, or several machines) serve one PostgreSQL
database; what one of them does for a client connected to another (a web chat tab open
on it) is told through PostgreSQL's NOTIFY, which every process LISTENs to. A notice is
a hint, never the record: what it carries is in the database already, and a process
that missed it (reconnecting) finds it there. On SQLite one process serves: no notices.
"""

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.db import Database

log = logging.getLogger(__name__)

MAX_PAYLOAD = 7900
"""PostgreSQL refuses a notice of 8000 bytes or more."""
RETRY_SECONDS = 2.0

Listener = Callable[[dict[str, Any]], None]


class Notices:
    def __init__(self, database: Database, channel: str) -> None:
        self.database = database
        self.channel = channel
        self.enabled = not database.is_sqlite

    def fits(self, payload: dict[str, Any]) -> bool:
        return len(_text(payload).encode()) <= MAX_PAYLOAD

    async def publish(self, payload: dict[str, Any]) -> None:
        """Tell the other processes; a notice that fails is logged, not raised (it is a
        hint: the record is in the database)."""
        if not self.enabled:
            return
        try:
            async with self.database.engine.begin() as conn:
                await conn.execute(text("SELECT pg_notify(:channel, :payload)"),
                                   {"channel": self.channel, "payload": _text(payload)})
        except Exception as exc:
            log.warning("notices: could not publish on %s (%s)", self.channel,
                        exc.__class__.__name__)

    async def listen(self, listener: Listener) -> None:
        """Call `listener` with every notice until cancelled, reconnecting after a
        database outage. On SQLite: returns at once."""
        if not self.enabled:
            return

        def received(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            try:
                notice = json.loads(payload)
            except ValueError:
                return
            if isinstance(notice, dict):
                listener(notice)

        while True:
            try:
                await self._listen(received)
            except Exception as exc:  # the database away: listen again when it is back
                log.warning("notices: cannot listen on %s (%s); trying again",
                            self.channel, exc.__class__.__name__)
            await asyncio.sleep(RETRY_SECONDS)

    async def _listen(self, received: Callable[[Any, int, str, str], None]) -> None:
        """Listen on a connection of its own (the driver's, asyncpg) until it is lost: not
        one of the pool's, which are the requests' (PAKN_DATABASE_POOL_SIZE)."""
        lost = asyncio.Event()
        engine = create_async_engine(self.database.url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                driver = (await conn.get_raw_connection()).driver_connection
                assert driver is not None
                driver.add_termination_listener(lambda _conn: lost.set())
                await driver.add_listener(self.channel, received)
                try:
                    await lost.wait()
                    log.warning("notices: the connection listening on %s was lost",
                                self.channel)
                finally:
                    if not driver.is_closed():
                        await asyncio.shield(driver.remove_listener(self.channel, received))
        finally:
            await engine.dispose()


def _text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)  # UTF-8: Vietnamese in 2-3 bytes a letter
