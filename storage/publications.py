"""Decisions on publishing cases' texts, and the resolved cases waiting for one."""

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from complaints.case import Case, Status
from complaints.publication import Decision, Publication, search_key
from storage.cases import _from_row
from storage.models import CaseRow, PublicationRow
from storage.prepared import Prepared

WAITING_CHANNELS_EXCLUDED = ("import",)
"""History imported from before the service is not offered for publication (the public
doors leave it out too)."""

_PUBLICATIONS: Table = PublicationRow.__table__  # type: ignore[assignment]
# Read for each similar case a citizen is shown: run on the driver (storage.prepared).
_DECISION = Prepared(select(_PUBLICATIONS).where(
    _PUBLICATIONS.c.case_id == bindparam("case_id")))


class SqlPublicationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, case_id: int) -> Publication | None:
        row = (await _DECISION.run(self.session, {"case_id": case_id})).first()
        return _publication(row) if row else None

    async def save(self, publication: Publication, code: str) -> None:
        """The decision in force on the case (the one before it is replaced)."""
        row = await self.session.get(PublicationRow, publication.case_id)
        if row is None:
            row = PublicationRow(case_id=publication.case_id)
            self.session.add(row)
        row.status = publication.status.value
        row.case_resolved_at = publication.case_resolved_at
        row.case_reopened_at = publication.case_reopened_at
        row.question, row.answer = publication.question, publication.answer
        row.latitude, row.longitude = publication.latitude, publication.longitude
        row.search_text = (search_key(" ".join((code, publication.question or "",
                                                publication.answer or "")))
                           if publication.status is Decision.APPROVED else None)
        row.approved_by, row.approved_at = publication.approved_by, publication.approved_at
        row.decided_by, row.decided_at = publication.decided_by, publication.decided_at
        await self.session.flush()

    async def waiting(self, unit: str | None, limit: int,
                      offset: int) -> tuple[list[Case], int]:
        """Resolved cases with no decision on their publication for this resolution,
        the longest waiting first, and how many there are."""
        decided = and_(PublicationRow.case_id == CaseRow.id, same_resolution())
        stmt = (select(CaseRow).outerjoin(PublicationRow, decided)
                .where(CaseRow.status == Status.RESOLVED.value,
                       CaseRow.channel.not_in(WAITING_CHANNELS_EXCLUDED),
                       PublicationRow.case_id.is_(None)))
        if unit is not None:
            stmt = stmt.where(CaseRow.unit_code == unit)
        total = (await self.session.execute(
            select(func.count()).select_from(stmt.subquery()))).scalar_one()
        rows = (await self.session.execute(
            stmt.order_by(CaseRow.resolved_at, CaseRow.id).limit(limit).offset(offset)
        )).scalars()
        return [_from_row(r) for r in rows], int(total)


def same_resolution() -> ColumnElement[bool]:
    """A case's publication row was decided on the resolution the case has now."""
    return and_(PublicationRow.case_resolved_at == CaseRow.resolved_at,
                or_(and_(CaseRow.reopened_at.is_(None),
                         PublicationRow.case_reopened_at.is_(None)),
                    PublicationRow.case_reopened_at == CaseRow.reopened_at))


def _publication(row: PublicationRow) -> Publication:
    return Publication(
        case_id=row.case_id, status=Decision(row.status),
        case_resolved_at=row.case_resolved_at, case_reopened_at=row.case_reopened_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at, question=row.question, answer=row.answer,
        latitude=row.latitude, longitude=row.longitude, approved_by=row.approved_by,
        approved_at=row.approved_at)

