"""Counting for the indicators, in the database: one GROUP BY per kind of count, never
a loop over rows in Python."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CaseRow, HandlingRatingRow, RatingRow
from storage.upsert import dialect_name
from surveys.indicators import SATISFIED_FROM, Counts
from surveys.report import Scope


class SqlIndicatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(self, start: datetime, end: datetime, now: datetime, scope: Scope,
                     group: str | None, timezone: ZoneInfo) -> dict[str | None, Counts]:
        """Counts of the three indicators in [start, end), split by `group` (unit, field,
        procedure, channel, month) or not (key None)."""
        month = self._month_of(timezone, start)
        result: dict[str | None, Counts] = {}

        def merge(key: Any, **values: int) -> None:
            result[key] = result.get(key, Counts()) + Counts(**values)

        ratings = {"unit": RatingRow.unit_code, "field": RatingRow.field_code,
                   "procedure": RatingRow.procedure_code, "channel": RatingRow.channel,
                   "month": month(RatingRow.rated_at)}
        stmt = select(self._key(ratings, group),
                      func.sum(case((RatingRow.score >= SATISFIED_FROM, 1), else_=0)),
                      func.count()).where(RatingRow.rated_at >= start, RatingRow.rated_at < end)
        stmt = self._filter(stmt, scope, unit=RatingRow.unit_code, field=RatingRow.field_code,
                            procedure=RatingRow.procedure_code, channel=RatingRow.channel)
        for key, satisfied, rated in await self._rows(stmt, group):
            merge(key, satisfied=int(satisfied or 0), rated=int(rated))

        if scope.procedure is None and group != "procedure":
            cases = {"unit": CaseRow.unit_code, "field": CaseRow.field_code,
                     "channel": CaseRow.channel, "month": month(CaseRow.due_at)}
            resolved_in_time = (CaseRow.resolved_at.is_not(None)
                                & (CaseRow.resolved_at <= CaseRow.due_at))
            known = CaseRow.resolved_at.is_not(None) | (CaseRow.due_at < now)
            stmt = select(self._key(cases, group),
                          func.sum(case((resolved_in_time, 1), else_=0)),
                          func.sum(case((known, 1), else_=0))
                          ).where(CaseRow.due_at >= start, CaseRow.due_at < end)
            stmt = self._filter(stmt, scope, unit=CaseRow.unit_code, field=CaseRow.field_code,
                                channel=CaseRow.channel)
            for key, on_time, known_count in await self._rows(stmt, group):
                merge(key, on_time=int(on_time or 0), known=int(known_count or 0))

            handled = {"unit": HandlingRatingRow.unit_code, "field": HandlingRatingRow.field_code,
                       "channel": CaseRow.channel, "month": month(CaseRow.resolved_at)}
            stmt = (select(self._key(handled, group),
                           func.sum(case((HandlingRatingRow.score >= SATISFIED_FROM, 1),
                                         else_=0)),
                           func.count())
                    .join(CaseRow, CaseRow.id == HandlingRatingRow.case_id)
                    .where(HandlingRatingRow.score.is_not(None), CaseRow.resolved_at >= start,
                           CaseRow.resolved_at < end))
            stmt = self._filter(stmt, scope, unit=HandlingRatingRow.unit_code,
                                field=HandlingRatingRow.field_code, channel=CaseRow.channel)
            for key, satisfied, rated in await self._rows(stmt, group):
                merge(key, handling_satisfied=int(satisfied or 0), handling_rated=int(rated))
        return result

    @staticmethod
    def _key(columns: dict[str, Any], group: str | None) -> Any:
        if group is None:
            return literal(None).label("key")
        if group not in columns:
            raise ValueError(f"cannot group by {group}")
        return columns[group].label("key")

    async def _rows(self, stmt: Any, group: str | None) -> list[Any]:
        if group is not None:
            stmt = stmt.group_by(literal_column("key"))
        return list((await self.session.execute(stmt)).all())

    @staticmethod
    def _filter(stmt: Any, scope: Scope, **columns: Any) -> Any:
        for name, column in columns.items():
            value = getattr(scope, name)
            if value is not None:
                stmt = stmt.where(column == value)
        return stmt

    def _month_of(self, timezone: ZoneInfo, moment: datetime) -> Any:
        """The local month of a UTC timestamp, as 'YYYY-MM', computed by the database."""
        if dialect_name(self.session) == "postgresql":
            return lambda column: func.to_char(func.timezone(str(timezone), column), "YYYY-MM")
        offset = moment.astimezone(timezone).utcoffset()
        hours = int(offset.total_seconds() // 3600) if offset else 0
        return lambda column: func.strftime("%Y-%m", column, f"{hours:+d} hours")
