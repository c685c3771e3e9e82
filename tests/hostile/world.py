"""A small world for the authorization matrix: the whole service in-process (its web
chat and dashboard, tests/web/site.py), a citizen's case at the Natural Resources and
Environment Office, its staff, staff of another unit, a staff member since revoked, an
administrator; and what must not change when any of them is refused."""

import asyncio
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.channels.webchat import CHANNEL
from bot.spine.messages import IncomingMessage, Kind
from complaints.people import Role
from storage.migrate import upgrade
from storage.models import (
    AccountRow,
    ApologyRow,
    AttachmentRow,
    CalendarConfirmationRow,
    CalendarOverrideRow,
    CaseEventRow,
    CaseRow,
    ConsentRow,
    Counter,
    HandlingRatingRow,
    InviteRow,
    LoginCodeRow,
    Meta,
    OutboxRow,
    RefusalRow,
    RoutingRuleRow,
    UnitRow,
)
from tests.clock import Clock
from tests.conftest import POSTGRES, PostgresDatabases, _admin
from tests.conversation.harness import MONDAY_MORNING
from tests.web.site import CODE, Site, sign_in

CITIZEN, HANDLER, COLLEAGUE = "m-citizen", "m-handler", "m-colleague"
OTHER_UNIT, REVOKED, ADMIN = "m-other-unit", "m-revoked", "m-admin"
UNCHANGED = (CaseRow, CaseEventRow, ApologyRow, HandlingRatingRow, AttachmentRow, InviteRow,
             CalendarOverrideRow, CalendarConfirmationRow, UnitRow, RoutingRuleRow, Meta,
             Counter, ConsentRow, LoginCodeRow, AccountRow)
"""What no refused action may change (the record of messages, the messages owed, the
dialogs and the refusals themselves excepted)."""


