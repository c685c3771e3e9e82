"""The outbox: messages owed to chats, delivered in order per chat by the dispatcher."""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Insert, Table, and_, bindparam, case, exists, func, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core.records import Chat, LeaseHolder, Outgoing, Queued
from storage.db import scrub_after_commit
from storage.models import AttachmentRow, IdentityRow, OutboxRow
from storage.prepared import Prepared
from storage.upsert import dialect_name

PENDING, SENT, UNDELIVERABLE = "pending", "sent", "undeliverable"
PURGED: dict[str, Any] = {"text": "…", "purged": True}
"""What stays of a sensitive message once it went."""
# Built once: a fresh alias per claim rebuilds its column proxies, about a third of the
# claim's CPU time.
_EARLIER = aliased(OutboxRow)
_TABLE: Table = OutboxRow.__table__  # type: ignore[assignment]
_COLUMNS = ("idem_key", "channel", "chat_id", "kind", "body", "status", "attempts",
            "next_attempt_at", "lease_until", "created_at", "case_id", "card_case_id",
            "edit_of", "sensitive", "request_id")


def _enqueue(dialect: Any, lease: Any) -> Prepared:
    values = {name: bindparam(name) for name in _COLUMNS} | {"lease_until": lease}
    stmt: Insert = dialect.insert(_TABLE).values(values) \
        .on_conflict_do_nothing(index_elements=["idem_key"]) \
        .returning(_TABLE.c.id, _TABLE.c.lease_until)
    return Prepared(stmt)


# A chat's first message of a transaction is leased unless a message of the chat that the
# holder does not have waits in the queue: asked in its INSERT, not by a statement apart.
_UNLESS_WAITING = case(
    (exists().where(_TABLE.c.channel == bindparam("channel"),
                    _TABLE.c.chat_id == bindparam("chat_id"), _TABLE.c.status == PENDING,
                    _TABLE.c.id > bindparam("after")), null()),
    else_=bindparam("lease_until", type_=_TABLE.c.lease_until.type))
# Statements built once, with bound parameters, so SQLAlchemy compiles each once too; those
# of every message compiled once for sqlite3 as well (storage.prepared).
# By dialect, then by whether the INSERT asks what waits.
_ENQUEUE = {name: {False: _enqueue(dialect, bindparam("lease_until")),
                   True: _enqueue(dialect, _UNLESS_WAITING)}
            for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
_SENT = (update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))
         .values(status=SENT, sent_at=bindparam("now"), external_id=bindparam("external_id"),
                 lease_until=None, attempts=_TABLE.c.attempts + 1, last_error=None))
_DUE_NOW = (update(_TABLE).where(_TABLE.c.id == bindparam("row_id"),
                                  _TABLE.c.status == PENDING, _TABLE.c.lease_until.is_(None))
            .values(next_attempt_at=bindparam("now")))
_RELEASE = update(_TABLE).where(_TABLE.c.id == bindparam("row_id")).values(lease_until=None)


class SqlOutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._holder: LeaseHolder | None = None
        self._lease_seconds = 0.0
        self._leasing: dict[Chat, bool] = {}
        self.leased: list[Queued] = []
        """Messages of this transaction leased for the holder, in order."""
        self.unleased = False
        """Whether this transaction owes messages left to the queue's claims."""

    def lease_new(self, holder: LeaseHolder, lease_seconds: float) -> None:
        """Lease the messages this transaction puts, for `holder` to send after commit,
        each chat's only while nothing older of that chat waits but what the holder has."""
        self._holder, self._lease_seconds = holder, lease_seconds

    def mark(self) -> tuple[int, bool, dict[Chat, bool]]:
        return len(self.leased), self.unleased, dict(self._leasing)

    def undo_to(self, mark: tuple[int, bool, dict[Chat, bool]]) -> None:
        """A savepoint was rolled back: what it put is gone."""
        del self.leased[mark[0]:]
        self.unleased, self._leasing = mark[1], mark[2]

    async def enqueue(self, message: Outgoing, now: datetime) -> int | None:
        """Add a message; None when a message with this idempotency key already exists."""
        leasing, after = self._leasing_of(message)
        lease = now + timedelta(seconds=self._lease_seconds) if leasing else None
        row = (await _ENQUEUE[dialect_name(self.session)][after is not None].run(
            self.session, {
                "idem_key": message.idem_key, "channel": message.chat.channel,
                "chat_id": message.chat.chat_id, "kind": message.kind, "body": message.body,
                "status": PENDING, "attempts": 0, "next_attempt_at": now,
                "lease_until": lease, "after": after, "created_at": now,
                "case_id": message.case_id, "card_case_id": message.card_case_id,
                "edit_of": message.edit_of, "sensitive": message.sensitive,
                "request_id": message.request_id})).first()
        if row is None:
            return None
        if after is not None:
            self._leasing[message.chat] = row.lease_until is not None
        if lease is not None and row.lease_until is not None:
            self.leased.append(Queued(
                id=row.id, chat=message.chat, kind=message.kind, body=dict(message.body),
                attempts=0, sensitive=message.sensitive, request_id=message.request_id,
                lease_until=lease))
        else:
            self.unleased = True
        return int(row.id)

    def _leasing_of(self, message: Outgoing) -> tuple[bool, int | None]:
        """Whether the new message is leased to the holder; or, for a chat's first message
        here, (True, the last message of the chat the holder has): leased unless a message
        after that one waits in the queue, which the INSERT itself asks."""
        holder, chat = self._holder, message.chat
        # An edit names a message whose channel id is known only once it went: the
        # queue sends it, and the chat's later messages after it.
        if holder is None or message.kind != "send":
            if holder is not None:
                self._leasing[chat] = False
            return False, None
        leasing = self._leasing.get(chat)
        if leasing is not None:
            return leasing, None
        after = holder.held(chat.channel, chat.chat_id)
        if after is None or chat.channel not in holder.channels:
            self._leasing[chat] = False
            return False, None
        return True, after

    async def forget_after_delivery(self, chats: tuple[tuple[Chat, str], ...]) -> None:
        """What is still owed to an erased person's chats (the confirmation) goes out, and
        then keeps neither its text nor the chat's id (bot.delivery.outbox): the rows, and
        those of them this transaction leased to be handed over after commit."""
        aliases = dict(chats)
        for chat, alias in chats:
            await self.session.execute(
                update(OutboxRow).where(OutboxRow.channel == chat.channel,
                                        OutboxRow.chat_id == chat.chat_id,
                                        OutboxRow.status == PENDING)
                .values(sensitive=True, chat_pseudonym=alias))
        self.leased = [replace(item, sensitive=True, chat_pseudonym=aliases[item.chat])
                       if item.chat in aliases else item for item in self.leased]

    async def cards(self, case_id: int) -> list[tuple[int, Chat, int]]:
        """The cards shown for a case (delivered or on their way): outbox id, chat, and
        the account that reads that chat, so each card is redrawn for its reader."""
        rows = await self.session.execute(
            select(OutboxRow.id, OutboxRow.channel, OutboxRow.chat_id, IdentityRow.account_id)
            .join(IdentityRow, and_(IdentityRow.channel == OutboxRow.channel,
                                    IdentityRow.chat_id == OutboxRow.chat_id))
            .where(OutboxRow.card_case_id == case_id, OutboxRow.kind == "send",
                   OutboxRow.status != UNDELIVERABLE)
            .order_by(OutboxRow.id))
        return [(row_id, Chat(channel, chat_id), account_id)
                for row_id, channel, chat_id, account_id in rows]

    async def last_failure(self, case_id: int, chat: Chat) -> tuple[str, datetime] | None:
        """Why the last message about a case to a chat could not be delivered, if so."""
        row = (await self.session.execute(
            select(OutboxRow.last_error, OutboxRow.sent_at)
            .where(OutboxRow.case_id == case_id, OutboxRow.channel == chat.channel,
                   OutboxRow.chat_id == chat.chat_id, OutboxRow.status == UNDELIVERABLE)
            .order_by(OutboxRow.id.desc()).limit(1))).first()
        return (row.last_error or "", row.sent_at) if row else None

    async def case_of_message(self, chat: Chat, external_id: str) -> int | None:
        """The case a message sent to this chat was about, found by the channel's id of
        it (a person replying to it names that id)."""
        return (await self.session.execute(
            select(OutboxRow.case_id)
            .where(OutboxRow.channel == chat.channel, OutboxRow.chat_id == chat.chat_id,
                   OutboxRow.external_id == external_id, OutboxRow.case_id.is_not(None))
            .order_by(OutboxRow.id.desc()).limit(1))).scalar_one_or_none()

    async def sent_since(self, channel: str, chat_id: str, since: datetime) -> int:
        """How many messages went to a chat after a moment."""
        return int((await self.session.execute(
            select(func.count()).select_from(OutboxRow)
            .where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id,
                   OutboxRow.status == SENT, OutboxRow.sent_at > since))).scalar_one())

    # --- the dispatcher's side --------------------------------------------------------

    async def claim_due(self, now: datetime, limit: int, lease_seconds: float,
                        channels: list[str]) -> list[Queued]:
        """Lease the next message of each chat that is due.

        Only the oldest pending message of a chat is eligible, so a chat's messages go
        out in order even with several workers; a lease (not a status change) marks a
        row taken, so a worker that dies leaves it to be taken again when the lease ends.
        """
        earlier = _EARLIER
        stmt = (
            select(OutboxRow)
            .where(
                OutboxRow.status == PENDING,
                OutboxRow.channel.in_(channels),
                OutboxRow.next_attempt_at <= now,
                or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now),
                ~exists().where(and_(earlier.channel == OutboxRow.channel,
                                     earlier.chat_id == OutboxRow.chat_id,
                                     earlier.status == PENDING,
                                     earlier.id < OutboxRow.id)),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        if dialect_name(self.session) == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True, of=OutboxRow)
        rows = list((await self.session.execute(stmt)).scalars())
        lease = now + timedelta(seconds=lease_seconds)
        targets = await self._edit_targets([r.edit_of for r in rows if r.edit_of])
        result = []
        for row in rows:
            row.lease_until = lease
            result.append(Queued(id=row.id, chat=Chat(row.channel, row.chat_id), kind=row.kind,
                                 body=dict(row.body), attempts=row.attempts,
                                 edit_target=targets.get(row.edit_of) if row.edit_of else None,
                                 sensitive=row.sensitive, chat_pseudonym=row.chat_pseudonym,
                                 request_id=row.request_id, lease_until=lease))
        await self.session.flush()
        return result

    async def waits_behind(self, now: datetime, held: list[int], channels: list[str]) -> bool:
        """Whether a message due now waits behind one of `held` (an earlier one of its
        chat, being delivered): the next claim after that one is recorded takes it."""
        if not held:
            return False
        earlier = _EARLIER
        stmt = select(OutboxRow.id).where(
            OutboxRow.status == PENDING,
            OutboxRow.channel.in_(channels),
            OutboxRow.next_attempt_at <= now,
            or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now),
            exists().where(and_(earlier.channel == OutboxRow.channel,
                                earlier.chat_id == OutboxRow.chat_id,
                                earlier.id.in_(held), earlier.id < OutboxRow.id)),
        ).limit(1)
        return (await self.session.execute(stmt)).first() is not None

    async def _edit_targets(self, ids: list[int]) -> dict[int, str | None]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(OutboxRow.id, OutboxRow.external_id).where(OutboxRow.id.in_(ids)))
        return {row_id: external_id for row_id, external_id in rows}

    async def mark_sent(self, sent: list[tuple[int, str | None]], now: datetime) -> None:
        """Messages the channel took: (outbox id, the channel's id of it)."""
        await self.session.execute(_SENT, [
            {"row_id": row_id, "external_id": external_id, "now": now}
            for row_id, external_id in sent])

    async def due_now(self, ids: list[int], now: datetime) -> None:
        """Waiting messages tried again now rather than when their backoff ends (those
        still pending and not leased)."""
        await self.session.execute(_DUE_NOW, [{"row_id": row_id, "now": now} for row_id in ids])

    async def release(self, ids: list[int]) -> None:
        """Leased messages given back unsent, for the next claim."""
        await self.session.execute(_RELEASE, [{"row_id": row_id} for row_id in ids])

    async def mark_retry(self, delivery_id: int, at: datetime, error: str,
                         counted: bool = True) -> None:
        """Try again at `at`. A delay the channel asked for (flood control) is not a
        failure and is not `counted` toward giving up."""
        await self.session.execute(
            update(OutboxRow).where(OutboxRow.id == delivery_id)
            .values(next_attempt_at=at, lease_until=None,
                    attempts=OutboxRow.attempts + (1 if counted else 0),
                    last_error=error[:1000]))

    async def mark_undeliverable(self, delivery_id: int, reason: str, now: datetime) -> None:
        await self.session.execute(
            update(OutboxRow).where(OutboxRow.id == delivery_id)
            .values(status=UNDELIVERABLE, sent_at=now, lease_until=None,
                    attempts=OutboxRow.attempts + 1, last_error=reason[:1000]))

    async def record_report(self, channel: str, external_id: str, delivered: bool,
                            detail: str, now: datetime) -> bool:
        """What the channel reported of a message it took: delivered, or failed (the
        message is then undeliverable, with the reason). False when no message of the
        channel has that id, or its report is already in (reports may come twice)."""
        row = (await self.session.execute(
            select(OutboxRow).where(OutboxRow.channel == channel,
                                    OutboxRow.external_id == external_id,
                                    OutboxRow.status == SENT)
            .order_by(OutboxRow.id.desc()).limit(1))).scalar_one_or_none()
        if row is None or row.report is not None:
            return False
        row.report, row.reported_at = ("delivered" if delivered else "failed"), now
        if not delivered:
            row.status = UNDELIVERABLE
            row.last_error = f"the network reported it not delivered ({detail})"[:1000]
        await self.session.flush()
        return True

    async def forget(self, item: Queued, keep_file: bool = False) -> None:
        """A sensitive message is done with (delivered or given up): only the mark that it
        went stays, the file it carried is emptied (unless it went as a link to open
        later), and the chat of an erased person takes its pseudonym (and the database
        file is scrubbed: storage.db)."""
        values: dict[str, Any] = {"body": PURGED}
        if item.chat_pseudonym is not None:
            values["chat_id"] = item.chat_pseudonym
            scrub_after_commit(self.session)
        await self.session.execute(
            update(OutboxRow).where(OutboxRow.id == item.id).values(**values))
        document = item.body.get("document")
        if isinstance(document, int) and not keep_file:
            await self.session.execute(
                update(AttachmentRow).where(AttachmentRow.id == document)
                .values(content=None, telegram_file_id=None, source_url=None, size=0))
