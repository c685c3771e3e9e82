"""A channel added through the channel interface alone: a text-only kiosk with its own
capabilities (no buttons, options as numbered lists, short messages), an inbound adapter
that makes IncomingMessage of its wire format, and a sender, registered with one line.
A citizen on it files a PAKN through the real dispatcher and outbox on a real database,
and every answer reaches the kiosk as its capabilities say."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.app import seed_directory
from bot.channels.base import Handle, Outcome, Sent
from bot.core.calendars import Calendars
from bot.core.invites import create_invite
from bot.delivery.outbox import OutboxDispatcher
from bot.handlers import build_router
from bot.runtime.settings import Settings
from bot.spine.capabilities import Capabilities, register
from bot.spine.channel_ports import Queued
from bot.spine.dispatch import Dispatcher
from bot.spine.messages import IncomingMessage, Kind, Reply, numbered
from complaints.codes import parse_tracking_code
from complaints.people import Role
from storage.db import Database
from storage.uow import Store
from tests.clock import Clock
from tests.delivery.conftest import START

KIOSK = Capabilities("kiosk", numbered_options=True, text_limit=500)
"""A kiosk in the commune's hall: a screen and a keyboard, 500 characters a message."""

register(KIOSK)  # the one line that adds the channel


def to_incoming(frame: dict[str, Any]) -> IncomingMessage:
    """The kiosk's wire format: {"seq": n, "terminal": id, "typed": text}."""
    typed, terminal = str(frame["typed"]), str(frame["terminal"])
    common: dict[str, Any] = {"channel": KIOSK.channel, "update_key": f"{terminal}:{frame['seq']}",
                              "chat_id": terminal, "user_id": terminal, "language_code": "en"}
    if typed.startswith("/"):
        head, _, args = typed.partition(" ")
        return IncomingMessage(kind=Kind.COMMAND, text=typed, command=head[1:],
                               args=args.strip(), **common)
    return IncomingMessage(kind=Kind.TEXT, text=typed, **common)


@dataclass
class KioskSender:
    """Shows each reply on the terminal's screen, as the kiosk's capabilities say."""

    channel: str = KIOSK.channel
    screens: dict[str, list[str]] = field(default_factory=dict)

    async def deliver(self, item: Queued) -> Outcome:
        reply = Reply.from_json(item.body)
        shown = reply.text if KIOSK.buttons else numbered(reply)
        self.screens.setdefault(item.chat.chat_id, []).append(shown)
        return Sent(str(item.id))


@dataclass
class Kiosk:
    handle: Handle
    outbox: OutboxDispatcher
    sender: KioskSender
    seq: int = 0

    async def type(self, terminal: str, typed: str) -> list[str]:
        """What the screen shows after `typed`: every message delivered since."""
        before = len(self.sender.screens.get(terminal, []))
        self.seq += 1
        assert await self.handle(to_incoming({"seq": self.seq, "terminal": terminal,
                                              "typed": typed}))
        await self.outbox.deliver_all()
        return self.sender.screens.get(terminal, [])[before:]

    async def choose(self, terminal: str, label: str, shown: list[str]) -> list[str]:
        """Answer the last numbered list on the screen by the number of `label`."""
        options = [(m.group(1), m.group(2)) for m in re.finditer(
            r"^(\d+)\. (.+)$", "\n".join(shown), re.M)]
        number = next(n for n, option in reversed(options) if label in option)
        return await self.type(terminal, number)


@pytest.fixture
async def kiosk(database_url: str) -> AsyncIterator[tuple[Kiosk, Store]]:
    clock = Clock(START)
    database = Database(database_url)
    store = Store(database)
    await seed_directory(store, clock())
    outbox = OutboxDispatcher(store, [KioskSender()], clock)
    dispatcher = Dispatcher(store, build_router(), Settings(database_url=database_url),
                            Calendars(), clock)
    sender = outbox.senders[KIOSK.channel]
    assert isinstance(sender, KioskSender)
    yield Kiosk(dispatcher.handle, outbox, sender), store
    await database.dispose()


async def test_a_citizen_files_a_pakn_at_a_kiosk_and_gets_the_answer(
        kiosk: tuple[Kiosk, Store]) -> None:
    screen, store = kiosk
    async with store.unit_of_work() as uow:
        invite = await create_invite(uow.invites, Role.STAFF, "PTNMT", None, START, 7)
    assert await screen.type("staff-1", f"/start {invite}")

    notice = await screen.type("hall-1", "/phananh")
    assert "1. I agree" in notice[-1], "buttons come as a numbered list"
    fields = await screen.type("hall-1", "1")
    areas = await screen.choose("hall-1", "Land", fields)
    describe = await screen.choose("hall-1", "Xuan Bac", areas)
    attach = await screen.type("hall-1", "The road in hamlet 3 has been flooded for two "
                                         "weeks after the drainage works.")
    assert any("Continue" in shown for shown in attach), describe
    await screen.choose("hall-1", "Continue", attach)
    await screen.type("hall-1", "Nguyễn Văn An")
    await screen.type("hall-1", "0912345678")
    summary = await screen.type("hall-1", "Số 12, ấp 3, xã Xuân Bắc")
    receipt = await screen.choose("hall-1", "Send", summary)
    code = next(filter(None, map(parse_tracking_code, receipt)), None)
    assert code is not None, receipt

    staff = screen.sender.screens["staff-1"]
    card = staff[next(n for n, shown in enumerate(staff) if str(code) in shown):]
    assert len(card) > 1, "the card came in parts, its options with the last"
    taken = await screen.choose("staff-1", "Take this case", card)
    await screen.choose("staff-1", "Resolve", taken)
    check = await screen.type("staff-1", "The drain was cleared and the road is dry again. "
                                         * 14)
    answer = await screen.choose("staff-1", "Send final answer", check)
    assert answer

    told = screen.sender.screens["hall-1"]
    rating = next(shown for shown in told if "Very satisfied" in shown)
    assert re.search(r"^\d\. Very satisfied$", rating, re.M), "the rating as a numbered list"
    assert any("drain was cleared" in shown for shown in told)
    assert all(len(shown) <= KIOSK.text_limit for screens in screen.sender.screens.values()
               for shown in screens), "every message within the kiosk's limit"
    assert len([shown for shown in told if "drain was cleared" in shown]) > 1, \
        "the long answer came in parts"
    comment = await screen.choose("hall-1", "Very satisfied", [rating])
    assert comment, "the citizen's number was read against the list the kiosk showed"
