"""Counting for the indicators, in the database: GROUP BY and counts over ranges of an
index, never a loop over rows in Python.

What keeps a province's year (hundreds of thousands of rows) fast on both databases:
- the unit-by-field table of a period is counted once and serves both the unit and the
  field breakdowns: it is kept for the unit of work (one transaction, one snapshot);
- ratings and cases are counted month by month as ranges of their time index, the
  bounds of the local months worked out here, rather than by converting every row's
  time to local time and grouping on the result;
- covering indexes (migration 0006) answer the counts without reading the tables' rows.
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CaseRow, HandlingRatingRow, RatingRow
from storage.upsert import dialect_name
from surveys.indicators import SATISFIED_FROM, Counts
from surveys.report import Scope

MONTHS_PER_STATEMENT = 100
"""Months counted by one compound statement (SQLite allows 500 parts)."""

Key = tuple[Any, ...]
Cells = dict[Key, Counts]
# The columns each breakdown groups by: of the ratings, the cases, the handling ratings.
_KEYS: dict[str | None, tuple[list[Any], list[Any], list[Any]]] = {
    None: ([], [], []),
    "procedure": ([RatingRow.procedure_code], [], []),
    "channel": ([RatingRow.channel], [CaseRow.channel], [CaseRow.channel]),
    "unit_field": ([RatingRow.unit_code, RatingRow.field_code],
                   [CaseRow.unit_code, CaseRow.field_code],
                   [HandlingRatingRow.unit_code, HandlingRatingRow.field_code]),
}


class SqlIndicatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._unit_field: dict[tuple[datetime, datetime, datetime, Scope], Cells] = {}

    async def counts(self, start: datetime, end: datetime, now: datetime, scope: Scope,
                     group: str | None, timezone: ZoneInfo) -> dict[str | None, Counts]:
        """Counts of the three indicators in [start, end), split by `group` (unit, field,
        procedure, channel, month) or not (key None)."""
        if group == "month":
            cells = await self._by_month(start, end, now, scope, timezone)
        elif group in ("unit", "field"):
            remembered = (start, end, now, scope)
            if remembered not in self._unit_field:
                self._unit_field[remembered] = await self._grouped(start, end, now, scope,
                                                                   "unit_field")
            position = 0 if group == "unit" else 1
            cells = {}
            for key, counts in self._unit_field[remembered].items():
                _merge(cells, (key[position],), counts)
        elif group in (None, "procedure", "channel"):
            cells = await self._grouped(start, end, now, scope, group)
        else:
            raise ValueError(f"cannot group by {group}")
        return {key[0] if key else None: counts for key, counts in cells.items()}

    async def _grouped(self, start: datetime, end: datetime, now: datetime, scope: Scope,
                       group: str | None) -> Cells:
        rating_keys, case_keys, handled_keys = _KEYS[group]
        ratings = _ratings(start, end, scope, rating_keys)
        if group == "unit_field" and dialect_name(self.session) == "sqlite":
            # SQLite has no hash aggregation: grouping a year's ratings would sort them
            # all. Asked for the units and fields present, it reads its (unit, field,
            # time) index one pair's range at a time, already in order.
            ratings = ratings.where(RatingRow.unit_code.in_(_present(RatingRow.unit_code)),
                                    RatingRow.field_code.in_(_present(RatingRow.field_code)))
        statements = [(ratings, rating_keys, _rated)]
        if _counts_cases(scope, group):
            statements += [(_cases(start, end, now, scope, case_keys), case_keys, _due),
                           (_handled(start, end, scope, handled_keys), handled_keys, _handling)]
        cells: Cells = {}
        for stmt, keys, to_counts in statements:
            for row in await self.session.execute(stmt.group_by(*keys) if keys else stmt):
                _merge(cells, tuple(row[:len(keys)]), to_counts(row[len(keys):]))
        return cells

    async def _by_month(self, start: datetime, end: datetime, now: datetime, scope: Scope,
                        timezone: ZoneInfo) -> Cells:
        """Ratings and cases a range of their index per month; the ratings of the handling
        in one pass over their join with the cases, put in the month of the resolution."""
        months = local_months(start, end, timezone)
        cells: Cells = {}
        for first in range(0, len(months), MONTHS_PER_STATEMENT):
            chunk = months[first:first + MONTHS_PER_STATEMENT]
            statements = [(union_all(*(_ratings(low, high, scope, [literal(label)])
                                       for label, low, high in chunk)), _rated)]
            if _counts_cases(scope, "month"):
                month = case(*((CaseRow.resolved_at < high, literal(label))
                               for label, _, high in chunk)).label("month")
                statements += [
                    (union_all(*(_cases(low, high, now, scope, [literal(label)])
                                 for label, low, high in chunk)), _due),
                    (_handled(chunk[0][1], chunk[-1][2], scope, [month])
                     .group_by(literal_column("month")), _handling)]
            for stmt, to_counts in statements:
                for row in await self.session.execute(stmt):
                    if row[-1]:  # a month shows only where there is something counted
                        _merge(cells, (row[0],), to_counts(row[1:]))
        return cells


def local_months(start: datetime, end: datetime, timezone: ZoneInfo
                 ) -> list[tuple[str, datetime, datetime]]:
    """The local months [start, end) touches, as 'YYYY-MM' and UTC bounds cut to it."""
    local = start.astimezone(timezone)
    year, month, low = local.year, local.month, start
    months = []
    while low < end:
        year_after, month_after = (year, month + 1) if month < 12 else (year + 1, 1)
        following = datetime(year_after, month_after, 1, tzinfo=timezone).astimezone(UTC)
        months.append((f"{year:04d}-{month:02d}", low, min(following, end)))
        year, month, low = year_after, month_after, following
    return months


# Each count ends with the number of rows it counted.

def _ratings(start: datetime, end: datetime, scope: Scope, keys: list[Any]) -> Any:
    stmt = (select(*keys, _sum(RatingRow.score >= SATISFIED_FROM), func.count())
            .where(RatingRow.rated_at >= start, RatingRow.rated_at < end))
    return _filter(stmt, scope, unit=RatingRow.unit_code, field=RatingRow.field_code,
                   procedure=RatingRow.procedure_code, channel=RatingRow.channel)


def _rated(values: Any) -> Counts:
    return Counts(satisfied=int(values[0] or 0), rated=int(values[1]))


def _cases(start: datetime, end: datetime, now: datetime, scope: Scope,
           keys: list[Any]) -> Any:
    """Cases by their original deadline."""
    resolved_in_time = CaseRow.resolved_at.is_not(None) & (CaseRow.resolved_at <= CaseRow.due_at)
    known = CaseRow.resolved_at.is_not(None) | (CaseRow.due_at < now)
    stmt = (select(*keys, _sum(resolved_in_time), _sum(known), func.count())
            .where(CaseRow.due_at >= start, CaseRow.due_at < end))
    return _filter(stmt, scope, unit=CaseRow.unit_code, field=CaseRow.field_code,
                   channel=CaseRow.channel)


def _due(values: Any) -> Counts:
    return Counts(on_time=int(values[0] or 0), known=int(values[1] or 0))


def _handled(start: datetime, end: datetime, scope: Scope, keys: list[Any]) -> Any:
    """Ratings of the handling of cases resolved in the period."""
    stmt = (select(*keys, _sum(HandlingRatingRow.score >= SATISFIED_FROM), func.count())
            .join(CaseRow, CaseRow.id == HandlingRatingRow.case_id)
            .where(HandlingRatingRow.score.is_not(None), CaseRow.resolved_at >= start,
                   CaseRow.resolved_at < end))
    return _filter(stmt, scope, unit=HandlingRatingRow.unit_code,
                   field=HandlingRatingRow.field_code, channel=CaseRow.channel)


def _handling(values: Any) -> Counts:
    return Counts(handling_satisfied=int(values[0] or 0), handling_rated=int(values[1]))


def _counts_cases(scope: Scope, group: str | None) -> bool:
    """Cases have no procedure: a count by or of a procedure is of ratings only."""
    return scope.procedure is None and group != "procedure"


def _present(column: Any) -> Any:
    """The values of an indexed column, found by seeking the index from each value to the
    next (a loose index scan: one step per value, not per row)."""
    values = select(func.min(column).label("value")).cte(f"{column.name}s", recursive=True)
    following = select(func.min(column)).where(column > values.c.value).scalar_subquery()
    values = values.union_all(select(following).where(values.c.value.is_not(None)))
    return select(values.c.value).where(values.c.value.is_not(None))


def _sum(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _merge(cells: Cells, key: Key, counts: Counts) -> None:
    cells[key] = cells.get(key, Counts()) + counts


def _filter(stmt: Any, scope: Scope, **columns: Any) -> Any:
    for name, column in columns.items():
        value = getattr(scope, name)
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt
