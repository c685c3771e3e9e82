"""`pakn stats` for a year of a province-scale history (1,000,000 ratings, 200,000 PAKN
and 1,000,000 dossiers over three years, 100 units, 15 fields), by unit and by field,
against one hand-written SQL statement that computes the same numbers on the same
database.

Ours is timed in-process, through the function the CLI calls (make_report on a unit of
work, then the text table), so the figure is the query work and not Python's start-up;
one real `pakn stats` process is timed beside it for reference. Every statement ours
sends is listed with its time and the plan the database chose for it.

Target: under 1 s for the year on SQLite, within 1.5 × of the hand-written statement.
"""

import asyncio
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, event, text
from sqlalchemy.ext.asyncio import AsyncConnection

from benchmarks.common import Machine, Table, report
from benchmarks.figures import ratio, seconds
from benchmarks.history import VN, History, postgres_version, prepare
from bot.present.i18n import set_language
from bot.present.reports import make_report, report_text
from storage.db import Database
from storage.models import UTCDateTime
from storage.uow import Store
from surveys.indicators import APOLOGISED, UNVERIFIED, Indicator, Indicators
from surveys.periods import Period, parse_period
from surveys.report import Report, Scope

RUNS = 7
GROUPS = ("unit", "field")
TARGET_SECONDS, TARGET_RATIO = 1.0, 1.5
Numbers = dict[tuple[str, str | None], tuple[int, ...]]
"""(breakdown, key) → numerator and denominator of each rate: satisfaction (verified),
PAKN on time, PAKN handling satisfaction, dossiers on time, satisfaction of the
unverified ratings, late dossiers apologised for in time."""

# One statement: the period counted once per table by unit, field and local month, rolled
# up four ways, and the previous period's totals beside it. Satisfaction counts verified
# ratings only: the history has no administrator's inclusion of unverified ones.
_SQLITE = """
WITH rated AS (
  SELECT unit_code AS unit, field_code AS field,
         strftime('%Y-%m', rated_at, :offset) AS month,
         sum(verified AND score >= 4) AS satisfied, sum(verified) AS rated,
         sum(NOT verified AND score >= 4) AS u_satisfied, sum(NOT verified) AS u_rated
  FROM ratings WHERE rated_at >= :start AND rated_at < :end
  GROUP BY unit, field, month),
due AS (
  SELECT unit_code AS unit, field_code AS field,
         strftime('%Y-%m', due_at, :offset) AS month,
         sum(resolved_at IS NOT NULL AND resolved_at <= due_at) AS on_time,
         sum(resolved_at IS NOT NULL OR due_at < :now) AS known
  FROM cases WHERE due_at >= :start AND due_at < :end
  GROUP BY unit, field, month),
handled AS (
  SELECT h.unit_code AS unit, h.field_code AS field,
         strftime('%Y-%m', c.resolved_at, :offset) AS month,
         sum(h.score >= 4) AS satisfied, count(*) AS rated
  FROM handling_ratings h JOIN cases c ON c.id = h.case_id
  WHERE h.score IS NOT NULL AND c.resolved_at >= :start AND c.resolved_at < :end
  GROUP BY unit, field, month),
settled AS (
  SELECT unit, field, strftime('%Y-%m', due_at, :offset) AS month,
         sum(settled_at <= due_at) AS on_time,
         sum(settled_at IS NOT NULL OR due_at < :now) AS known,
         sum(coalesce(settled_at > due_at, due_at < :now) AND apologised) AS apologised,
         sum(coalesce(settled_at > due_at, due_at < :now)) AS late
  FROM (SELECT d.unit_code AS unit, d.field_code AS field, d.due_at,
               coalesce(d.finished_at, d.returned_at) AS settled_at,
               a.issued_at <= a.owed_by AS apologised
        FROM dossiers d LEFT JOIN dossier_apologies a ON a.dossier_id = d.id
        WHERE d.due_at >= :start AND d.due_at < :end
          AND d.status NOT IN ('rejected', 'withdrawn'))
  GROUP BY unit, field, month),
counts AS MATERIALIZED (
  SELECT unit, field, month, satisfied, rated, 0 AS on_time, 0 AS known, 0 AS h_satisfied,
         0 AS h_rated, 0 AS d_on_time, 0 AS d_known, u_satisfied, u_rated,
         0 AS apologised, 0 AS late FROM rated
  UNION ALL SELECT unit, field, month, 0, 0, on_time, known, 0, 0, 0, 0, 0, 0, 0, 0 FROM due
  UNION ALL SELECT unit, field, month, 0, 0, 0, 0, satisfied, rated, 0, 0, 0, 0, 0, 0
            FROM handled
  UNION ALL SELECT unit, field, month, 0, 0, 0, 0, 0, 0, on_time, known, 0, 0, apologised,
                   late FROM settled)
SELECT 'overall', NULL, sum(satisfied), sum(rated), sum(on_time), sum(known), sum(h_satisfied),
       sum(h_rated), sum(d_on_time), sum(d_known), sum(u_satisfied), sum(u_rated),
       sum(apologised), sum(late) FROM counts
UNION ALL
SELECT 'unit', unit, sum(satisfied), sum(rated), sum(on_time), sum(known), sum(h_satisfied),
       sum(h_rated), sum(d_on_time), sum(d_known), sum(u_satisfied), sum(u_rated),
       sum(apologised), sum(late) FROM counts GROUP BY unit
UNION ALL
SELECT 'field', field, sum(satisfied), sum(rated), sum(on_time), sum(known), sum(h_satisfied),
       sum(h_rated), sum(d_on_time), sum(d_known), sum(u_satisfied), sum(u_rated),
       sum(apologised), sum(late) FROM counts GROUP BY field
UNION ALL
SELECT 'month', month, sum(satisfied), sum(rated), sum(on_time), sum(known), sum(h_satisfied),
       sum(h_rated), sum(d_on_time), sum(d_known), sum(u_satisfied), sum(u_rated),
       sum(apologised), sum(late) FROM counts GROUP BY month
UNION ALL
SELECT 'previous', NULL, r.satisfied, r.rated, c.on_time, c.known, h.satisfied, h.rated,
       d.on_time, d.known, r.u_satisfied, r.u_rated, d.apologised, d.late
FROM (SELECT sum(verified AND score >= 4) AS satisfied, sum(verified) AS rated,
             sum(NOT verified AND score >= 4) AS u_satisfied, sum(NOT verified) AS u_rated
      FROM ratings WHERE rated_at >= :before AND rated_at < :start) AS r,
     (SELECT sum(resolved_at IS NOT NULL AND resolved_at <= due_at) AS on_time,
             sum(resolved_at IS NOT NULL OR due_at < :now) AS known FROM cases
      WHERE due_at >= :before AND due_at < :start) AS c,
     (SELECT sum(h.score >= 4) AS satisfied, count(*) AS rated
      FROM handling_ratings h JOIN cases c ON c.id = h.case_id
      WHERE h.score IS NOT NULL AND c.resolved_at >= :before AND c.resolved_at < :start) AS h,
     (SELECT sum(settled_at <= due_at) AS on_time,
             sum(settled_at IS NOT NULL OR due_at < :now) AS known,
             sum(coalesce(settled_at > due_at, due_at < :now) AND apologised) AS apologised,
             sum(coalesce(settled_at > due_at, due_at < :now)) AS late
      FROM (SELECT d.due_at, coalesce(d.finished_at, d.returned_at) AS settled_at,
                   a.issued_at <= a.owed_by AS apologised
            FROM dossiers d LEFT JOIN dossier_apologies a ON a.dossier_id = d.id
            WHERE d.due_at >= :before AND d.due_at < :start
              AND d.status NOT IN ('rejected', 'withdrawn'))) AS d
"""

