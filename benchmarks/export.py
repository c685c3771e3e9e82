"""`pakn export` at province scale, XLSX (the workbook: summary, by unit, by field, the
cases, the ratings) and CSV (the cases): time and peak memory.

Each export runs as the real command in a fresh process, which reports its own peak
resident memory (VmHWM: unlike ru_maxrss, which Linux carries across exec from the
parent, it starts afresh in the new program), so one export's memory does not pollute
the next. Memory
must not grow with the rows: besides the last year of the history, the same exports run
over periods from its first day holding about 10,000, 100,000 and 1,000,000 ratings.
"""

import asyncio
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, text

from benchmarks.common import Machine, Table, peak_rss_mib, report
from benchmarks.figures import megabytes, seconds
from benchmarks.history import VN, History, prepare
from storage.db import Database
from storage.models import UTCDateTime
from surveys.periods import Period, parse_period

SIZES = (10_000, 100_000, 1_000_000)
FORMATS = ("xlsx", "csv")
FLAT_MB = 15
"""How much more memory the largest export of a kind may take than the smallest and still
count as not growing (allocator noise, the driver's batches)."""
_LEFT_OUT = {("postgresql", "xlsx", SIZES[-1])}
"""The largest workbook on PostgreSQL: over two minutes of openpyxl, as on SQLite."""


@dataclass(frozen=True)
class Span:
    label: str
    period: Period
    size: int | None
    """The number of ratings it was chosen to hold; None for the year."""
    ratings: int
    cases: int


@dataclass(frozen=True)
class Measured:
    rows: int
    seconds: float
    peak_mb: float
    baseline_mb: float
    file_mb: float


_MOMENTS = [bindparam(name, type_=UTCDateTime()) for name in ("start", "end")]
_COUNT_RATINGS = text("SELECT count(*) FROM ratings WHERE rated_at >= :start "
                      "AND rated_at < :end").bindparams(*_MOMENTS)
_COUNT_CASES = text("SELECT count(*) FROM cases WHERE received_at >= :start "
                    "AND received_at < :end").bindparams(*_MOMENTS)
_NTH_RATING = text("SELECT rated_at FROM ratings ORDER BY rated_at LIMIT 1 OFFSET :n"
                   ).columns(rated_at=UTCDateTime())


async def _spans(url: str, history: History) -> list[Span]:
    """The last year, and the periods from the first day to the day of the 10,000th,
    100,000th and 1,000,000th rating."""
    database = Database(url)
    try:
        async with database.reading() as session:
            async def span(label: str, period: Period, size: int | None) -> Span:
                start, end = period.bounds(VN)
                bounds = {"start": start, "end": end}
                return Span(label, period, size,
                            int(await session.scalar(_COUNT_RATINGS, bounds) or 0),
                            int(await session.scalar(_COUNT_CASES, bounds) or 0))

            year = parse_period(str(history.spec.last_year))
            spans = [await span(f"the year {year.label}", year, None)]
            first = parse_period(str(history.spec.first_year)).first
            for size in SIZES:
                nth = (await session.execute(_NTH_RATING, {"n": size - 1})).scalar_one()
                period = parse_period(f"{first}..{nth.astimezone(VN).date()}")
                spans.append(await span(f"{size:,} ratings", period, size))
            return spans
    finally:
        await database.dispose()


def export_in_a_fresh_process(url: str, span: Span, file_format: str, folder: Path
                              ) -> Measured:
    output = folder / f"export.{file_format}"
    env = {**os.environ, "PAKN_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "benchmarks.export", "--child", file_format,
                           span.period.label, str(output)], env=env, capture_output=True,
                          text=True)
    if done.returncode:
        raise RuntimeError(f"pakn export failed: {done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    size = output.stat().st_size / 2**20
    output.unlink()
    return Measured(rows=figures["rows"], seconds=figures["seconds"],
                    peak_mb=figures["peak_mb"], baseline_mb=figures["baseline_mb"],
                    file_mb=size)


def child(file_format: str, period: str, output: str) -> None:
    """In the fresh process: `pakn export`, then what it took, as one line of JSON."""
    from bot.cli import main as pakn

    def resident_mb() -> float:
        return peak_rss_mib(os.getpid())

    baseline = resident_mb()
    printed = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        code = pakn(["export", "--period", period, "--format", file_format, "-o", output])
    took = time.perf_counter() - started
    if code:
        sys.exit(code)
    # The command's last words: "Wrote FILE (N rows)." in the user's language.
    rows = int(re.findall(r"\d+", printed.getvalue())[-1])
    print(json.dumps({"seconds": took, "peak_mb": resident_mb(), "baseline_mb": baseline,
                      "rows": rows}))


def main() -> None:
    machine = Machine()
    history = prepare()
    spec = history.spec
    notes = [
        f"History: {spec.ratings:,} ratings and {spec.cases:,} PAKN over {spec.years} years "
        f"(benchmarks/history.py). Each export is one `pakn export --period P --format F` in "
        f"a fresh process. Time: the command's own, without Python's start-up; peak: the "
        f"process's maximum resident memory; baseline: the same just before the command "
        f"ran (Python, our modules, openpyxl, SQLAlchemy). XLSX rows are ratings and cases, "
        f"CSV rows cases. The periods run from the history's first day to the day holding "
        f"the 10,000th, 100,000th and 1,000,000th rating.",
        *history.notes]
    spans = asyncio.run(_spans(history.urls["sqlite"], history))
    table = Table("pakn export", ["database", "format", "period", "rows", "time", "rows/s",
                                  "peak", "baseline", "the export's own", "file"])
    flat = True
    with tempfile.TemporaryDirectory(prefix="pakn-export-") as folder:
        for dialect, url in history.urls.items():
            for file_format in FORMATS:
                measured: list[tuple[Span, Measured]] = []
                for span in spans:
                    if (dialect, file_format, span.size) in _LEFT_OUT:
                        continue
                    print(f"  {dialect} {file_format} {span.label} ({span.period.label})...",
                          end=" ", flush=True)
                    m = export_in_a_fresh_process(url, span, file_format, Path(folder))
                    print(f"{seconds(m.seconds)}, peak {megabytes(m.peak_mb)}", flush=True)
                    expected = span.cases + (span.ratings if file_format == "xlsx" else 0)
                    if m.rows != expected:
                        sys.exit(f"{dialect} {file_format} {span.label}: wrote {m.rows} rows, "
                                 f"expected {expected}")
                    measured.append((span, m))
                    table.add(dialect, file_format, span.label, f"{m.rows:,}",
                              seconds(m.seconds), f"{m.rows / m.seconds:,.0f}",
                              megabytes(m.peak_mb), megabytes(m.baseline_mb),
                              megabytes(m.peak_mb - m.baseline_mb), f"{m.file_mb:,.1f} MB")
                smallest = min(measured, key=lambda sm: sm[1].rows)[1]
                largest = max(measured, key=lambda sm: sm[1].rows)[1]
                more = largest.peak_mb - smallest.peak_mb
                flat = flat and more <= FLAT_MB
                notes.append(f"{dialect} {file_format}: {largest.rows / smallest.rows:,.0f} × "
                             f"the rows, peak {megabytes(smallest.peak_mb)} → "
                             f"{megabytes(largest.peak_mb)} ({more:+,.0f} MB).")
    notes.append(("Memory does not grow with the rows" if flat
                  else "Memory GROWS with the rows")
                 + f" (allowed: {FLAT_MB} MB more for 100 times the rows). The XLSX of "
                 "1,000,000 ratings is left out on PostgreSQL to keep the run under 8 "
                 "minutes: openpyxl's writing, the same on both databases, is most of its "
                 f"time. {machine.describe()}.")
    report("export", "Exports at scale: `pakn export`, XLSX and CSV", [table], notes)
    if not flat:
        sys.exit("export memory grows with the rows")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:5])
    else:
        main()
