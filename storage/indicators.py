"""Counting for the indicators, in the database: GROUP BY and counts over ranges of an
index, never a loop over rows in Python.

What keeps a province's year (hundreds of thousands of rows) fast on both databases:
- the unit-by-field table of a period is counted once and serves both the unit and the
  field breakdowns, and its months serve its total: both are kept for the unit of work
  (one transaction, one snapshot);
- ratings, cases and dossiers are counted month by month as ranges of their time index,
  the bounds of the local months worked out here, rather than by converting every row's
  time to local time and grouping on the result;
- covering indexes (migrations 0006, 0008) answer the counts without reading the
  tables' rows;
- each row is counted with FILTER (a test per count) rather than summing CASE values.

Ratings count toward satisfaction when verified, or unverified inside an inclusion an
administrator made for their unit (a handful of ranges, tested in the same pass).

Each table is counted by one registered statement (QUERIES), which yields the counts the
indicators of surveys.indicators divide: a new indicator adds its statement there.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    and_,
    case,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from complaints.case import Status
from complaints.dossiers import LEFT_OUT
from storage.models import (
    CaseRow,
    DossierApologyRow,
    DossierRow,
    HandlingRatingRow,
    RatingInclusionRow,
    RatingRow,
)
from storage.upsert import dialect_name
from surveys.indicators import SATISFIED_FROM, Counts
from surveys.report import Inclusion, Scope

MONTHS_PER_STATEMENT = 100
"""Months counted by one compound statement (SQLite allows 500 parts)."""

Key = tuple[Any, ...]
Cells = dict[Key, Counts]


@dataclass(frozen=True)
class Window:
    """What a statement counts: the rows of [start, end) in the scope, their outcome as
    known at `now`."""

    start: datetime
    end: datetime
    now: datetime
    scope: Scope
    dialect: str
    included: Any
    """The condition a rating counts toward satisfaction under (_included)."""


@dataclass(frozen=True)
class Query:
    """One statement counting a table for some indicators:
    select(*keys, <its counts>, func.count()) over the window, grouped by the caller."""

    statement: Callable[[Window, list[Any]], Any]
    to_counts: Callable[[Sequence[Any]], Counts]
    """Its counts by name, from the columns after the keys (the number of rows last)."""
    keys: Mapping[str, list[Any]]
    """The columns each breakdown groups its rows by ("procedure", "channel",
    "unit_field"); a breakdown it is not listed for does not count it (cases have no
    procedure, dossiers no channel). Every statement is counted by month."""
    scoped: frozenset[str]
    """The scope it can be narrowed by (unit, field, procedure, channel); a report
    narrowed by another does not count it."""
    month: Callable[[list[tuple[str, datetime, datetime]]], Any] | None = None
    """Where its rows' month is not the one of the time they are selected by: their
    month's label as a column named "month", counted over the months' whole range."""
    present: tuple[Any, Any] | None = None
    """Its (unit, field) columns, indexed with its time: on SQLite the unit-by-field
    table reads only the pairs present (SqlIndicatorRepository._grouped)."""

    def counts(self, scope: Scope) -> bool:
        return all(getattr(scope, name) is None or name in self.scoped
                   for name in ("unit", "field", "procedure", "channel"))


class SqlIndicatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._unit_field: dict[tuple[datetime, datetime, datetime, Scope], Cells] = {}
        self._months: dict[tuple[datetime, datetime, datetime, Scope, ZoneInfo], Cells] = {}
        self._inclusions: list[Inclusion] | None = None

    async def counts(self, start: datetime, end: datetime, now: datetime, scope: Scope,
                     group: str | None, timezone: ZoneInfo) -> dict[str | None, Counts]:
        """Counts of the indicators in [start, end), split by `group` (unit, field,
        procedure, channel, month) or not (key None)."""
        included = _included(await self.inclusions(), timezone)
        if group in (None, "month"):
            # A period's total is the sum of its months: one pass over each table, not two.
            key = (start, end, now, scope, timezone)
            if key not in self._months:
                self._months[key] = await self._by_month(start, end, now, scope, timezone,
                                                         included)
            cells = self._months[key]
            if group is None:
                cells = {(): sum(cells.values(), Counts())}
        elif group in ("unit", "field"):
            remembered = (start, end, now, scope)
            if remembered not in self._unit_field:
                self._unit_field[remembered] = await self._grouped(start, end, now, scope,
                                                                   "unit_field", included)
            position = 0 if group == "unit" else 1
            cells = {}
            for key, counts in self._unit_field[remembered].items():
                _merge(cells, (key[position],), counts)
        elif group in ("procedure", "channel"):
            cells = await self._grouped(start, end, now, scope, group, included)
        else:
            raise ValueError(f"cannot group by {group}")
        return {key[0] if key else None: counts for key, counts in cells.items()}

    async def inclusions(self) -> list[Inclusion]:
        """The administrators' inclusions of unverified ratings in force (not revoked)."""
        if self._inclusions is None:
            rows = await self.session.execute(
                select(RatingInclusionRow).where(RatingInclusionRow.revoked_at.is_(None))
                .order_by(RatingInclusionRow.unit_code, RatingInclusionRow.first_day))
            self._inclusions = [Inclusion(r.id, r.unit_code, r.first_day, r.last_day,
                                          r.included_at) for r in rows.scalars()]
        return self._inclusions

    async def _grouped(self, start: datetime, end: datetime, now: datetime, scope: Scope,
                       group: str, included: Any) -> Cells:
        dialect = dialect_name(self.session)
        window = Window(start, end, now, scope, dialect, included)
        cells: Cells = {}
        for query in QUERIES:
            columns = query.keys.get(group)
            if columns is None or not query.counts(scope):
                continue
            stmt = query.statement(window, columns)
            if group == "unit_field" and dialect == "sqlite" and query.present is not None:
                # SQLite has no hash aggregation: grouping a year's ratings or dossiers
                # would sort them all. Asked for the units and fields present, it reads
                # their (unit, field, time) and (field, unit, due) indexes one pair's range
                # at a time, already in order.
                unit, field = query.present
                stmt = stmt.where(unit.in_(_present(unit)), field.in_(_present(field)))
            for row in await self.session.execute(stmt.group_by(*columns) if columns else stmt):
                _merge(cells, tuple(row[:len(columns)]), query.to_counts(row[len(columns):]))
        return cells

    async def _by_month(self, start: datetime, end: datetime, now: datetime, scope: Scope,
                        timezone: ZoneInfo, included: Any) -> Cells:
        """Each table a range of its index per month, or (Query.month) one pass over the
        months' range."""
        months = local_months(start, end, timezone)
        window = Window(start, end, now, scope, dialect_name(self.session), included)
        cells: Cells = {}
        for first in range(0, len(months), MONTHS_PER_STATEMENT):
            chunk = months[first:first + MONTHS_PER_STATEMENT]
            for query in QUERIES:
                if not query.counts(scope):
                    continue
                if query.month is None:
                    stmt = union_all(*(query.statement(replace(window, start=low, end=high),
                                                       [literal(label)])
                                       for label, low, high in chunk))
                else:
                    stmt = query.statement(
                        replace(window, start=chunk[0][1], end=chunk[-1][2]),
                        [query.month(chunk)]).group_by(literal_column("month"))
                for row in await self.session.execute(stmt):
                    if row[-1]:  # a month shows only where there is something counted
                        _merge(cells, (row[0],), query.to_counts(row[1:]))
        return cells


def _included(inclusions: list[Inclusion], timezone: ZoneInfo) -> Any:
    """The condition a rating counts under: verified, or in an administrator's inclusion
    of its unit's unverified ratings."""
    ranges = [and_(RatingRow.unit_code == inclusion.unit,
                   RatingRow.rated_at >= _local_midnight(inclusion.first, timezone),
                   RatingRow.rated_at < _local_midnight(inclusion.last + timedelta(days=1),
                                                        timezone))
              for inclusion in inclusions]
    return or_(RatingRow.verified, *ranges) if ranges else RatingRow.verified


def _local_midnight(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone).astimezone(UTC)


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

def _ratings(window: Window, keys: list[Any]) -> Any:
    satisfied = RatingRow.score >= SATISFIED_FROM
    unverified = RatingRow.verified == false()
    included = window.included
    stmt = (select(*keys, _sum(included & satisfied), _sum(included),
                   _sum(unverified & satisfied), _sum(unverified), func.count())
            .where(RatingRow.rated_at >= window.start, RatingRow.rated_at < window.end))
    return _filter(stmt, window.scope, unit=RatingRow.unit_code, field=RatingRow.field_code,
                   procedure=RatingRow.procedure_code, channel=RatingRow.channel)


def _rated(values: Any) -> Counts:
    return Counts(satisfied=int(values[0] or 0), rated=int(values[1] or 0),
                  unverified_satisfied=int(values[2] or 0), unverified_rated=int(values[3] or 0))


def _cases(window: Window, keys: list[Any]) -> Any:
    """Cases by their original deadline. `due_at` is the end of the due day under the
    PAKN_END_OF_DAY in force when the case was received (17:00, or 24:00 kept as the day's
    last microsecond, which leaves the case in its due day's month): "no later than the
    deadline" is a plain <= and the figures follow the setting without re-counting days.
    A case closed as a duplicate of another is left out: its problem is counted once, in
    the case that goes on (complaints.case.merge)."""
    resolved_in_time = CaseRow.resolved_at.is_not(None) & (CaseRow.resolved_at <= CaseRow.due_at)
    known = CaseRow.resolved_at.is_not(None) | (CaseRow.due_at < window.now)
    stmt = (select(*keys, _sum(resolved_in_time), _sum(known), func.count())
            .where(CaseRow.due_at >= window.start, CaseRow.due_at < window.end,
                   CaseRow.status != Status.DUPLICATE.value))
    return _filter(stmt, window.scope, unit=CaseRow.unit_code, field=CaseRow.field_code,
                   channel=CaseRow.channel)


