"""Rows for exports, streamed from the database a batch at a time, so that memory does
not grow with the number of rows."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CaseRow, DossierApologyRow, DossierRow, HandlingRatingRow, RatingRow

BATCH = 2000


async def case_rows(session: AsyncSession, start: datetime, end: datetime,
                    unit: str | None = None, field: str | None = None
                    ) -> AsyncIterator[tuple[Any, ...]]:
    """Cases received in [start, end), with the rating of their handling, oldest first:
    no contact details."""
    stmt = (select(CaseRow.code, CaseRow.received_at, CaseRow.unit_code, CaseRow.field_code,
                   CaseRow.area_code, CaseRow.channel, CaseRow.status, CaseRow.due_at,
                   CaseRow.extended_due_at, CaseRow.resolved_at, CaseRow.transfers,
                   HandlingRatingRow.score)
            .outerjoin(HandlingRatingRow, HandlingRatingRow.case_id == CaseRow.id)
            .where(CaseRow.received_at >= start, CaseRow.received_at < end)
            .order_by(CaseRow.received_at, CaseRow.id))
    if unit is not None:
        stmt = stmt.where(CaseRow.unit_code == unit)
    if field is not None:
        stmt = stmt.where(CaseRow.field_code == field)
    async for row in _streamed(session, stmt):
        yield row


async def rating_rows(session: AsyncSession, start: datetime, end: datetime,
                      unit: str | None = None, field: str | None = None
                      ) -> AsyncIterator[tuple[Any, ...]]:
    """Survey responses given in [start, end): anonymous by construction."""
    stmt = (select(RatingRow.rated_at, RatingRow.unit_code, RatingRow.field_code,
                   RatingRow.procedure_code, RatingRow.channel, RatingRow.verified,
                   RatingRow.score, RatingRow.answers, RatingRow.comment)
            .where(RatingRow.rated_at >= start, RatingRow.rated_at < end)
            .order_by(RatingRow.rated_at, RatingRow.id))
    if unit is not None:
        stmt = stmt.where(RatingRow.unit_code == unit)
    if field is not None:
        stmt = stmt.where(RatingRow.field_code == field)
    async for row in _streamed(session, stmt):
        yield row


async def dossier_rows(session: AsyncSession, start: datetime, end: datetime,
                       unit: str | None = None, field: str | None = None
                       ) -> AsyncIterator[tuple[Any, ...]]:
    """Dossiers due in [start, end) (the period the on-time indicator counts them in),
    with their apology: no phone."""
    stmt = (select(DossierRow.code, DossierRow.procedure_code, DossierRow.unit_code,
                   DossierRow.field_code, DossierRow.status, DossierRow.received_at,
                   DossierRow.due_at, DossierRow.extended_due_at, DossierRow.finished_at,
                   DossierRow.returned_at, DossierApologyRow.issued_at,
                   DossierApologyRow.owed_by)
            .outerjoin(DossierApologyRow, DossierApologyRow.dossier_id == DossierRow.id)
            .where(DossierRow.due_at >= start, DossierRow.due_at < end)
            .order_by(DossierRow.due_at, DossierRow.id))
    if unit is not None:
        stmt = stmt.where(DossierRow.unit_code == unit)
    if field is not None:
        stmt = stmt.where(DossierRow.field_code == field)
    async for row in _streamed(session, stmt):
        yield row


async def _streamed(session: AsyncSession, stmt: Any) -> AsyncIterator[tuple[Any, ...]]:
    """The rows a batch at a time: a server-side cursor, and one hop from the event loop
    to the database driver per batch rather than per row."""
    result = await session.stream(stmt.execution_options(yield_per=BATCH))
    async for batch in result.partitions():
        for row in batch:
            yield tuple(row)


class SqlExportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def cases(self, start: datetime, end: datetime, unit: str | None = None,
              field: str | None = None) -> AsyncIterator[tuple[Any, ...]]:
        return case_rows(self.session, start, end, unit, field)

    def ratings(self, start: datetime, end: datetime, unit: str | None = None,
                field: str | None = None) -> AsyncIterator[tuple[Any, ...]]:
        return rating_rows(self.session, start, end, unit, field)

    def dossiers(self, start: datetime, end: datetime, unit: str | None = None,
                 field: str | None = None) -> AsyncIterator[tuple[Any, ...]]:
        return dossier_rows(self.session, start, end, unit, field)
