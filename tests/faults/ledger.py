"""What the outbox owed against what reached the fake Bot API.

Each outbox row is one message for one event (its idem_key); a message is known at the
API by (chat, text). A sent row keeps the message id the API gave it, so each row is
tied to the one delivery that counted; any other delivery of the same (chat, text) is
an extra copy. A sensitive message keeps only a mark once sent (bot.delivery.outbox): its
delivery, and the edits of it, are known by its message id, under the mark.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from storage.db import Database
from storage.models import OutboxRow
from tests.fakes.telegram_api import Call
from tests.faults.bot_api import SENDS, message_id

Key = tuple[str, int, str]
"""(send or edit, chat, text)."""


@dataclass(frozen=True)
class Owed:
    id: int
    chat_id: int
    kind: str
    text: str
    status: str
    external_id: str | None
    purged: bool = False
    source: str | None = None
    """The request whose transaction put it."""

    @property
    def key(self) -> Key:
        return (self.kind, self.chat_id, self.text)


def call_key(call: Call) -> Key:
    assert call.chat_id is not None
    return ("send" if call.method in SENDS else "edit", call.chat_id, call.text)


async def owed(url: str) -> list[Owed]:
    """Every Telegram message the outbox holds, in order."""
    database = Database(url)
    try:
        async with database.reading() as session:
            rows = (await session.execute(select(OutboxRow).where(
                OutboxRow.channel == "telegram").order_by(OutboxRow.id))).scalars()
            return [Owed(r.id, int(r.chat_id), r.kind, str(r.body.get("text") or ""), r.status,
                         r.external_id, bool(r.body.get("purged")), r.request_id)
                    for r in rows]
    finally:
        await database.dispose()


@dataclass
class Ledger:
    rows: list[Owed]
    delivered: list[Call]
    """The calls that got through, in the order the API took them."""

    marks: dict[str | None, str] = field(init=False)

    def __post_init__(self) -> None:
        self.marks = {r.external_id: r.text for r in self.rows
                      if r.purged and r.kind == "send" and r.external_id}

    def key(self, call: Call) -> Key:
        """The call's key, with a sensitive message's text as the outbox keeps it."""
        kind, chat, text = call_key(call)
        target = message_id(call) if kind == "send" else str(call.params.get("message_id"))
        return (kind, chat, self.marks.get(target, text))

    def pending(self) -> list[Owed]:
        return [r for r in self.rows if r.status == "pending"]

    def not_sent(self) -> list[Owed]:
        return [r for r in self.rows if r.status != "sent"]

    def unlinked(self) -> list[Owed]:
        """Sent rows whose recorded message id is no message of their chat and text."""
        by_id = {message_id(c): c for c in self.delivered if c.method in SENDS}
        return [r for r in self.rows if r.status == "sent" and r.kind == "send"
                and (r.external_id not in by_id or self.key(by_id[r.external_id]) != r.key)]

    def lost(self) -> Counter[Key]:
        """Messages owed more times than they arrived."""
        return Counter(r.key for r in self.rows) - Counter(map(self.key, self.delivered))

    def extra(self) -> Counter[Key]:
        """Messages that arrived more times than owed: a copy sent again."""
        return Counter(map(self.key, self.delivered)) - Counter(r.key for r in self.rows)

    def extra_calls(self) -> list[Call]:
        """The deliveries of sent messages that no row recorded (the copies)."""
        recorded = {r.external_id for r in self.rows if r.kind == "send"}
        return [c for c in self.delivered if c.method in SENDS
                and message_id(c) not in recorded]

    def out_of_order(self) -> dict[int, tuple[list[int], list[int]]]:
        """Chats where the messages one request put arrived in another order than it put
        them: (owed row ids, row ids in the order of arrival). Different requests' messages
        go in the order their transactions committed, which ids need not follow (on
        PostgreSQL two transactions take ids from the sequence before either commits).
        Copies are left out; edits are matched by text."""
        by_message = {r.external_id: r.id for r in self.rows if r.kind == "send"}
        edits: dict[Key, list[int]] = defaultdict(list)
        for row in self.rows:
            if row.kind == "edit":
                edits[row.key].append(row.id)
        arrived: dict[int, list[int]] = defaultdict(list)
        for call in self.delivered:
            assert call.chat_id is not None
            if call.method in SENDS:
                row_id = by_message.get(message_id(call))
            else:
                queue = edits.get(self.key(call))
                row_id = queue.pop(0) if queue else None
            if row_id is not None:
                arrived[call.chat_id].append(row_id)
        owed_order: dict[tuple[int, str | None], list[int]] = defaultdict(list)
        for row in self.rows:
            if row.status == "sent":
                owed_order[row.chat_id, row.source].append(row.id)
        return {chat: (ids, arrived[chat]) for (chat, _source), ids in owed_order.items()
                if ids != [i for i in arrived[chat] if i in set(ids)]}
