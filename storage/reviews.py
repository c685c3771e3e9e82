"""The administrators' review of unverified ratings: their decisions to count a unit's
unverified ratings for some days (made, revoked, listed), the ratings from new chat
identities that show stuffing, and the desks those came through."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import false, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import SurveyToken
from storage.models import AccountRow, RatingInclusionRow, RatingRow, SurveyTokenRow
from surveys.bursts import Fresh
from surveys.report import Inclusion, Scope


@dataclass(frozen=True)
class Decision:
    """An inclusion in force, with the name of the administrator who made it."""

    inclusion: Inclusion
    by: str


class SqlReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def include(self, unit: str, first: date, last: date, by: int,
                      now: datetime) -> int:
        row = RatingInclusionRow(unit_code=unit, first_day=first, last_day=last,
                                 included_by=by, included_at=now)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def revoke(self, inclusion_id: int, by: int, now: datetime) -> Inclusion | None:
        """End an inclusion in force; None if there is none by that id."""
        table = RatingInclusionRow.__table__
        row = (await self.session.execute(
            update(RatingInclusionRow)
            .where(RatingInclusionRow.id == inclusion_id,
                   RatingInclusionRow.revoked_at.is_(None))
            .values(revoked_by=by, revoked_at=now)
            .returning(table.c.id, table.c.unit_code, table.c.first_day, table.c.last_day,
                       table.c.included_at))).first()
        return Inclusion(*row) if row else None

    async def in_force(self, first: date, last: date, unit: str | None) -> list[Decision]:
        """The inclusions not revoked that reach into these days (of this unit)."""
        stmt = (select(RatingInclusionRow, AccountRow.display_name)
                .join(AccountRow, AccountRow.id == RatingInclusionRow.included_by)
                .where(RatingInclusionRow.revoked_at.is_(None),
                       RatingInclusionRow.first_day <= last,
                       RatingInclusionRow.last_day >= first)
                .order_by(RatingInclusionRow.unit_code, RatingInclusionRow.first_day))
        if unit is not None:
            stmt = stmt.where(RatingInclusionRow.unit_code == unit)
        return [Decision(Inclusion(r.id, r.unit_code, r.first_day, r.last_day, r.included_at),
                         name or "")
                for r, name in await self.session.execute(stmt)]

    async def fresh_unverified(self, start: datetime, end: datetime,
                               scope: Scope) -> list[Fresh]:
        """The unverified ratings given in [start, end) from new chat identities."""
        stmt = (select(RatingRow.rated_at, RatingRow.desk_token_id, RatingRow.origin)
                .where(RatingRow.rated_at >= start, RatingRow.rated_at < end,
                       RatingRow.verified == false(), RatingRow.new_identity == true()))
        for column, value in ((RatingRow.unit_code, scope.unit),
                              (RatingRow.field_code, scope.field),
                              (RatingRow.procedure_code, scope.procedure),
                              (RatingRow.channel, scope.channel)):
            if value is not None:
                stmt = stmt.where(column == value)
        return [Fresh(at, desk, origin) for at, desk, origin in
                await self.session.execute(stmt)]

    async def desks(self, ids: Collection[int]) -> dict[int, SurveyToken]:
        """The desks' QR codes by id: procedure, unit and desk they stand for."""
        if not ids:
            return {}
        rows = await self.session.execute(
            select(SurveyTokenRow).where(SurveyTokenRow.id.in_(list(ids))))
        return {r.id: SurveyToken(r.id, r.procedure_code, r.unit_code, r.desk)
                for r in rows.scalars()}
