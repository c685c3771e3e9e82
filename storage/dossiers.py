"""Dossiers of the one-stop system: the dossier as last described, its history, the
chats that follow it, its one-time link, the tries to follow it, and its apology."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import Chat, DossierApology, DossierEvent, Follower
from complaints.dossiers import OPEN, Change, Dossier, Status
from storage.models import (
    DossierApologyRow,
    DossierEventRow,
    DossierFollowerRow,
    DossierLinkRow,
    DossierRow,
    FollowAttemptRow,
)
from storage.upsert import insert_for

LISTS = ("open", "at_risk", "unapologised", "all")
"""The dashboard's lists: open, due within a working day or two and not apologised for,
late with no apology, every dossier."""


class SqlDossierRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> Dossier | None:
        row = (await self.session.execute(
            select(DossierRow).where(DossierRow.code == code))).scalar_one_or_none()
        return _dossier(row) if row else None

    async def get_by_id(self, dossier_id: int, *, to_change: bool = False) -> Dossier | None:
        """`to_change`: locked until the transaction ends (SELECT ... FOR UPDATE), so that
        what is saved is worked out from the dossier as it is, not as it was before another
        transaction's change committed; SQLite's writers run one at a time anyway."""
        row = await self.session.get(DossierRow, dossier_id, populate_existing=True,
                                     with_for_update=to_change)
        return _dossier(row) if row else None

    async def by_codes(self, codes: list[str]) -> dict[str, Dossier]:
        """The dossiers of `codes` that exist, locked to change (as get_by_id), in the
        order of their codes: two pushes lock theirs in one order and cannot deadlock."""
        found: dict[str, Dossier] = {}
        codes = sorted(codes)
        for first in range(0, len(codes), 500):
            rows = await self.session.execute(
                select(DossierRow).where(DossierRow.code.in_(codes[first:first + 500]))
                .order_by(DossierRow.code).with_for_update()
                .execution_options(populate_existing=True))
            found.update({row.code: _dossier(row) for row in rows.scalars()})
        return found

    async def save(self, change: Change, source: str, now: datetime) -> Dossier:
        """Write a change worked out by the domain: the dossier and its new events."""
        dossier = change.dossier
        if change.result == "created":
            row = DossierRow(code=dossier.code, created_at=now)
            self.session.add(row)
        else:
            assert dossier.id is not None
            found = await self.session.get(DossierRow, dossier.id)
            assert found is not None
            row = found
        row.procedure_code, row.unit_code, row.field_code = (dossier.procedure, dossier.unit,
                                                             dossier.field)
        row.status, row.received_at, row.due_at = dossier.status.value, dossier.received_at, \
            dossier.due_at
        row.extended_due_at, row.finished_at, row.returned_at = (
            dossier.extended_due_at, dossier.finished_at, dossier.returned_at)
        row.phone, row.updated_at = dossier.phone, now
        await self.session.flush()
        for event in change.events:
            self.session.add(DossierEventRow(
                dossier_id=row.id, at=event.at, recorded_at=now, kind=event.kind,
                status=event.status.value, source=source, data=dict(event.data)))
        await self.session.flush()
        return _dossier(row)

    async def extend(self, dossier_id: int, new_due: datetime, source: str,
                     now: datetime) -> None:
        """The new date given with the apology (the due date counted stays the original)."""
        row = await self.session.get(DossierRow, dossier_id)
        assert row is not None
        row.extended_due_at, row.updated_at = new_due, now
        self.session.add(DossierEventRow(
            dossier_id=dossier_id, at=now, recorded_at=now, kind="extended", status=row.status,
            source=source, data={"due_at": new_due.isoformat()}))
        await self.session.flush()

    async def history(self, dossier_id: int) -> list[DossierEvent]:
        rows = await self.session.execute(
            select(DossierEventRow).where(DossierEventRow.dossier_id == dossier_id)
            .order_by(DossierEventRow.id))
        return [DossierEvent(r.kind, r.status, r.at, r.recorded_at, r.source,
                             dict(r.data)) for r in rows.scalars()]

    # --- followers -------------------------------------------------------------------------

    async def follow(self, dossier_id: int, account_id: int, chat: Chat, via: str,
                     now: datetime) -> bool:
        """Add a chat to the dossier's followers; False if it follows it already."""
        stmt = insert_for(self.session, DossierFollowerRow.__table__).values(
            dossier_id=dossier_id, account_id=account_id, channel=chat.channel,
            chat_id=chat.chat_id, via=via, followed_at=now,
        ).on_conflict_do_nothing(index_elements=["dossier_id", "channel", "chat_id"])
        return (await self.session.execute(
            stmt.returning(DossierFollowerRow.__table__.c.id))).first() is not None

    async def followers(self, dossier_id: int) -> list[Follower]:
        rows = await self.session.execute(
            select(DossierFollowerRow).where(DossierFollowerRow.dossier_id == dossier_id)
            .order_by(DossierFollowerRow.id))
        return [_follower(r) for r in rows.scalars()]

    async def followed(self, account_id: int, limit: int) -> list[tuple[Dossier, Follower]]:
        """The dossiers a person follows, the latest received first."""
        rows = await self.session.execute(
            select(DossierRow, DossierFollowerRow)
            .join(DossierFollowerRow, DossierFollowerRow.dossier_id == DossierRow.id)
            .where(DossierFollowerRow.account_id == account_id)
            .order_by(DossierRow.received_at.desc()).limit(limit))
        return [(_dossier(d), _follower(f)) for d, f in rows]

    async def rating_asked(self, follower_id: int, now: datetime) -> bool:
        """Mark that this follower was asked to rate the dossier; False if they were."""
        result = await self.session.execute(
            update(DossierFollowerRow)
            .where(DossierFollowerRow.id == follower_id,
                   DossierFollowerRow.rating_asked_at.is_(None))
            .values(rating_asked_at=now).returning(DossierFollowerRow.id))
        return result.first() is not None

    async def spend_link(self, dossier_id: int, account_id: int, now: datetime) -> int:
        """Spend the dossier's one-time link for `account_id`; who spent it (the same
        person may open it again)."""
        await self.session.execute(
            insert_for(self.session, DossierLinkRow.__table__)
            .values(dossier_id=dossier_id, used_at=now, used_by=account_id)
            .on_conflict_do_nothing(index_elements=["dossier_id"]))
        row = await self.session.get(DossierLinkRow, dossier_id)
        assert row is not None
        return row.used_by

    # --- tries to follow by code and phone ---------------------------------------------------

    async def record_attempt(self, account_id: int, code: str, succeeded: bool,
                             now: datetime) -> None:
        self.session.add(FollowAttemptRow(account_id=account_id, code=code[:64], at=now,
                                          succeeded=succeeded))
        await self.session.flush()

    async def failed_attempts(self, since: datetime, *, account_id: int | None = None,
                              code: str | None = None) -> list[datetime]:
        """When the failed tries since `since` were made, by a person or on a code."""
        stmt = select(FollowAttemptRow.at).where(FollowAttemptRow.at >= since,
                                                 FollowAttemptRow.succeeded.is_(False))
        if account_id is not None:
            stmt = stmt.where(FollowAttemptRow.account_id == account_id)
        if code is not None:
            stmt = stmt.where(FollowAttemptRow.code == code[:64])
        return list((await self.session.execute(stmt.order_by(FollowAttemptRow.at))).scalars())

    # --- the apology ---------------------------------------------------------------------------

    async def to_ask(self, now: datetime, due_before: datetime, limit: int) -> list[Dossier]:
        """Open dossiers due from now to `due_before` whose unit was not asked yet for
        the apology and that have none."""
        stmt = (select(DossierRow)
                .where(DossierRow.status.in_([s.value for s in OPEN]),
                       DossierRow.due_at >= now, DossierRow.due_at < due_before,
                       DossierRow.apology_asked_at.is_(None),
                       ~DossierRow.id.in_(select(DossierApologyRow.dossier_id)))
                .order_by(DossierRow.due_at).limit(limit))
        return [_dossier(r) for r in (await self.session.execute(stmt)).scalars()]

    async def asked(self, dossier_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(DossierRow).where(DossierRow.id == dossier_id,
                                     DossierRow.apology_asked_at.is_(None))
            .values(apology_asked_at=now).returning(DossierRow.id))
        return result.first() is not None

    async def add_apology(self, apology: DossierApology) -> bool:
        """Keep the apology; False if the dossier has one already (one new date each)."""
        stmt = insert_for(self.session, DossierApologyRow.__table__).values(
            dossier_id=apology.dossier_id, number=apology.number, unit_code=apology.unit,
            reason=apology.reason, new_due_at=apology.new_due_at, owed_by=apology.owed_by,
            official_id=apology.official_id, official_name=apology.official_name,
            official_title=apology.official_title, document_id=apology.document_id,
            issued_at=apology.issued_at,
        ).on_conflict_do_nothing(index_elements=["dossier_id"])
        return (await self.session.execute(
            stmt.returning(DossierApologyRow.__table__.c.id))).first() is not None

    async def apology(self, dossier_id: int) -> DossierApology | None:
        row = (await self.session.execute(select(DossierApologyRow).where(
            DossierApologyRow.dossier_id == dossier_id))).scalar_one_or_none()
        if row is None:
            return None
        return DossierApology(row.dossier_id, row.number, row.unit_code, row.reason,
                              row.new_due_at, row.owed_by, row.official_id, row.official_name,
                              row.official_title, row.document_id, row.issued_at)

    async def follows_document(self, attachment_id: int, account_id: int) -> bool:
        """Whether the person follows the dossier whose apology this document is."""
        found = await self.session.execute(
            select(DossierFollowerRow.id)
            .join(DossierApologyRow,
                  DossierApologyRow.dossier_id == DossierFollowerRow.dossier_id)
            .where(DossierApologyRow.document_id == attachment_id,
                   DossierFollowerRow.account_id == account_id).limit(1))
        return found.first() is not None

    # --- the dashboard's lists -------------------------------------------------------------

    async def search(self, *, now: datetime, at_risk_before: datetime, unit: str | None,
                     which: str, limit: int, offset: int) -> tuple[list[Dossier], int]:
        """A page of a list (LISTS) and its length, the nearest due date first."""
        unapologised = ~DossierRow.id.in_(select(DossierApologyRow.dossier_id))
        open_ = DossierRow.status.in_([s.value for s in OPEN])
        lists: dict[str, list[Any]] = {
            "open": [open_],
            "at_risk": [open_, DossierRow.due_at >= now, DossierRow.due_at < at_risk_before,
                        unapologised],
            "unapologised": [
                unapologised,
                (open_ & (DossierRow.due_at < now))
                | (func.coalesce(DossierRow.finished_at, DossierRow.returned_at)
                   > DossierRow.due_at)],
            "all": [],
        }
        conditions = lists[which]
        if unit is not None:
            conditions.append(DossierRow.unit_code == unit)
        total = (await self.session.execute(
            select(func.count()).select_from(DossierRow).where(*conditions))).scalar_one()
        order = DossierRow.due_at if which in ("open", "at_risk") else DossierRow.due_at.desc()
        rows = await self.session.execute(select(DossierRow).where(*conditions)
                                          .order_by(order, DossierRow.id)
                                          .limit(limit).offset(offset))
        return [_dossier(r) for r in rows.scalars()], int(total)


def _dossier(row: DossierRow) -> Dossier:
    return Dossier(code=row.code, procedure=row.procedure_code, unit=row.unit_code,
                   field=row.field_code, status=Status(row.status), received_at=row.received_at,
                   due_at=row.due_at, finished_at=row.finished_at, returned_at=row.returned_at,
                   phone=row.phone, extended_due_at=row.extended_due_at, id=row.id)


def _follower(row: DossierFollowerRow) -> Follower:
    return Follower(row.id, row.dossier_id, row.account_id, Chat(row.channel, row.chat_id),
                    row.via, row.followed_at, row.rating_asked_at)