_POSTGRESQL = """
WITH rated AS (
  SELECT unit_code AS unit, field_code AS field,
         to_char(rated_at AT TIME ZONE :zone, 'YYYY-MM') AS month,
         count(*) FILTER (WHERE verified AND score >= 4) AS satisfied,
         count(*) FILTER (WHERE verified) AS rated,
         count(*) FILTER (WHERE NOT verified AND score >= 4) AS u_satisfied,
         count(*) FILTER (WHERE NOT verified) AS u_rated
  FROM ratings WHERE rated_at >= :start AND rated_at < :end
  GROUP BY 1, 2, 3),
due AS (
  SELECT unit_code AS unit, field_code AS field,
         to_char(due_at AT TIME ZONE :zone, 'YYYY-MM') AS month,
         count(*) FILTER (WHERE resolved_at <= due_at) AS on_time,
         count(*) FILTER (WHERE resolved_at IS NOT NULL OR due_at < :now) AS known
  FROM cases WHERE due_at >= :start AND due_at < :end
  GROUP BY 1, 2, 3),
handled AS (
  SELECT h.unit_code AS unit, h.field_code AS field,
         to_char(c.resolved_at AT TIME ZONE :zone, 'YYYY-MM') AS month,
         count(*) FILTER (WHERE h.score >= 4) AS satisfied, count(*) AS rated
  FROM handling_ratings h JOIN cases c ON c.id = h.case_id
  WHERE h.score IS NOT NULL AND c.resolved_at >= :start AND c.resolved_at < :end
  GROUP BY 1, 2, 3),
settled AS (
  SELECT unit, field, to_char(due_at AT TIME ZONE :zone, 'YYYY-MM') AS month,
         count(*) FILTER (WHERE settled_at <= due_at) AS on_time,
         count(*) FILTER (WHERE settled_at IS NOT NULL OR due_at < :now) AS known,
         count(*) FILTER (WHERE coalesce(settled_at > due_at, due_at < :now)
                          AND apologised) AS apologised,
         count(*) FILTER (WHERE coalesce(settled_at > due_at, due_at < :now)) AS late
  FROM (SELECT d.unit_code AS unit, d.field_code AS field, d.due_at,
               coalesce(d.finished_at, d.returned_at) AS settled_at,
               a.issued_at <= a.owed_by AS apologised
        FROM dossiers d LEFT JOIN dossier_apologies a ON a.dossier_id = d.id
        WHERE d.due_at >= :start AND d.due_at < :end
          AND d.status NOT IN ('rejected', 'withdrawn')) AS d
  GROUP BY 1, 2, 3),
counts AS (
  SELECT unit, field, month, satisfied, rated, 0 AS on_time, 0 AS known, 0 AS h_satisfied,
         0 AS h_rated, 0 AS d_on_time, 0 AS d_known, u_satisfied, u_rated,
         0 AS apologised, 0 AS late FROM rated
  UNION ALL SELECT unit, field, month, 0, 0, on_time, known, 0, 0, 0, 0, 0, 0, 0, 0 FROM due
  UNION ALL SELECT unit, field, month, 0, 0, 0, 0, satisfied, rated, 0, 0, 0, 0, 0, 0
            FROM handled
  UNION ALL SELECT unit, field, month, 0, 0, 0, 0, 0, 0, on_time, known, 0, 0, apologised,
                   late FROM settled)
SELECT CASE WHEN GROUPING(unit) = 0 THEN 'unit' WHEN GROUPING(field) = 0 THEN 'field'
            WHEN GROUPING(month) = 0 THEN 'month' ELSE 'overall' END,
       coalesce(unit, field, month), sum(satisfied), sum(rated), sum(on_time), sum(known),
       sum(h_satisfied), sum(h_rated), sum(d_on_time), sum(d_known), sum(u_satisfied),
       sum(u_rated), sum(apologised), sum(late)
FROM counts GROUP BY GROUPING SETS ((), (unit), (field), (month))
UNION ALL
SELECT 'previous', NULL, r.satisfied, r.rated, c.on_time, c.known, h.satisfied, h.rated,
       d.on_time, d.known, r.u_satisfied, r.u_rated, d.apologised, d.late
FROM (SELECT count(*) FILTER (WHERE verified AND score >= 4) AS satisfied,
             count(*) FILTER (WHERE verified) AS rated,
             count(*) FILTER (WHERE NOT verified AND score >= 4) AS u_satisfied,
             count(*) FILTER (WHERE NOT verified) AS u_rated
      FROM ratings WHERE rated_at >= :before AND rated_at < :start) AS r,
     (SELECT count(*) FILTER (WHERE resolved_at <= due_at) AS on_time,
             count(*) FILTER (WHERE resolved_at IS NOT NULL OR due_at < :now) AS known
      FROM cases WHERE due_at >= :before AND due_at < :start) AS c,
     (SELECT count(*) FILTER (WHERE h.score >= 4) AS satisfied, count(*) AS rated
      FROM handling_ratings h JOIN cases c ON c.id = h.case_id
      WHERE h.score IS NOT NULL AND c.resolved_at >= :before AND c.resolved_at < :start) AS h,
     (SELECT count(*) FILTER (WHERE settled_at <= due_at) AS on_time,
             count(*) FILTER (WHERE settled_at IS NOT NULL OR due_at < :now) AS known,
             count(*) FILTER (WHERE coalesce(settled_at > due_at, due_at < :now)
                              AND apologised) AS apologised,
             count(*) FILTER (WHERE coalesce(settled_at > due_at, due_at < :now)) AS late
      FROM (SELECT d.due_at, coalesce(d.finished_at, d.returned_at) AS settled_at,
                   a.issued_at <= a.owed_by AS apologised
            FROM dossiers d LEFT JOIN dossier_apologies a ON a.dossier_id = d.id
            WHERE d.due_at >= :before AND d.due_at < :start
              AND d.status NOT IN ('rejected', 'withdrawn')) AS d) AS d
"""


def hand_written(dialect: str) -> Any:
    moments = [bindparam(name, type_=UTCDateTime()) for name in ("before", "start", "end", "now")]
    return text(_SQLITE if dialect == "sqlite" else _POSTGRESQL).bindparams(*moments)


def hand_written_params(dialect: str, period: Period, now: datetime,
                        timezone: ZoneInfo) -> dict[str, Any]:
    start, end = period.bounds(timezone)
    before, _ = period.previous().bounds(timezone)
    params: dict[str, Any] = {"before": before, "start": start, "end": end, "now": now}
    if dialect == "sqlite":
        offset = start.astimezone(timezone).utcoffset()
        hours = int(offset.total_seconds() // 3600) if offset else 0
        params["offset"] = f"{hours:+d} hours"
    else:
        params["zone"] = str(timezone)
    return params


RATES = (*Indicator, UNVERIFIED, APOLOGISED)
"""Every rate a report holds, in the order of the hand-written statement's columns."""


def numbers_of_report(report: Report) -> Numbers:
    def counted(indicators: Indicators) -> tuple[int, ...]:
        return tuple(n for name in RATES
                     for n in (indicators[name].numerator, indicators[name].denominator))
    numbers: Numbers = {("overall", None): counted(report.overall),
                        ("previous", None): counted(report.previous)}
    for group, values in report.groups.items():
        numbers.update({(group, key): counted(value) for key, value in values.items()})
    numbers.update({("month", label): counted(value) for label, value in report.months})
    return numbers


def numbers_of_rows(rows: list[Any]) -> Numbers:
    return {(kind, key): tuple(int(n or 0) for n in values) for kind, key, *values in rows}


@contextmanager
def statements(connection: AsyncConnection) -> Iterator[list[tuple[str, Any, float]]]:
    """The statements sent on a connection while the block runs, with their time."""
    sent: list[tuple[str, Any, float]] = []
    engine = connection.sync_engine

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        conn.info["started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
              executemany: bool) -> None:
        sent.append((statement, parameters, time.perf_counter() - conn.info.pop("started")))
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


@dataclass
class Measurement:
    ours: list[float] = field(default_factory=list)
    ours_cpu: list[float] = field(default_factory=list)
    """CPU time of this process: on SQLite, all the work (the driver runs in a thread)."""
    hand: list[float] = field(default_factory=list)
    first: float = 0.0
    report: Report | None = None
    numbers_hand: Numbers = field(default_factory=dict)
    statements: list[tuple[str, float, str]] = field(default_factory=list)
    """Ours, once more: what each statement counts, its time, its plan."""


async def measure(url: str, history: History, period: Period) -> Measurement:
    database = Database(url)
    store = Store(database)
    result = Measurement()
    now = history.spec.now

    async def ours() -> float:
        started, cpu = time.perf_counter(), time.process_time()
        async with store.unit_of_work() as uow:
            directory = await uow.directory.load()
            report = await make_report(uow.indicators, directory, period, Scope(), now, VN,
                                       GROUPS)
            report_text(report, directory, "vi", VN)
        result.report = report
        result.ours_cpu.append(time.process_time() - cpu)
        return time.perf_counter() - started

    dialect = "sqlite" if database.is_sqlite else "postgresql"
    statement = hand_written(dialect)
    params = hand_written_params(dialect, period, now, VN)

    async def hand() -> float:
        started = time.perf_counter()
        async with database.reading() as session:
            rows = list((await session.execute(statement, params)).all())
        result.numbers_hand = numbers_of_rows(rows)
        return time.perf_counter() - started

    try:
        result.first = await ours()
        await hand()
        for _ in range(RUNS):  # alternated, so a busy moment of the machine hits both
            result.ours.append(await ours())
            result.hand.append(await hand())
        result.statements = await _explained(store, database, period, now)
    finally:
        await database.dispose()
    return result


async def _explained(store: Store, database: Database, period: Period,
                     now: datetime) -> list[tuple[str, float, str]]:
    """Ours once more, each statement with its time and the database's plan for it."""
    async with store.unit_of_work() as uow:
        connection = await uow.session.connection()
        directory = await uow.directory.load()
        with statements(connection) as sent:
            await make_report(uow.indicators, directory, period, Scope(), now, VN, GROUPS)
        explained = []
        for sql, parameters, took in sent:
            if database.is_sqlite:
                plan_rows = await connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + sql, parameters)
                plan = _condensed([row.detail for row in plan_rows])
            else:
                plan_rows = await connection.exec_driver_sql("EXPLAIN " + sql, parameters)
                plan = _pg_plan([row[0] for row in plan_rows])
            explained.append((_described(sql), took, plan))
    return explained


