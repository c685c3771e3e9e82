"""Calendar overrides, apologies and ratings of the handling."""

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import ApologyRecord, Confirmation, Override, RatingRecord
from storage.meta import meta_value
from storage.models import (
    ApologyRow,
    CalendarConfirmationRow,
    CalendarOverrideRow,
    HandlingRatingRow,
    Meta,
)
from storage.upsert import insert_for

CALENDAR_VERSION = "calendar_version"


class SqlCalendarRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def version(self) -> str:
        return await meta_value(self.session, CALENDAR_VERSION) or ""

    async def overrides(self) -> list[Override]:
        rows = await self.session.execute(
            select(CalendarOverrideRow).order_by(CalendarOverrideRow.day))
        return [Override(r.day, r.kind, r.reason) for r in rows.scalars()]

    async def set(self, override: Override, now: datetime) -> None:
        """Declare a day off or working; a later declaration for the same day replaces it.
        Deadlines already given are not recomputed: they are stored with their case."""
        await self.session.execute(
            delete(CalendarOverrideRow).where(CalendarOverrideRow.day == override.day))
        self.session.add(CalendarOverrideRow(day=override.day, kind=override.kind,
                                             reason=override.reason, created_at=now))
        await self.session.merge(Meta(key=CALENDAR_VERSION, value=now.isoformat()))
        await self.session.flush()

    async def confirmations(self) -> dict[int, Confirmation]:
        rows = await self.session.execute(select(CalendarConfirmationRow))
        return {r.year: Confirmation(r.year, r.confirmed_by, r.confirmed_at)
                for r in rows.scalars()}

    async def confirm(self, year: int, by: str, now: datetime) -> bool:
        """Record that a year's calendar is right; False if it was confirmed before."""
        stmt = insert_for(self.session, CalendarConfirmationRow.__table__).values(
            year=year, confirmed_by=by[:200], confirmed_at=now,
        ).on_conflict_do_nothing(index_elements=["year"]).returning(
            CalendarConfirmationRow.__table__.c.year)
        return (await self.session.execute(stmt)).first() is not None


class SqlApologyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, record: ApologyRecord) -> bool:
        """Store an apology; False if the case already has one of this kind."""
        stmt = insert_for(self.session, ApologyRow.__table__).values(
            case_id=record.case_id, kind=record.kind, number=record.number,
            unit_code=record.unit, reason=record.reason, new_due_at=record.new_due_at,
            official_id=record.official_id, official_name=record.official_name,
            official_title=record.official_title, document_id=record.document_id,
            issued_at=record.issued_at,
        ).on_conflict_do_nothing(index_elements=["case_id", "kind"]).returning(
            ApologyRow.__table__.c.id)
        return (await self.session.execute(stmt)).first() is not None

    async def of_case(self, case_id: int) -> list[ApologyRecord]:
        rows = await self.session.execute(
            select(ApologyRow).where(ApologyRow.case_id == case_id).order_by(ApologyRow.id))
        return [ApologyRecord(r.case_id, r.kind, r.number, r.unit_code, r.reason,
                              r.new_due_at, r.official_id, r.official_name, r.official_title,
                              r.document_id, r.issued_at) for r in rows.scalars()]


class SqlRatingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ask(self, record: RatingRecord) -> bool:
        """Open the one rating of a case; False if it was asked before."""
        stmt = insert_for(self.session, HandlingRatingRow.__table__).values(
            case_id=record.case_id, unit_code=record.unit, field_code=record.field,
            staff_id=record.staff_id, asked_at=record.asked_at,
        ).on_conflict_do_nothing(index_elements=["case_id"]).returning(
            HandlingRatingRow.__table__.c.id)
        return (await self.session.execute(stmt)).first() is not None

    async def get(self, case_id: int) -> RatingRecord | None:
        row = (await self.session.execute(select(HandlingRatingRow).where(
            HandlingRatingRow.case_id == case_id))).scalar_one_or_none()
        return _rating(row) if row else None

    async def rate(self, case_id: int, score: int, now: datetime) -> bool:
        """Record the score once; False when the case was already rated."""
        result = await self.session.execute(
            update(HandlingRatingRow)
            .where(HandlingRatingRow.case_id == case_id, HandlingRatingRow.score.is_(None))
            .values(score=score, rated_at=now).returning(HandlingRatingRow.id))
        return result.first() is not None

    async def explain(self, case_id: int, *, reason: str | None = None,
                      comment: str | None = None) -> None:
        values = {k: v for k, v in (("reason", reason), ("comment", comment)) if v is not None}
        await self.session.execute(
            update(HandlingRatingRow).where(HandlingRatingRow.case_id == case_id)
            .values(**values))

    async def to_remind(self, asked_before: datetime, limit: int) -> list[RatingRecord]:
        rows = await self.session.execute(
            select(HandlingRatingRow).where(HandlingRatingRow.score.is_(None),
                                            HandlingRatingRow.reminded_at.is_(None),
                                            HandlingRatingRow.asked_at <= asked_before)
            .order_by(HandlingRatingRow.id).limit(limit))
        return [_rating(r) for r in rows.scalars()]

    async def reminded(self, case_id: int, now: datetime) -> bool:
        """Mark the one reminder sent; False if another worker sent it first."""
        result = await self.session.execute(
            update(HandlingRatingRow)
            .where(HandlingRatingRow.case_id == case_id, HandlingRatingRow.reminded_at.is_(None))
            .values(reminded_at=now).returning(HandlingRatingRow.id))
        return result.first() is not None


def _rating(row: HandlingRatingRow) -> RatingRecord:
    return RatingRecord(row.case_id, row.unit_code, row.field_code, row.staff_id, row.asked_at,
                        row.score, row.reason, row.comment, row.rated_at, row.reminded_at)
