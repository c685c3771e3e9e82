"""The whole service in the test's process (`Service.web_app()`: every route, the outbox,
the scheduler), with Telegram by webhook, a Zalo bot and a Zalo Official Account, each
against its in-repo fake, and a clock the test moves. In-process so that hypothesis can
post hundreds of requests a test; the requests still go over HTTP, through the same
routes, checks and transactions as in production."""

import asyncio
import hashlib
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from yarl import URL

from bot.app import ZALO_BOT_NAME_KEY, Service
from bot.channels.webchat import COOKIE
from bot.channels.zalo import ZaloOAuth, ZaloTokenKeeper
from bot.core.keys import BOT_USERNAME_KEY
from bot.runtime.settings import Limits, Rate, Settings
from storage.models import OutboxRow
from tests.browsing import loopback_jar
from tests.clock import Clock
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.zalo_bot_api import FakeZaloBotApi
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.ports import free_port
from tests.row_counts import counting, row_counts

TELEGRAM_TOKEN = "123456789:TEST-token_for-the-hostile-tests"
TELEGRAM_SECRET = "hostile-telegram-secret"
ZALO_BOT_TOKEN = "1234567890:zalo-bot-token"
ZALO_BOT_SECRET = "hostile-zalo-secret"
OA_APP_ID, OA_SECRET, OA_APP_SECRET = "4321098765", "oa-secret-key", "app-secret"
_COUNTING = counting("meta")