def _pg_plan(lines: list[str]) -> str:
    """The scans and joins of a PostgreSQL plan, its estimated cost, and whether it is
    compiled (JIT): above jit_above_cost, compiling can cost more than it saves."""
    cost = re.search(r"cost=[\d.]+\.\.([\d.]+)", lines[0])
    jit = any(line.startswith("JIT:") for line in lines)
    return "; ".join([_condensed(_pg_nodes(lines)),
                      *([f"cost {float(cost[1]):,.0f}"] if cost else []),
                      *(["JIT"] if jit else [])])


def _pg_nodes(lines: Any) -> list[str]:
    """The scans and joins of a PostgreSQL plan."""
    nodes = []
    for line in lines:
        node = line.strip().removeprefix("->").strip().split("  (")[0]
        if "Scan" in node or "Join" in node or "Nested Loop" in node:
            nodes.append(re.sub(r" (\w+) \1_\d+$", r" \1", node))  # "on ratings ratings_3"
    return nodes


def _condensed(parts: list[str]) -> str:
    """A plan without its scaffolding, each step once (a union repeats them)."""
    noise = ("COMPOUND QUERY", "LEFT-MOST SUBQUERY", "UNION ALL", "SETUP", "RECURSIVE STEP",
             "CO-ROUTINE", "LIST SUBQUERY", "SCAN CONSTANT ROW", "CORRELATED SCALAR SUBQUERY",
             "SCAN unit_codes", "SCAN field_codes")
    kept = [part.replace("USING COVERING INDEX", "covering").replace("USING INDEX", "index")
            for part in parts if not part.startswith(noise)]
    return "; ".join(dict.fromkeys(kept))


def _described(sql: str) -> str:
    """What a statement of ours counts, by what."""
    table = next(name for name in ("rating_inclusions", "handling_ratings", "dossiers", "cases",
                                   "ratings") if f"FROM {name}" in sql)
    if table == "rating_inclusions":
        return "the administrators' inclusions of unverified ratings in force"
    if "GROUP BY" in sql:
        keys = re.sub(r"\w+\.", "", sql.rsplit("GROUP BY", 1)[1].strip())
        return f"{table} by {keys}"
    if "UNION ALL" in sql:
        return f"{table} by month ({sql.count('UNION ALL') + 1} ranges)"
    return f"{table}, total"


def run_cli(url: str, period: Period) -> tuple[float, str]:
    """A real `pakn stats` process, as an administrator runs it: the median of three."""
    pakn = Path(sys.executable).with_name("pakn")
    env = {**os.environ, "PAKN_DATABASE_URL": url, "PAKN_DEFAULT_LANGUAGE": "vi"}
    times, output = [], ""
    for _ in range(3):
        started = time.perf_counter()
        output = subprocess.run([str(pakn), "stats", "--period", period.label], env=env,
                                capture_output=True, text=True, check=True).stdout
        times.append(time.perf_counter() - started)
    return statistics.median(times), output


def cli_start_up() -> float:
    """`pakn --help`: Python and our imports, no database; the median of three."""
    pakn = Path(sys.executable).with_name("pakn")
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([str(pakn), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _differences(ours: Numbers, hand: Numbers) -> list[str]:
    keys = sorted(set(ours) | set(hand), key=lambda k: (k[0], str(k[1])))
    return [f"{kind} {key}: ours {ours.get((kind, key))}, hand-written {hand.get((kind, key))}"
            for kind, key in keys if ours.get((kind, key)) != hand.get((kind, key))]


def main() -> None:
    machine = Machine()
    history = prepare()
    set_language("vi")
    spec = history.spec
    period = parse_period(str(spec.last_year))
    notes = [
        f"History: {spec.ratings:,} ratings ({spec.verified:.0%} verified), {spec.cases:,} "
        f"PAKN and {spec.dossiers:,} dossiers over {spec.years} years "
        f"({spec.first_year}–{spec.last_year}), {spec.units} units, {spec.fields} fields "
        f"(benchmarks/history.py). Timed: `pakn stats --period {period.label}` (overall, "
        f"previous year, by unit, by field, by month) in-process, through make_report and "
        f"the text table as the CLI does, the median of {RUNS} warm runs alternated with "
        f"the hand-written statement; first: the first run on a new engine; CLI process: "
        f"the real command (median of 3), of which CLI start-up is `pakn --help`.",
        "The hand-written statement is the direct one: each table grouped once by unit, "
        "field and local month (dossiers joined to their apology), rolled up four ways, "
        "with the previous year's totals; it counts the same twelve numbers for each "
        "(satisfaction of the verified and of the unverified ratings, PAKN on time, PAKN "
        "handling, dossiers on time, late dossiers apologised for in time). Ours sends "
        "more statements but avoids what is dear: on SQLite, which groups by sorting, "
        "months are counted as ranges of the time index and units × fields through a loose "
        "index scan. Both read the covering indexes of migrations 0006 and 0008.",
        *history.notes]
    summary = Table(f"pakn stats {period.label}, by unit and by field",
                    ["database", "ours", "hand-written SQL", "ours ÷ hand-written",
                     "ours first", "CLI process", "CLI start-up", "same numbers"])
    measured: dict[str, Measurement] = {}
    failures: list[str] = []
    start_up = cli_start_up()
    for dialect, url in history.urls.items():
        print(f"  {dialect}...", flush=True)
        m = asyncio.run(measure(url, history, period))
        assert m.report is not None
        measured[dialect] = m
        differences = _differences(numbers_of_report(m.report), m.numbers_hand)
        cli_seconds, cli_text = run_cli(url, period)
        # The CLI prints each overall rate that has a denominator as (numerator/denominator).
        cli_agrees = all(f"({rate.numerator}/{rate.denominator})" in cli_text
                         for rate in (m.report.overall[name] for name in RATES)
                         if rate.denominator)
        failures += [f"{dialect}: {line}" for line in differences[:10]]
        if not cli_agrees:
            failures.append(f"{dialect}: the CLI printed other numbers")
        ours, hand = statistics.median(m.ours), statistics.median(m.hand)
        summary.add(dialect, seconds(ours), seconds(hand), ratio(ours / hand),
                    seconds(m.first), seconds(cli_seconds), seconds(start_up),
                    "yes" if not differences and cli_agrees
                    else f"NO ({len(differences)} differ)")
    if len(measured) == 2:
        sqlite_report, postgres_report = (measured[d].report for d in ("sqlite", "postgresql"))
        assert sqlite_report is not None and postgres_report is not None
        same = _differences(numbers_of_report(sqlite_report),
                            numbers_of_report(postgres_report))
        notes.append(f"SQLite and PostgreSQL give the same numbers: "
                     f"{'yes' if not same else 'NO'}.")
        failures += [f"sqlite vs postgresql: {line}" for line in same[:10]]
    sqlite = measured["sqlite"]
    ours, hand = statistics.median(sqlite.ours), statistics.median(sqlite.hand)
    notes.append(
        f"Targets on SQLite: under {TARGET_SECONDS:.0f} s: "
        f"{'met' if ours < TARGET_SECONDS else 'NOT met'} ({seconds(ours)}); within "
        f"{TARGET_RATIO} × of the hand-written statement: "
        f"{'met' if ours / hand <= TARGET_RATIO else 'NOT met'} ({ratio(ours / hand)}). "
        f"CPU time of those runs, SQLite working in the process: "
        f"{seconds(statistics.median(sqlite.ours_cpu))} (the rest of the elapsed time is "
        f"waiting for a core when the machine is busy).")
    for dialect, m in measured.items():
        notes += [f"{dialect}, statement {n} of ours ({seconds(took)}): {counted}. Plan: {plan}"
                  for n, (counted, took, plan) in enumerate(m.statements, 1)]
    totals = [n for n, (counted, _, _) in enumerate(sqlite.statements, 1)
              if counted.endswith(", total")]
    half = len(totals) // 2
    order = (f"Statements {totals[0]}–{totals[half - 1]} count the year's totals, "
             f"{totals[half]}–{totals[-1]} the previous year's." if len(totals) >= 2 else
             "Statements are in the order make_report asks for counts (the year's total, "
             "the previous year's, by unit and field, by month); storage answers some from "
             "what it counted before.")
    notes.append(f"{order} PostgreSQL's plans end with the planner's estimated cost, and "
                 f"JIT where it compiles the statement (above jit_above_cost, 100,000 by "
                 f"default). {machine.describe()}; SQLite {sqlite3.sqlite_version}"
                 + (f", PostgreSQL {postgres_version(history)}" if len(measured) == 2 else "")
                 + ".")
    report("indicators", "Indicators at scale: `pakn stats` for a year", [summary], notes)
    if failures:
        sys.exit("numbers differ:\n" + "\n".join(failures))


if __name__ == "__main__":
    main()
