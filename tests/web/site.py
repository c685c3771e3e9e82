"""The whole service in the test's own process, on a real port, with a clock the test
moves: people join and ask for sign-in codes through the dispatcher as from a chat, and
browse the dashboard with a real HTTP client or browser."""

import itertools
import re
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.app import Service
from bot.channels.webchat import CHANNEL
from bot.core.invites import create_invite
from bot.runtime.settings import Settings
from bot.spine.messages import IncomingMessage, Kind
from complaints.people import Role
from storage.models import OutboxRow
from tests.browsing import loopback_jar
from tests.clock import Clock
from tests.e2e.published import VN
from tests.ports import free_port

CODE = re.compile(r"(\d{4}) (\d{4})")


class Site:
    def __init__(self, database_url: str, clock: Clock, **settings: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.clock = clock
        # Public pages are read right after each change here: no cache unless a test asks.
        settings.setdefault("public_cache_seconds", 0)
        self.service = Service(Settings(database_url=database_url, port=self.port, **settings),
                               clock)
        self.server = TestServer(self.service.web_app(), host="127.0.0.1", port=self.port)
        self._updates = itertools.count(1)

    async def start(self) -> "Site":
        await self.server.start_server()
        return self

    async def close(self) -> None:
        await self.server.close()

    async def say(self, chat: str, text: str) -> list[str]:
        """A message in the web chat; what the bot answered there."""
        async with self.service.database.reading() as session:
            seen = (await session.execute(select(OutboxRow.id).order_by(
                OutboxRow.id.desc()).limit(1))).scalar() or 0
        head, _, args = text.partition(" ")
        fields = ({"kind": Kind.COMMAND, "command": head[1:], "args": args.strip()}
                  if text.startswith("/") else {"kind": Kind.TEXT})
        await self.service.dispatcher.handle(IncomingMessage(
            channel=CHANNEL, update_key=f"t{next(self._updates)}", chat_id=chat, user_id=chat,
            text=text, profile_name=chat, language_code="vi", **fields))
        async with self.service.database.reading() as session:
            rows = (await session.execute(select(OutboxRow.body).where(
                OutboxRow.id > seen, OutboxRow.channel == CHANNEL,
                OutboxRow.chat_id == chat).order_by(OutboxRow.id))).scalars()
            return [body["text"] for body in rows]

    async def join(self, chat: str, role: Role, unit: str | None) -> None:
        async with self.service.store.unit_of_work() as uow:
            token = await create_invite(uow.invites, role, unit, None, self.clock(), 7)
        await self.say(chat, f"/start {token}")

    async def code(self, chat: str) -> str:
        """A sign-in code, asked of the bot."""
        answer = "\n".join(await self.say(chat, "/dangnhap"))
        found = CODE.search(answer)
        assert found is not None, answer
        return found.group(1) + found.group(2)

    def client(self) -> aiohttp.ClientSession:
        """A browser-like HTTP client: it keeps the cookies of this (IP) address."""
        return aiohttp.ClientSession(self.url, cookie_jar=loopback_jar(self.url))

    async def signed_in(self, chat: str) -> aiohttp.ClientSession:
        """An HTTP client signed in as the person of this chat."""
        client = self.client()
        await sign_in(client, await self.code(chat))
        return client


async def form_token(client: aiohttp.ClientSession) -> str:
    async with client.get("/quan-tri/dang-nhap") as response:
        found = re.search(r'name="form_token" value="([^"]+)"', await response.text())
    assert found is not None
    return found.group(1)


async def sign_in(client: aiohttp.ClientSession, code: str) -> int:
    data = {"form_token": await form_token(client), "code": code, "next": "/quan-tri"}
    async with client.post("/quan-tri/dang-nhap", data=data, allow_redirects=False) as response:
        return response.status


async def csrf_and_nonce(client: aiohttp.ClientSession, path: str) -> dict[str, str]:
    async with client.get(path) as response:
        html = await response.text()
    fields = {}
    for name in ("csrf", "nonce"):
        found = re.search(rf'name="{name}" value="([^"]+)"', html)
        assert found is not None, html[:2000]
        fields[name] = found.group(1)
    return fields


def local_start() -> datetime:
    return datetime(2026, 10, 5, 9, 0, tzinfo=VN)