class Stage:
    def __init__(self, database_url: str, clock: Clock, **settings: Any) -> None:
        self.database_url = database_url
        self.clock = clock
        # Every hypothesis example opens the web chat as a new visitor from 127.0.0.1.
        settings.setdefault("limits", Limits(chat_sessions=Rate(100_000, 3600)))
        self.overrides = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.telegram = FakeBotApi(TELEGRAM_TOKEN)
        self.zalo = FakeZaloBotApi(ZALO_BOT_TOKEN)
        self.oa = FakeZaloOA(OA_APP_ID, OA_APP_SECRET, "refresh-0")
        self._ids = itertools.count(1)

    async def start(self) -> "Stage":
        for fake in (self.telegram, self.zalo, self.oa):
            await fake.start()
        self.settings = Settings(
            database_url=self.database_url, port=self.port, public_url=self.url,
            telegram_token=TELEGRAM_TOKEN, telegram_api_url=self.telegram.url,
            telegram_webhook_secret=TELEGRAM_SECRET,
            zalo_bot_token=ZALO_BOT_TOKEN, zalo_bot_webhook_secret=ZALO_BOT_SECRET,
            zalo_bot_api_url=self.zalo.url,
            zalo_oa_app_id=OA_APP_ID, zalo_oa_secret_key=OA_SECRET,
            zalo_app_secret=OA_APP_SECRET, zalo_oa_api_url=self.oa.url,
            zalo_oauth_url=self.oa.url,
            # Not about pacing (tests/delivery/test_limits.py is): one after the other.
            **{"telegram_chat_interval_ms": 0, **self.overrides})
        self.service = Service(self.settings, self.clock)
        self.server = TestServer(self.service.web_app(), host="127.0.0.1", port=self.port)
        await self.server.start_server()
        self.http = aiohttp.ClientSession(self.url, cookie_jar=loopback_jar(self.url))
        assert self.service.zalo_tokens is not None
        await ZaloTokenKeeper(self.service.store, ZaloOAuth(self.oa.url, OA_APP_ID,
                                                            OA_APP_SECRET),
                              self.clock).set_refresh_token("refresh-0")
        await until(self._connected)
        return self

    async def _connected(self) -> bool:
        """Both bots connected and their names stored: the service is done starting."""
        async with self.service.store.unit_of_work() as uow:
            return None not in (await uow.meta.get(BOT_USERNAME_KEY),
                                await uow.meta.get(ZALO_BOT_NAME_KEY))

    async def close(self) -> None:
        await self.http.close()
        await self.server.close()
        for fake in (self.telegram, self.zalo, self.oa):
            await fake.stop()

    # --- posting as the channels do --------------------------------------------------

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        async with self.http.post(path, data=body, headers=headers) as response:
            return response.status, await response.text()

    async def telegram_update(self, update: Any, secret: str | None = TELEGRAM_SECRET
                              ) -> int:
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return (await self.post("/webhook/telegram", body, headers))[0]

    async def zalo_update(self, update: Any, secret: str | None = ZALO_BOT_SECRET) -> int:
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Bot-Api-Secret-Token"] = secret
        return (await self.post("/webhook/zalo-bot", body, headers))[0]

    async def oa_event(self, event: dict[str, Any]) -> int:
        """An event signed as Zalo signs it (the fuzzer gets past the signature)."""
        body = json.dumps(event).encode()  # ASCII: lone surrogates travel as escapes
        timestamp = str(event["timestamp"]).encode(errors="surrogatepass")
        mac = hashlib.sha256(OA_APP_ID.encode() + body + timestamp +
                             OA_SECRET.encode()).hexdigest()
        return (await self.post("/webhook/zalo-oa", body,
                                {"Content-Type": "application/json",
                                 "X-ZEvent-Signature": f"mac={mac}"}))[0]

    async def oa_raw(self, body: bytes, signature: str) -> int:
        return (await self.post("/webhook/zalo-oa", body,
                                {"Content-Type": "application/json",
                                 "X-ZEvent-Signature": signature}))[0]

    async def visitor(self) -> "Visitor":
        """A browser tab on the web chat, with its own cookie."""
        session = aiohttp.ClientSession(self.url, cookie_jar=loopback_jar(self.url))
        async with session.get("/") as response:
            assert response.status == 200
        return Visitor(session, session.cookie_jar.filter_cookies(URL(self.url))[COOKIE].value)

    # --- reading the database --------------------------------------------------------

    async def counts(self) -> dict[str, int]:
        """Rows per table: what a request that may change nothing must leave as it was.
        `meta` is left out: the service's own bookkeeping (the scheduler's last round,
        upkeep times) is written there by its clock, whatever the requests."""
        async with self.service.database.reading() as session:
            return await row_counts(session, _COUNTING)

    async def outbox_texts(self, after: int = 0) -> list[tuple[str, str, str]]:
        """(channel, chat, text) of every message the bot owes, after row `after`."""
        async with self.service.database.reading() as session:
            rows = await session.execute(select(OutboxRow.channel, OutboxRow.chat_id,
                                                OutboxRow.body).where(OutboxRow.id > after)
                                         .order_by(OutboxRow.id))
            return [(channel, chat, str(body.get("text", ""))) for channel, chat, body in rows]

    async def last_outbox_id(self) -> int:
        async with self.service.database.reading() as session:
            return int((await session.execute(select(func.max(OutboxRow.id)))).scalar() or 0)

    async def delivered(self, timeout: float = 60.0) -> None:
        """Wait until the outbox owes nothing more (sent, or recorded undeliverable)."""
        await until(self._nothing_pending, timeout)

    async def _nothing_pending(self) -> bool:
        async with self.service.database.reading() as session:
            return not (await session.execute(select(func.count()).select_from(OutboxRow)
                                              .where(OutboxRow.status == "pending"))
                        ).scalar_one()

    def sent_texts(self) -> list[str]:
        """Everything the fakes received to show people, whatever the channel."""
        texts = [call.text for call in self.telegram.calls]
        texts += [call.text for call in self.zalo.calls]
        texts += [call.text for call in self.oa.calls]
        return texts


class Visitor:
    """One web chat tab: its cookie, and a websocket to the chat."""

    def __init__(self, session: aiohttp.ClientSession, token: str) -> None:
        self.session = session
        self.token = token
        self.socket: aiohttp.ClientWebSocketResponse | None = None

    async def open(self) -> aiohttp.ClientWebSocketResponse:
        self.socket = await self.session.ws_connect("/chat/ws")
        while (await self.socket.receive_json(timeout=10))["type"] != "history":
            pass  # a message pushed as the socket opened: the history has it too
        return self.socket

    async def frame(self, raw: str) -> dict[str, Any]:
        """Send one frame; the server's answer to it (pushed bot messages are skipped),
        or {"type": "closed"} when the server closed the socket instead."""
        assert self.socket is not None
        await self.socket.send_str(raw)
        while True:
            received = await self.socket.receive(timeout=10)
            if received.type is not aiohttp.WSMsgType.TEXT:
                return {"type": "closed", "code": self.socket.close_code}
            answer = json.loads(received.data)
            if answer["type"] not in ("message", "edit"):
                return dict(answer)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        await self.session.close()


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    """Wait for a condition the test cannot be told about (a database state)."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition.__name__}")
        await asyncio.sleep(0.05)
