"""Conversation state per chat, and the record of every update received."""

from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Label, Table, and_, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import Conflict
from bot.core.records import Dialog
from storage.models import DialogRow, InboundRow, OutboxRow
from storage.outbox import PURGED, SENT
from storage.prepared import Prepared
from storage.upsert import dialect_insert, dialect_name

_DIALOGS: Table = DialogRow.__table__  # type: ignore[assignment]
_THIS_CHAT = (_DIALOGS.c.channel == bindparam("in_channel"),
              _DIALOGS.c.chat_id == bindparam("in_chat"))
# Run on every update: built and compiled once (storage.prepared).
_LOAD = Prepared(select(_DIALOGS.c.state, _DIALOGS.c.data, _DIALOGS.c.version)
                 .where(*_THIS_CHAT))
_ADD = Prepared(insert(_DIALOGS).values(
    channel=bindparam("channel"), chat_id=bindparam("chat_id"), state=bindparam("state"),
    data=bindparam("data"), updated_at=bindparam("now"), version=1))
_CHANGE = Prepared(
    update(_DIALOGS).where(*_THIS_CHAT, _DIALOGS.c.version == bindparam("expected"))
    .values(state=bindparam("state"), data=bindparam("data"), updated_at=bindparam("now"),
            version=bindparam("expected") + 1))


_INBOUND: Table = InboundRow.__table__  # type: ignore[assignment]


@cache
def _record(dialect: str) -> Prepared:
    """The INSERT of an update, skipped for one stored before: built once per database."""
    return Prepared(dialect_insert(dialect, _INBOUND).values(
        channel=bindparam("channel"), update_key=bindparam("update_key"),
        chat_id=bindparam("chat_id"), account_id=bindparam("account_id"),
        kind=bindparam("kind"), text=bindparam("text"), data=bindparam("data"),
        received_at=bindparam("now"),
    ).on_conflict_do_nothing(index_elements=["channel", "update_key"]).returning(
        _INBOUND.c.id))


class DialogProbe(NamedTuple):
    """What reads, in another query, the state of the chat bound as `in_chat`:
    SqlAccountRepository.identify reads the sender's chat with the sender
    (SqlDialogRepository.probed)."""

    table: Table
    on: ColumnElement[bool]
    """The outer join's condition."""
    columns: tuple[Label[Any], ...]


def dialog_probe(channel: ColumnElement[str]) -> DialogProbe:
    """The probe of the chat on `channel` (a column of the query it joins)."""
    return DialogProbe(
        _DIALOGS, and_(_DIALOGS.c.channel == channel, _DIALOGS.c.chat_id == bindparam("in_chat")),
        (_DIALOGS.c.state.label("dialog_state"), _DIALOGS.c.data.label("dialog_data"),
         _DIALOGS.c.version.label("dialog_version")))


def _dialog(channel: str, chat_id: str, state: str | None, data: dict[str, Any] | None,
            version: int | None) -> Dialog:
    """A chat's state from its row's columns; a new one where the chat has no row (the
    outer join's None), the columns being NOT NULL."""
    if version is None:
        return Dialog(channel=channel, chat_id=chat_id)
    assert state is not None and data is not None
    return Dialog(channel=channel, chat_id=chat_id, state=state, data=data, version=version)


class SqlDialogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.written: dict[tuple[str, str], int] = {}
        """The versions this transaction wrote, per chat."""
        self.probed: Dialog | None = None
        """A chat's state read along with its sender in this transaction, not read again
        by the next load of it (every update reads its sender, then its chat)."""

    def probe(self, channel: str, chat_id: str, state: str | None, data: dict[str, Any] | None,
              version: int | None) -> None:
        """The chat's columns as dialog_probe read them (None: no row yet)."""
        self.probed = _dialog(channel, chat_id, state, data, version)

    async def load(self, channel: str, chat_id: str) -> Dialog:
        probed, self.probed = self.probed, None
        if probed is not None and (probed.channel, probed.chat_id) == (channel, chat_id):
            return probed
        row = (await _LOAD.run(self.session, {"in_channel": channel, "in_chat": chat_id})
               ).first()
        if row is None:
            return Dialog(channel=channel, chat_id=chat_id)
        return _dialog(channel, chat_id, row.state, row.data, row.version)

    async def save(self, dialog: Dialog, now: datetime) -> None:
        """Write the state back. The row's version column makes a concurrent change by
        another worker fail this transaction (Conflict, or IntegrityError for a first
        message), and the dispatcher processes the message again."""
        self.probed = None
        if dialog.discarded:
            return
        chat = (dialog.channel, dialog.chat_id)
        # Written already in this transaction (from another copy of the state): the row
        # is this transaction's until it ends, the last write wins.
        expected = self.written.get(chat, dialog.version)
        values = {"state": dialog.state, "data": dict(dialog.data), "now": now}
        if expected == 0:
            await _ADD.run(self.session, values | {"channel": dialog.channel,
                                                   "chat_id": dialog.chat_id})
        elif (await _CHANGE.run(self.session, values | {
                "in_channel": dialog.channel, "in_chat": dialog.chat_id, "expected": expected})
              ).rowcount != 1:
            raise Conflict(f"the state of {dialog.channel} chat {dialog.chat_id} changed")
        self.written[chat] = dialog.version = expected + 1


class SqlInboundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, channel: str, update_key: str, chat_id: str, account_id: int | None,
                     kind: str, text: str | None, data: dict[str, Any], now: datetime) -> bool:
        """Store an update; False when this update was stored before (a redelivery)."""
        return (await _record(dialect_name(self.session)).run(self.session, {
            "channel": channel, "update_key": update_key, "chat_id": chat_id,
            "account_id": account_id, "kind": kind, "text": text, "data": data,
            "now": now})).first() is not None

    async def last_seen(self, channel: str, chat_id: str) -> datetime | None:
        """When the person of a chat last wrote (channels that limit replies to a window
        after the person's last message)."""
        return (await self.session.execute(
            select(func.max(InboundRow.received_at))
            .where(InboundRow.channel == channel, InboundRow.chat_id == chat_id))).scalar()


async def transcript(session: AsyncSession, channel: str, chat_id: str,
                     limit: int) -> list[dict[str, Any]]:
    """The last messages of a chat, both ways, oldest first, with edits applied: what a
    web chat tab shows when it opens."""
    inbound = (await session.execute(
        select(InboundRow).where(InboundRow.channel == channel, InboundRow.chat_id == chat_id)
        .order_by(InboundRow.id.desc()).limit(limit))).scalars().all()
    outbound = (await session.execute(
        select(OutboxRow).where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id)
        .order_by(OutboxRow.id.desc()).limit(limit * 2))).scalars().all()
    items: list[tuple[datetime, int, dict[str, Any]]] = []
    sent: dict[int, dict[str, Any]] = {}
    for row in sorted(outbound, key=lambda r: r.id):
        if row.kind == "edit":
            if row.edit_of in sent:
                sent[row.edit_of].update(row.body)
            continue
        item = {"type": "message", "id": row.id, **row.body}
        sent[row.id] = item
        items.append((row.created_at, 1, item))
    for received in inbound:
        if received.kind == "button":
            continue
        item = {"type": "mine", "kind": received.kind, "text": received.text}
        if received.data.get("photo"):
            item["photo_attachment"] = received.data["photo"].get("attachment_id")
        if received.data.get("location"):
            item["location"] = received.data["location"]
        items.append((received.received_at, 0, item))
    items.sort(key=lambda entry: (entry[0], entry[1]))
    # Shown once: secrets and personal details are not in the history a second time.
    shown = [row.id for row in outbound if row.sensitive and row.status == SENT]
    if shown:
        await session.execute(update(OutboxRow).where(OutboxRow.id.in_(shown))
                              .values(body=PURGED))
    return [item for _, _, item in items[-limit:]]
