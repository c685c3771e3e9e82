"""The exports people download (the dashboard's XLSX and CSV, the chat's /xuat) over a
year of data: peak memory of the way they were built before (the whole file in memory,
then copied out of it) against the way they are now (rows to a temporary file or
straight to the response, a chunk at a time).

Each way runs in a fresh process on the same year (a generated province: about 400,000
ratings, 80,000 PAKN, 100,000 dossiers), which reports its own peak resident memory
(VmHWM) and its memory before it began."""

import asyncio
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

from benchmarks.common import Machine, Table, peak_rss_mib, report
from benchmarks.history import VN, Spec, prepare

SPEC = Spec(ratings=400_000, cases=80_000, dossiers=100_000, first_year=2025, years=1)
WAYS = ("before", "now")
FORMATS = ("xlsx", "csv")


def measure(url: str, way: str, file_format: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.downloads", "--child", url,
                           way, file_format], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def child(url: str, way: str, file_format: str) -> None:
    from bot.present.exports import CHUNK, cases_csv, write_cases_csv, write_xlsx
    from bot.present.i18n import use_locale
    from bot.present.reports import make_report
    from storage.db import Database
    from storage.uow import Store
    from surveys.periods import parse_period
    from surveys.report import Scope

    baseline = peak_rss_mib(os.getpid())
    period = parse_period(str(SPEC.last_year))
    start, end = period.bounds(VN)
    now = datetime(SPEC.last_year + 1, 1, 15, 2, tzinfo=UTC)

    async def run() -> int:
        store = Store(Database(url))
        sent = 0
        async with store.unit_of_work() as uow:
            directory = await uow.directory.load()
            report = await make_report(uow.indicators, directory, period, Scope(), now, VN)
        async with store.export_rows() as rows:
            if file_format == "xlsx" and way == "before":
                workbook = io.BytesIO()
                await write_xlsx(workbook, report, rows, directory, "vi", VN, now)
                sent = len(workbook.getvalue())
            elif file_format == "xlsx":
                with tempfile.TemporaryFile() as file:
                    await write_xlsx(file, report, rows, directory, "vi", VN, now)
                    file.seek(0)
                    while chunk := file.read(CHUNK):
                        sent += len(chunk)
            elif way == "before":
                table = io.StringIO()
                await write_cases_csv(table, rows.cases(start, end), directory, "vi", VN)
                sent = len(table.getvalue().encode("utf-8"))
            else:
                async for text in cases_csv(rows.cases(start, end), directory, "vi", VN):
                    sent += len(text.encode("utf-8"))
        await store.database.dispose()
        return sent

    started = time.perf_counter()
    with use_locale("vi"):
        size = asyncio.run(run())
    print(json.dumps({"seconds": time.perf_counter() - started, "baseline_mb": baseline,
                      "peak_mb": peak_rss_mib(os.getpid()), "file_mb": size / 2**20}))


def main() -> None:
    machine = Machine()
    history = prepare(SPEC)
    table = Table("Downloads of a year: the whole file in memory (before) and streamed (now)",
                  ["database", "format", "way", "time", "peak", "baseline", "the export's own",
                   "file"])
    for backend, url in history.urls.items():
        for file_format in FORMATS:
            for way in WAYS:
                found = measure(url, way, file_format)
                table.add(backend, file_format, way, f"{found['seconds']:.1f} s",
                          f"{found['peak_mb']:.0f} MB", f"{found['baseline_mb']:.0f} MB",
                          f"{found['peak_mb'] - found['baseline_mb']:.0f} MB",
                          f"{found['file_mb']:.1f} MB")
    notes = [f"The year {SPEC.last_year} of a generated province ({SPEC.ratings:,} ratings, "
             f"{SPEC.cases:,} PAKN, {SPEC.dossiers:,} dossiers; benchmarks/history.py). "
             "before: the workbook saved into memory and copied out (as the dashboard and "
             "/xuat did), the CSV built in a string; now: the workbook written to a "
             "temporary file and read back a chunk at a time (as the dashboard sends it), "
             "the CSV's chunks encoded as they come (as the dashboard streams it).",
             *history.notes, machine.describe()]
    report("downloads", "Exports downloaded: memory before and after streaming", [table],
           notes)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:5])
    else:
        main()