class World:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.case_id = 0
        self.code = ""

    async def build(self) -> "World":
        for chat, role, unit in ((HANDLER, Role.STAFF, "PTNMT"), (COLLEAGUE, Role.STAFF, "PTNMT"),
                                 (OTHER_UNIT, Role.STAFF, "PTP"), (REVOKED, Role.STAFF, "PTNMT"),
                                 (ADMIN, Role.ADMIN, None)):
            await self.site.join(chat, role, unit)
            await self.press(chat, "lg:en")  # so the dashboard speaks English to them
        await self.say(CITIZEN, "/phananh")
        for payload in (f"cs:{self.site.service.settings.notice_version}", "ch:field:dat_dai",
                        "ch:area:26428"):
            await self.press(CITIZEN, payload)
        await self.say(CITIZEN, "The road in hamlet 3 has been flooded for two weeks now.")
        await self.press(CITIZEN, "ch:attach:done")
        for answer in ("Nguyễn Văn An", "0912 345 678", "Ấp 3, xã Xuân Bắc"):
            await self.say(CITIZEN, answer)
        receipt = await self.press(CITIZEN, "ch:confirm:send")
        assert re.search(r"PA-\d{4}-\d{6}", "\n".join(receipt)), receipt
        return await self.load()

    async def load(self) -> "World":
        """The world as built before (in a copy of its database)."""
        async with self.site.service.database.reading() as session:
            self.case_id, self.code = (await session.execute(
                select(CaseRow.id, CaseRow.code))).one()
        return self

    # --- in chat ---------------------------------------------------------------------

    async def send(self, chat: str, kind: Kind, **fields: Any) -> list[str]:
        """A message from a chat; what the bot answered in it."""
        async with self.site.service.database.reading() as session:
            mark = (await session.execute(select(OutboxRow.id).order_by(
                OutboxRow.id.desc()).limit(1))).scalar() or 0
        await self.site.service.dispatcher.handle(IncomingMessage(
            channel=CHANNEL, update_key=uuid.uuid4().hex, chat_id=chat, user_id=chat,
            kind=kind, profile_name=chat, language_code="en", **fields))
        async with self.site.service.database.reading() as session:
            return [body["text"] for body in (await session.execute(
                select(OutboxRow.body).where(OutboxRow.id > mark, OutboxRow.chat_id == chat)
                .order_by(OutboxRow.id))).scalars()]

    async def say(self, chat: str, text: str) -> list[str]:
        if text.startswith("/"):
            head, _, args = text.partition(" ")
            return await self.send(chat, Kind.COMMAND, text=text, command=head[1:],
                                   args=args.strip())
        return await self.send(chat, Kind.TEXT, text=text)

    async def press(self, chat: str, payload: str) -> list[str]:
        return await self.send(chat, Kind.BUTTON, payload=payload)

    async def step(self, chat: str, step: str) -> list[str]:
        """"text:…" is typed, "/…" a command, anything else a button's payload."""
        if step.startswith("text:"):
            return await self.say(chat, step.removeprefix("text:"))
        if step.startswith("/"):
            return await self.say(chat, step)
        return await self.press(chat, step)

    async def resolve_by_colleague(self) -> None:
        """The case moves on while someone holds an older button or form."""
        await self.press(COLLEAGUE, f"ca:resolve:{self.case_id}")
        await self.say(COLLEAGUE, "The drain was cleared on 5 March.")
        assert "is resolved" in "\n".join(await self.press(COLLEAGUE,
                                                           f"ss:resolve:{self.case_id}"))

    async def revoke(self) -> None:
        """A staff member removed from their unit: a citizen again."""
        async with self.site.service.store.unit_of_work() as uow:
            account = await uow.accounts.find(CHANNEL, REVOKED)
            assert account is not None
            await uow.accounts.set_role(account.id, Role.CITIZEN, None)

    # --- on the dashboard --------------------------------------------------------------

    async def signed_in(self, chat: str) -> aiohttp.ClientSession:
        """A browser signed in with a code the bot gave this chat."""
        found = CODE.search("\n".join(await self.say(chat, "/dangnhap")))
        assert found is not None
        client = self.site.client()
        assert await sign_in(client, found.group(1) + found.group(2)) == 303
        return client

    # --- what is kept ----------------------------------------------------------------

    async def account(self, chat: str) -> int:
        async with self.site.service.store.unit_of_work() as uow:
            account = await uow.accounts.find(CHANNEL, chat)
        assert account is not None
        return account.id

    async def state(self) -> dict[str, list[tuple[Any, ...]]]:
        async with self.site.service.database.reading() as session:
            state = {}
            for model in UNCHANGED:
                table = model.__table__
                rows = await session.execute(select(table).order_by(*table.primary_key))
                state[table.name] = [tuple(row) for row in rows]
        return state

    async def refusals(self) -> list[RefusalRow]:
        async with self.site.service.database.reading() as session:
            return list((await session.execute(select(RefusalRow).order_by(RefusalRow.id)))
                        .scalars())


# --- one world built per database, copied for each test ----------------------------------

@contextmanager
def template(kind: str, folder: Path) -> Iterator[str]:
    """A database with the world in it."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'world.db'}"
        upgrade(url)
        asyncio.run(_build(url))
        yield url
        return
    if POSTGRES is None:
        pytest.skip("PAKN_TEST_POSTGRES_URL is not set")
    name = f"pakn_world_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    copies = _COPIES[name] = PostgresDatabases(name)
    try:
        url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        asyncio.run(_build(url))
        yield url
    finally:
        del _COPIES[name]
        copies.drop_all()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_COPIES: dict[str, PostgresDatabases] = {}
"""Per PostgreSQL world, this process's copies of it, put back as the world after each
test (tests/pg_reset.py)."""


@contextmanager
def copy_of(url: str, folder: Path) -> Iterator[str]:
    """A copy of a world's database, for one test to change as it likes."""
    if url.startswith("sqlite"):
        copy = folder / "world.db"
        shutil.copyfile(make_url(url).database or "", copy)
        yield f"sqlite+aiosqlite:///{copy}"
        return
    copies = _COPIES[str(make_url(url).database)]
    name = copies.take()
    try:
        yield copies.url(name)
    finally:
        copies.give_back(name)


async def _build(url: str) -> None:
    site = await Site(url, Clock(MONDAY_MORNING)).start()
    try:
        await World(site).build()
    finally:
        await site.close()
