"""What the throughput and pacing benchmarks share: parameters from the environment,
helper processes, a scratch PostgreSQL database, and their report as a table on the
terminal and as Markdown in benchmarks/results/<name>.md."""

import asyncio
import contextlib
import math
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def postgres_cpu_seconds() -> float | None:
    """User and system CPU time this machine's PostgreSQL has used so far: its processes
    alive, and through the postmaster's count of the children it has waited for, those
    gone (the backends of connections closed). None when none is seen here (a server on
    another machine)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
    if not stats:
        return None
    ticks = 0
    for fields in stats.values():
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
        if int(fields[1]) not in stats:  # the postmaster: cutime, cstime
            ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


class Machine:
    """What the figures were measured on, and how busy it was meanwhile (other work on
    the same cores slows every process here)."""

    def __init__(self) -> None:
        self.began = time.monotonic()
        self.stalled = _cpu_stall()

    def describe(self) -> str:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        text = (f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; load average "
                f"at the end {load}")
        stalled = _cpu_stall()
        if stalled is not None and self.stalled is not None:
            share = (stalled - self.stalled) / 1e6 / (time.monotonic() - self.began)
            text += (f"; some task was waiting for a core {share:.0%} of the time "
                     "(Linux CPU pressure)")
        return text


def _cpu_stall() -> float | None:
    """Microseconds during which some task waited for a CPU, since boot."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return float(first.rsplit("total=", 1)[1])


class Child:
    """A helper process (`python -m MODULE ...`) that prints its URL on its first line."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.env = env
        self.url = ""
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> "Child":
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", *self.args, cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.PIPE)
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 60)
        if not line:
            raise RuntimeError(f"{' '.join(self.args)} exited before it was ready")
        self.url = line.decode().strip()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def postgres_server() -> str:
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get(
        "PAKN_TEST_POSTGRES_URL") or DEFAULT_POSTGRES


async def _admin(server: str, sql: str) -> None:
    dsn = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def postgres_reachable(server: str) -> bool:
    try:
        await _admin(server, "SELECT 1")
    except (OSError, asyncpg.PostgresError):
        return False
    return True


@contextlib.asynccontextmanager
async def scratch_postgres(server: str) -> AsyncIterator[str]:
    """A new, empty database `bench_<random>` on the server, dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    await _admin(server, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([_cell(c) for c in cells])

    def text(self) -> str:
        widths = [max(len(row[i]) for row in [self.headers, *self.rows])
                  for i in range(len(self.headers))]

        def line(cells: list[str]) -> str:
            first, *rest = cells
            return "  ".join([first.ljust(widths[0]),
                              *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))])
        rule = "  ".join("-" * w for w in widths)
        return "\n".join([self.title, line(self.headers), rule,
                          *(line(row) for row in self.rows)])

    def markdown(self) -> str:
        def line(cells: list[str]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
        align = "|" + "|".join([":---", *["---:"] * (len(self.headers) - 1)]) + "|"
        return "\n".join([f"**{self.title}**", "", line(self.headers), align,
                          *(line(row) for row in self.rows)])


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value != value:  # NaN: not measured
            return "–"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return str(value)


def report(name: str, heading: str, tables: list[Table], notes: list[str]) -> Path:
    """Print the tables and notes, and write them as Markdown to results/<name>.md."""
    print()
    for table in tables:
        print(table.text(), end="\n\n")
    for note in notes:
        print(f"- {note}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.md"
    body = [f"## {heading}", ""]
    for table in tables:
        body += [table.markdown(), ""]
    body += [f"- {note}" for note in notes]
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    print(f"\nwritten to {path.relative_to(ROOT)}", flush=True)
    return path
