"""Drive the real dispatcher and handlers against a real database, and read what the
bot owes each chat from the outbox: whole conversations as transcripts."""

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.app import seed_directory
from bot.core.calendars import Calendars
from bot.core.invites import create_invite
from bot.handlers import build_router
from bot.runtime.settings import Settings
from bot.scheduler import Scheduler
from bot.spine.dispatch import Dispatcher
from bot.spine.messages import FileRef, IncomingMessage, Kind, Photo, SharedContact
from complaints.people import Role
from storage.db import Database
from storage.models import CaseRow, DialogRow, InboundRow, OutboxRow
from storage.uow import Store
from tests.clock import Clock

CHANNEL = "telegram"



@dataclass
class Out:
    """One message the bot owes a chat."""

    id: int
    chat: str
    kind: str
    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)
    photo: int | None = None
    document: int | None = None
    edit_of: int | None = None

    def payload(self, prefix: str) -> str:
        """The payload of the first button whose payload starts with `prefix`."""
        for button in self.buttons:
            if (button.get("payload") or "").startswith(prefix):
                return str(button["payload"])
        raise AssertionError(f"no button {prefix!r} in {self.buttons}")

    def labels(self) -> list[str]:
        return [b["label"] for b in self.buttons]


class Harness:
    def __init__(self, url: str, clock: Clock, language_code: str | None = "en",
                 **settings: Any) -> None:
        """People write with their app set to `language_code` (None: unknown, so the
        service's default, Vietnamese, applies); `settings` replace the defaults."""
        self.settings = Settings(database_url=url, **settings)
        self.language_code = language_code
        self.database = Database(url)
        self.store = Store(self.database)
        self.clock = clock
        self.calendars = Calendars()
        self.dispatcher = Dispatcher(self.store, build_router(), self.settings,
                                     self.calendars, clock)
        self.scheduler = Scheduler(self.store, self.settings, self.calendars, clock,
                                   on_commit=lambda: None)
        self._updates = itertools.count(1)
        self._seen: set[int] = set()
        """The outbox rows already read. Not a high-water mark: on PostgreSQL two lanes'
        transactions (storage.db) may commit a later id before an earlier one."""
        self.channel = CHANNEL
        """The channel people write from (what they can press depends on it)."""

    async def start(self) -> "Harness":
        await seed_directory(self.store, self.clock())
        return self

    async def close(self) -> None:
        await self.database.dispose()

    # --- sending as a person ----------------------------------------------------------

    async def send(self, chat: str, kind: Kind, *, update_key: str | None = None,
                   **fields: Any) -> list[Out]:
        fields.setdefault("language_code", self.language_code)
        message = IncomingMessage(channel=self.channel, update_key=update_key or
                                  str(next(self._updates)), chat_id=chat, user_id=chat,
                                  kind=kind, profile_name=f"User {chat}", **fields)
        await self.dispatcher.handle(message)
        return await self.new_messages()

    async def text(self, chat: str, text: str) -> list[Out]:
        if text.startswith("/"):
            head, _, args = text.partition(" ")
            return await self.send(chat, Kind.COMMAND, text=text, command=head[1:],
                                   args=args.strip())
        return await self.send(chat, Kind.TEXT, text=text)

    async def press(self, chat: str, payload: str) -> list[Out]:
        return await self.send(chat, Kind.BUTTON, payload=payload)

    async def photo(self, chat: str, file_id: str) -> list[Out]:
        return await self.send(chat, Kind.PHOTO, photo=Photo(file=FileRef(CHANNEL, file_id)))

    async def location(self, chat: str, latitude: float, longitude: float) -> list[Out]:
        return await self.send(chat, Kind.LOCATION, location=(latitude, longitude))

    async def contact(self, chat: str, phone: str, own: bool = True) -> list[Out]:
        return await self.send(chat, Kind.CONTACT,
                               contact=SharedContact(phone=phone, name="X", is_own=own))

    async def tick(self) -> list[Out]:
        """One round of the scheduler at the clock's time; what it owed people."""
        await self.scheduler.tick()
        return await self.new_messages()

    # --- set-up shortcuts -------------------------------------------------------------

    async def invite(self, role: Role, unit: str | None) -> str:
        async with self.store.unit_of_work() as uow:
            return await create_invite(uow.invites, role, unit, None, self.clock(), 7)

    async def join(self, chat: str, role: Role, unit: str | None) -> None:
        await self.text(chat, f"/start {await self.invite(role, unit)}")

    # --- reading what the bot owes -----------------------------------------------------

    async def new_messages(self) -> list[Out]:
        async with self.database.reading() as session:
            ids = set((await session.execute(select(OutboxRow.id))).scalars()) - self._seen
            rows = (await session.execute(
                select(OutboxRow).where(OutboxRow.id.in_(ids)).order_by(OutboxRow.id)
            )).scalars().all() if ids else []
        self._seen |= ids
        return [Out(id=r.id, chat=r.chat_id, kind=r.kind, text=r.body["text"],
                    buttons=[b for row in r.body.get("buttons", []) for b in row],
                    photo=r.body.get("photo_attachment"), document=r.body.get("document"),
                    edit_of=r.edit_of) for r in rows]

    async def count(self, model: Any) -> int:
        async with self.database.reading() as session:
            return int((await session.execute(select(func.count()).select_from(model)))
                       .scalar_one())

    async def dialog_state(self, chat: str) -> str:
        async with self.database.reading() as session:
            row = await session.get(DialogRow, (CHANNEL, chat))
        return row.state if row else "idle"

    async def case(self, code: str) -> CaseRow:
        async with self.database.reading() as session:
            return (await session.execute(select(CaseRow).where(CaseRow.code == code))
                    ).scalar_one()


def to(chat: str, messages: list[Out]) -> list[Out]:
    """The messages sent (not edits) to one chat."""
    return [m for m in messages if m.chat == chat and m.kind == "send"]


def one(chat: str, messages: list[Out]) -> Out:
    sent = to(chat, messages)
    assert len(sent) == 1, f"expected one message to {chat}, got {[m.text for m in sent]}"
    return sent[0]


MONDAY_MORNING = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội time
__all__ = ["MONDAY_MORNING", "Clock", "Harness", "InboundRow", "Out", "one", "to"]