def _due(values: Any) -> Counts:
    return Counts(on_time=int(values[0] or 0), known=int(values[1] or 0))


def _handled(window: Window, keys: list[Any]) -> Any:
    """Ratings of the handling of cases resolved in the period."""
    stmt = (select(*keys, _sum(HandlingRatingRow.score >= SATISFIED_FROM), func.count())
            .join(CaseRow, CaseRow.id == HandlingRatingRow.case_id)
            .where(HandlingRatingRow.score.is_not(None), CaseRow.resolved_at >= window.start,
                   CaseRow.resolved_at < window.end))
    return _filter(stmt, window.scope, unit=HandlingRatingRow.unit_code,
                   field=HandlingRatingRow.field_code, channel=CaseRow.channel)


def _handling(values: Any) -> Counts:
    return Counts(handling_satisfied=int(values[0] or 0), handling_rated=int(values[1]))


def _dossiers(window: Window, keys: list[Any]) -> Any:
    """Dossiers by their original due date; those left out not at all. A late one counts
    as apologised for in time when its apology went out by the moment it was owed. Late
    ones are known ones not on time (_settled): only the apologised need the test."""
    settled = func.coalesce(DossierRow.finished_at, DossierRow.returned_at)
    known = settled.is_not(None) | (DossierRow.due_at < window.now)
    late = func.coalesce(settled > DossierRow.due_at, DossierRow.due_at < window.now)
    stmt = (select(*keys, _sum(settled <= DossierRow.due_at), _sum(known),
                   _sum(and_(late, _apologised(window.dialect))), func.count())
            .where(DossierRow.due_at >= window.start, DossierRow.due_at < window.end,
                   DossierRow.status.not_in([status.value for status in LEFT_OUT])))
    return _filter(stmt, window.scope, unit=DossierRow.unit_code, field=DossierRow.field_code,
                   procedure=DossierRow.procedure_code)


def _apologised(dialect: str) -> Any:
    """Whether the dossier's apology went out in time. PostgreSQL costs a correlated
    EXISTS as one index scan per row (millions for a year), which sets off JIT
    compilation of the statement; as IN it hashes the apologies once. SQLite would build
    that list again for every UNION branch, and tests the EXISTS for late dossiers only."""
    in_time = DossierApologyRow.issued_at <= DossierApologyRow.owed_by
    if dialect == "postgresql":
        return DossierRow.id.in_(select(DossierApologyRow.dossier_id).where(in_time))
    return exists().where(DossierApologyRow.dossier_id == DossierRow.id, in_time)


def _settled(values: Any) -> Counts:
    on_time, known = int(values[0] or 0), int(values[1] or 0)
    return Counts(dossiers_on_time=on_time, dossiers_known=known, late_dossiers=known - on_time,
                  apologised_in_time=int(values[2] or 0))


def _resolution_month(months: list[tuple[str, datetime, datetime]]) -> Any:
    return case(*((CaseRow.resolved_at < high, literal(label)) for label, _, high in months)
                ).label("month")


ALL = frozenset({"unit", "field", "procedure", "channel"})
QUERIES: list[Query] = [
    Query(_ratings, _rated,
          {"procedure": [RatingRow.procedure_code], "channel": [RatingRow.channel],
           "unit_field": [RatingRow.unit_code, RatingRow.field_code]},
          ALL, present=(RatingRow.unit_code, RatingRow.field_code)),
    Query(_cases, _due,
          {"channel": [CaseRow.channel],
           "unit_field": [CaseRow.unit_code, CaseRow.field_code]},
          ALL - {"procedure"}),
    Query(_handled, _handling,
          {"channel": [CaseRow.channel],
           "unit_field": [HandlingRatingRow.unit_code, HandlingRatingRow.field_code]},
          ALL - {"procedure"}, month=_resolution_month),
    Query(_dossiers, _settled,
          {"procedure": [DossierRow.procedure_code],
           "unit_field": [DossierRow.unit_code, DossierRow.field_code]},
          ALL - {"channel"}, present=(DossierRow.unit_code, DossierRow.field_code)),
]
"""The registry of the statements: each table counted once per breakdown."""


def _present(column: Any) -> Any:
    """The values of an indexed column, found by seeking the index from each value to the
    next (a loose index scan: one step per value, not per row)."""
    values = select(func.min(column).label("value")).cte(f"{column.name}s", recursive=True)
    following = select(func.min(column)).where(column > values.c.value).scalar_subquery()
    values = values.union_all(select(following).where(values.c.value.is_not(None)))
    return select(values.c.value).where(values.c.value.is_not(None))


def _sum(condition: Any) -> Any:
    """The rows meeting a condition (SQLite from 3.30, PostgreSQL)."""
    return func.count().filter(condition)


def _merge(cells: Cells, key: Key, counts: Counts) -> None:
    cells[key] = cells.get(key, Counts()) + counts


def _filter(stmt: Any, scope: Scope, **columns: Any) -> Any:
    for name, column in columns.items():
        value = getattr(scope, name)
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt
