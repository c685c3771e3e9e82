"""Throughput with 1, 2 and 4 worker processes on one port (`pakn serve --workers N`) on
PostgreSQL: the capacity run of benchmarks/throughput.py (citizens each filing a whole
PAKN over the Telegram webhook, answering at once, the outbox's pacing lifted) against
a fresh database each time.

Parameters: BENCH_WORKERS (1,2,4), BENCH_CITIZENS (200), BENCH_ROUNDS (1); PostgreSQL
at BENCH_POSTGRES_URL or PAKN_TEST_POSTGRES_URL.
"""

import asyncio
import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks.common import (
    Child,
    Machine,
    Table,
    percentile,
    postgres_reachable,
    postgres_server,
    report,
    scratch_postgres,
)
from benchmarks.throughput import CITIZENS, ROUNDS, UPDATES_PER_PAKN, Service, generate, stored
from benchmarks.throughput import watch_sessions as sessions_of
from tests.e2e.service import TOKEN

WORKERS = tuple(int(n) for n in os.environ.get("BENCH_WORKERS", "1,2,4").split(","))


@dataclass
class Result:
    workers: int
    updates: int
    failed: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float
    connected: float
    stored: str

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


def family(pid: int) -> list[int]:
    """The process and its children (the pool's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, children)]


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def run_with(workers: int, server: str) -> Result:
    print(f"  {workers} worker(s), {CITIZENS} citizens at once ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        async with contextlib.AsyncExitStack() as stack:
            url = await stack.enter_async_context(scratch_postgres(server))
            fake = await stack.enter_async_context(Child("benchmarks.fake_telegram", TOKEN))
            service = Service("benchmarks.serve_unpaced", url, fake.url, Path(workdir))
            service.args = ["-m", "benchmarks.serve_unpaced", "serve", "--workers",
                            str(workers)]
            # One address stands for all the citizens here, as a proxy would: its
            # connections are not capped (the cap is per worker, and would differ).
            service.env["PAKN_MAX_CONNECTIONS_PER_CLIENT"] = "100000"
            async with service.running() as pid:
                pids = family(pid)
                before = cpu_seconds(pids)
                load = asyncio.ensure_future(generate(
                    fake.url, f"{service.url}/webhook/telegram", "pakn", 0.0))
                watched = await sessions_of(server, str(make_url(url).database), load)
                result = await load
                cpu = cpu_seconds(pids) - before
            done = Result(workers, result["updates"], result["failed"], result["seconds"],
                          result["latencies"], cpu, watched.connected, await stored(url))
    print(f"    {done.updates / done.seconds:.0f} updates/s, p50 {done.ms(50):.0f} ms, "
          f"p99 {done.ms(99):.0f} ms", flush=True)
    return done


async def run_all() -> None:
    machine = Machine()
    server = postgres_server()
    if not await postgres_reachable(server):
        raise SystemExit("workers: PostgreSQL is not reachable (BENCH_POSTGRES_URL)")
    results = [await run_with(workers, server) for workers in WORKERS]
    table = Table(
        f"{CITIZENS} citizens at once, each filing {ROUNDS} whole PAKN ({UPDATES_PER_PAKN} "
        "updates), pacing lifted, PostgreSQL",
        ["workers", "updates/s", "PAKN/s", "× 1 worker", "p50 ms", "p99 ms",
         "service CPU ms/update", "service CPU % of one core", "database sessions",
         "failed", "stored after the run"])
    one = results[0].updates / results[0].seconds
    for r in results:
        rate = r.updates / r.seconds
        table.add(str(r.workers), rate, r.updates / UPDATES_PER_PAKN / r.seconds, rate / one,
                  r.ms(50), r.ms(99), r.cpu_seconds / max(r.updates, 1) * 1000,
                  r.cpu_seconds / r.seconds * 100, r.connected, r.failed, r.stored)
    notes = [
        "Each worker is a whole service process (`pakn serve --worker I` under a parent "
        "that only watches them) binding the port with SO_REUSEPORT; the load generator's "
        "connections are spread among them by the kernel.",
        f"Machine: {machine.describe()}. The workers, PostgreSQL, the fake Bot API and the "
        "load generator all share these cores, so more workers than free cores cannot "
        "add throughput here; the figures show the cost of the coordination (leases, "
        "notices, locks) more than the gain a machine with more cores would see.",
    ]
    report("workers", "Throughput with 1, 2 and 4 workers on PostgreSQL", [table], notes)


def main() -> None:
    asyncio.run(run_all())


if __name__ == "__main__":
    main()
