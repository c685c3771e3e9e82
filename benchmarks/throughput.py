"""Throughput and latency of the Telegram webhook: the real service process (`python -m
bot serve`, by webhook) against a bare python-telegram-bot echo bot, in the same run.

Three processes per run, so they do not share the bot's CPU: the fake Bot API
(benchmarks/fake_telegram.py), the bot, and the load generator (benchmarks/loadgen.py),
whose citizens each file a whole PAKN, twelve updates, pressing the buttons the bot
offers. Runs, each with a fresh fake and, for the service, a fresh database:
- capacity, citizens answering at once: the echo bot with PTB's default transport
  (HTTPXRequest) and with ours (aiohttp), and the service with the outbox's Telegram
  pacing lifted (benchmarks/serve_unpaced.py), since the echo bot paces nothing;
- latency at a human pace, citizens taking some seconds per step: the service as shipped
  (30 messages/s overall, 1 per second per chat) and with the pacing lifted, step by
  step, so that the steps Telegram's limits hold back show apart from the service's own
  latency;
the service on SQLite and on PostgreSQL (a scratch database `bench_<random>` on
BENCH_POSTGRES_URL or PAKN_TEST_POSTGRES_URL, migrated by the service at start as
`pakn serve` does, and dropped afterwards).

The capacity runs come in BENCH_REPEATS rounds (3), each the echo bot with our transport
and then the service on each database, so that every ratio is of runs minutes apart: a
ratio is reported as the median of the rounds' (the machine's speed drifts by a third
from hour to hour, and single runs by a tenth), and the tables show each bot's median run.

Parameters: BENCH_CITIZENS (200), BENCH_ROUNDS (PAKN per citizen, 1), BENCH_REPEATS (3),
BENCH_THINK_SECONDS (10: the citizens' mean time per step in the as-shipped runs; 0 skips
them), BENCH_PHASE_CITIZENS (10: PAKN filed one update at a time for the profile by
phase, benchmarks/phases.py; 0 skips it).
"""

import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from benchmarks import phases
from benchmarks.common import (
    ROOT,
    Child,
    Machine,
    Table,
    env_float,
    env_int,
    peak_rss_mib,
    percentile,
    postgres_cpu_seconds,
    postgres_reachable,
    postgres_server,
    report,
    scratch_postgres,
)
from storage.db import Database
from storage.models import CaseRow, InboundRow
from tests.e2e.service import SECRET, TOKEN
from tests.ports import free_port

CITIZENS = env_int("BENCH_CITIZENS", 200)
ROUNDS = env_int("BENCH_ROUNDS", 1)
THINK = env_float("BENCH_THINK_SECONDS", 10.0)
PHASE_CITIZENS = env_int("BENCH_PHASE_CITIZENS", 10)
REPEATS = max(1, env_int("BENCH_REPEATS", 3))
UPDATES_PER_PAKN = 12
P99_TARGET_MS = 100.0
CAPACITY = "at once"
ECHO = "–"
"""The database of the echo bot's runs, and its key in a capacity round."""


@dataclass
class Run:
    bot: str
    database: str
    pace: str
    updates: int
    completed: int
    failed: int
    seconds: float
    latencies: list[float]
    steps: list[tuple[str, float, int]]
    """Per step: its name, its answer's latency (s), the messages the answer took."""
    rss_mib: float
    cpu: dict[str, float]
    """CPU seconds used during the run, by process: bot, fake, generator, and postgres
    (the server's processes, when it runs on this machine)."""
    sessions: "Sessions | None" = None
    stored: str = "–"

    @property
    def updates_per_s(self) -> float:
        return self.updates / self.seconds

    @property
    def pakn_per_s(self) -> float:
        return self.completed / self.seconds

    @property
    def step_latencies(self) -> list[float]:
        return [seconds for _name, seconds, _messages in self.steps]

    def ms(self, q: float, values: list[float] | None = None) -> float:
        return percentile(self.latencies if values is None else values, q) * 1000

    def cpu_ms_per_update(self, process: str) -> float:
        return self.cpu.get(process, float("nan")) / max(self.updates, 1) * 1000

    def cpu_use(self, process: str) -> float:
        """Share of one core the process used over the run, in %."""
        return self.cpu.get(process, float("nan")) / self.seconds * 100


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Sessions:
    """What the service's PostgreSQL sessions were doing, on average over the run."""

    connected: float
    running: float
    """Executing a statement (or waiting for I/O)."""
    locked: float
    """Waiting for a lock another transaction holds."""
    open: float
    """In a transaction, waiting for the service's next statement."""
    lock_query: str
    """The statement most often waiting for a lock."""


ACTIVITY = r"""
    SELECT count(*), count(*) FILTER (WHERE state = 'active' AND wait_event_type
                                      IS DISTINCT FROM 'Lock'),
           count(*) FILTER (WHERE wait_event_type = 'Lock'),
           count(*) FILTER (WHERE state LIKE 'idle in transaction%'),
           array_agg(left(regexp_replace(query, '\s+', ' ', 'g'), 50))
               FILTER (WHERE wait_event_type = 'Lock')
    FROM pg_stat_activity WHERE datname = $1"""


async def watch_sessions(server: str, database: str, until: "asyncio.Future[Any]") -> Sessions:
    """Sample pg_stat_activity every 0.1 s until `until` is done."""
    dsn = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    totals = [0, 0, 0, 0]
    waiting: Counter[str] = Counter()
    samples = 0
    try:
        while not until.done():
            row = await conn.fetchrow(ACTIVITY, database)
            assert row is not None
            totals = [total + row[i] for i, total in enumerate(totals)]
            waiting.update(row[4] or [])
            samples += 1
            await asyncio.wait([until], timeout=0.1)
    finally:
        await conn.close()
    connected, running, locked, open_ = (total / max(samples, 1) for total in totals)
    top = waiting.most_common(1)[0][0] if waiting else "–"
    return Sessions(connected, running, locked, open_, top)


async def generate(fake: str, webhook: str, flow: str, think: float) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.loadgen", "--webhook", webhook, "--secret", SECRET,
        "--fake", fake, "--token", TOKEN, "--flow", flow, "--citizens", str(CITIZENS),
        "--rounds", str(ROUNDS), "--think", str(think), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed ({process.returncode})")
    result: dict[str, Any] = json.loads(out)
    for error in result["errors"][:3]:
        print(f"    a citizen failed: {error}", flush=True)
    return result


async def measure(bot: str, database: str, pid: int, fake: Child, webhook: str, flow: str,
                  think: float = 0.0, postgres: tuple[str, str] | None = None) -> Run:
    """One load test of a running bot; `postgres`: (server, database) to watch."""
    pace = f"think {think:g} s" if think else CAPACITY
    print(f"  {bot}, {database}, {CITIZENS} citizens answering {pace} ...", flush=True)
    assert fake.process is not None
    before = {"bot": cpu_seconds(pid), "fake": cpu_seconds(fake.process.pid),
              "postgres": postgres_cpu_seconds() if postgres else None}
    load = asyncio.ensure_future(generate(fake.url, webhook, flow, think))
    sessions = await watch_sessions(*postgres, load) if postgres else None
    result = await load
    cpu = {"bot": cpu_seconds(pid) - before["bot"],
           "fake": cpu_seconds(fake.process.pid) - before["fake"],
           "generator": result["cpu_seconds"]}
    if before["postgres"] is not None and (after := postgres_cpu_seconds()) is not None:
        cpu["postgres"] = after - before["postgres"]
    run = Run(bot, database, pace, result["updates"], result["completed"], result["failed"],
              result["seconds"], result["latencies"],
              [tuple(step) for step in result["steps"]], peak_rss_mib(pid), cpu, sessions)
    print(f"    {run.updates_per_s:.0f} updates/s, p50 {run.ms(50):.0f} ms, "
          f"p99 {run.ms(99):.0f} ms", flush=True)
    return run


async def echo_run(transport: str) -> Run:
    async with Child("benchmarks.fake_telegram", TOKEN) as fake, \
            Child("benchmarks.echo_bot", "--token", TOKEN, "--api", fake.url, "--secret",
                  SECRET, "--transport", transport) as echo:
        assert echo.process is not None
        return await measure(f"PTB echo bot, {transport} transport", ECHO, echo.process.pid,
                             fake, f"{echo.url}/webhook/telegram", "echo")


class Service:
    """The service process, as `make run` starts it, by webhook against the fake."""

    def __init__(self, module: str, database_url: str, fake_url: str, workdir: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.fake_url = fake_url
        self.args = ["-m", module] + (["serve"] if module == "bot" else [])
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PAKN_")}
        self.env.update(PAKN_DATABASE_URL=database_url, PAKN_HOST="127.0.0.1",
                        PAKN_PORT=str(port), PAKN_TELEGRAM_TOKEN=TOKEN,
                        PAKN_TELEGRAM_API_URL=fake_url, PAKN_TELEGRAM_WEBHOOK_SECRET=SECRET,
                        PAKN_PUBLIC_URL=self.url, PYTHONPATH=str(ROOT),
                        # The generator posts every citizen's update from one address,
                        # as the echo bot (which caps nothing) gets them: the per-client
                        # connection cap would answer 429 past 100.
                        PAKN_MAX_CONNECTIONS_PER_CLIENT=str(max(100, 2 * CITIZENS)))
        self.workdir = workdir
        self.log = workdir / "service.log"

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[int]:
        with self.log.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, *self.args, cwd=self.workdir, env=self.env, stdout=log,
                stderr=asyncio.subprocess.STDOUT)
            try:
                await self._ready(process)
                yield process.pid
            finally:
                if process.returncode is None:
                    process.terminate()
                    await asyncio.wait_for(process.wait(), 60)

    async def _ready(self, process: asyncio.subprocess.Process) -> None:
        """Serving, and its webhook registered with the fake."""
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                if process.returncode is not None:
                    raise RuntimeError("the service exited:\n" + self.log.read_text()[-3000:])
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.fake_url}/_stats") as stats:
                        if (await stats.json())["methods"].get("setWebhook"):
                            return
                await asyncio.sleep(0.1)
        raise RuntimeError("the service did not start:\n" + self.log.read_text()[-3000:])


async def stored(database_url: str) -> str:
    """What the database holds after the run: every update and every PAKN committed."""
    database = Database(database_url)
    try:
        async with database.reading() as session:
            inbound = (await session.execute(select(func.count()).select_from(InboundRow))
                       ).scalar_one()
            cases = (await session.execute(select(func.count()).select_from(CaseRow))
                     ).scalar_one()
    finally:
        await database.dispose()
    return f"{inbound:,} updates, {cases:,} PAKN"


async def service_run(paced: bool, database: str, server: str | None = None,
                      think: float = 0.0) -> Run:
    """One run on a fresh database: a SQLite file, or a scratch database on `server`."""
    module = "bot" if paced else "benchmarks.serve_unpaced"
    bot = "PAKN service, as shipped" if paced else "PAKN service, pacing lifted"
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        async with contextlib.AsyncExitStack() as stack:
            postgres = None
            if server is None:
                url = f"sqlite+aiosqlite:///{workdir}/pakn.db"
            else:
                url = await stack.enter_async_context(scratch_postgres(server))
                postgres = (server, str(make_url(url).database))
            fake = await stack.enter_async_context(Child("benchmarks.fake_telegram", TOKEN))
            service = Service(module, url, fake.url, Path(workdir))
            async with service.running() as pid:
                run = await measure(bot, database, pid, fake, f"{service.url}/webhook/telegram",
                                    "pakn", think, postgres)
            run.stored = await stored(url)
    return run


async def phase_table(databases: list[tuple[str, str | None]]) -> Table:
    """The profile: where one update's time goes, phase by phase (benchmarks/phases.py)."""
    table = Table(f"Where an update's time goes: {PHASE_CITIZENS} PAKN one update at a "
                  "time, in-process, pacing off (ms per update, CPU / wall)",
                  ["phase", *(name for name, _where in databases)])
    columns = []
    for name, server in databases:
        print(f"  phases, {name}, {PHASE_CITIZENS} citizens one at a time ...", flush=True)
        async with contextlib.AsyncExitStack() as stack:
            url = None if server is None else await stack.enter_async_context(
                scratch_postgres(server))
            columns.append(await phases.measure(url, PHASE_CITIZENS))
    for phase in [*phases.PHASES, "all"]:
        cells = []
        for count, clocks in columns:
            cpu = sum(clocks.cpu.values()) if phase == "all" else clocks.cpu[phase]
            wall = sum(clocks.wall.values()) if phase == "all" else clocks.wall[phase]
            cells.append(f"{cpu / count * 1000:.2f} / {wall / count * 1000:.2f}")
        table.add(phase, *cells)
    table.add("SQL statements per update, in the update's transaction",
              *(f"{clocks.statements[phases.TRANSACTION] / count:.2f}"
                for count, clocks in columns))
    return table


@dataclass
class Capacity:
    """The capacity rounds: in each, the echo bot with our transport, then the service on
    each database (pacing lifted), keyed by database (ECHO for the echo bot)."""

    rounds: list[dict[str, Run]]

    def ratios(self, database: str) -> list[float]:
        return [one[database].updates_per_s / one[ECHO].updates_per_s for one in self.rounds]

    def ratio(self, database: str) -> float:
        return statistics.median(self.ratios(database))

    def p99_ratio(self, database: str) -> float:
        """The median of the rounds' p99 over the echo bot's p99."""
        return statistics.median(one[database].ms(99) / one[ECHO].ms(99) for one in self.rounds)

    def median(self, database: str) -> Run:
        """The bot's run of median throughput, the one the tables show."""
        runs = sorted((one[database] for one in self.rounds), key=lambda run: run.updates_per_s)
        return runs[(len(runs) - 1) // 2]

    def table(self) -> Table:
        databases = [name for name in self.rounds[0] if name != ECHO]
        table = Table("The capacity runs, round by round: the echo bot (aiohttp transport), "
                      "then the service on each database, minutes apart (updates/s, and "
                      "the service's / the echo bot's of the same round)",
                      ["round", "echo bot", *(f"{name}{part}" for name in databases
                                              for part in ("", " / echo bot"))])
        for number, one in enumerate(self.rounds, start=1):
            echo = one[ECHO].updates_per_s
            table.add(number, echo, *(figure for name in databases for figure in (
                one[name].updates_per_s, one[name].updates_per_s / echo)))
        table.add("median", statistics.median(one[ECHO].updates_per_s for one in self.rounds),
                  *(figure for name in databases for figure in (
                      statistics.median(one[name].updates_per_s for one in self.rounds),
                      self.ratio(name))))
        return table


def tables(runs: list[Run], capacity: Capacity) -> list[Table]:
    """`runs`: those shown, the median capacity runs among them."""
    figures = Table(
        f"{CITIZENS} citizens at once, each filing {ROUNDS} whole PAKN ({UPDATES_PER_PAKN} "
        "updates; the echo bot gets the same kinds of update)",
        ["bot", "database", "citizens answer", "updates/s", "PAKN/s", "p50 ms", "p99 ms",
         "p99 answer ms", "peak RSS MiB", "failed", "stored after the run"])
    cpu = Table("CPU: the bot's per update (ms), each process's use (% of one core), and "
                "all of theirs per update (ms)",
                ["bot", "database", "citizens answer", "bot ms/update", "bot %",
                 "fake API %", "generator %", "PostgreSQL %", "all ms/update"])
    sessions = Table("The service's PostgreSQL sessions, on average over the run",
                     ["bot", "citizens answer", "connected", "running a statement",
                      "waiting for a lock", "open, waiting for the service",
                      "mostly waiting for a lock"])
    for run in runs:
        echo = run.database == ECHO
        figures.add(run.bot, run.database, run.pace, run.updates_per_s,
                    "–" if echo else run.pakn_per_s, run.ms(50), run.ms(99),
                    run.ms(99, run.step_latencies), run.rss_mib, run.failed, run.stored)
        cpu.add(run.bot, run.database, run.pace, run.cpu_ms_per_update("bot"),
                run.cpu_use("bot"), run.cpu_use("fake"), run.cpu_use("generator"),
                run.cpu_use("postgres") if "postgres" in run.cpu else "–",
                sum(run.cpu.values()) / max(run.updates, 1) * 1000)
        if run.sessions is not None:
            s = run.sessions
            sessions.add(run.bot, run.pace, s.connected, s.running, s.locked, s.open,
                         s.lock_query)
    echo_aiohttp = capacity.median(ECHO)
    echo_httpx = next(run for run in runs if run.bot == "PTB echo bot, httpx transport")
    ratios = Table("Ratios and targets, measured in the same run (at once, against the "
                   "echo bot with our transport: the median of the rounds' ratios, their "
                   "range in brackets)",
                   ["bot", "database", "citizens answer", "ours / echo (aiohttp)",
                    "ours / echo (httpx)", "throughput ≥ 0.5 × echo (aiohttp)",
                    "p99 / echo (aiohttp)'s p99", "p99 ≤ 2 × echo (aiohttp)'s",
                    f"p99 < {P99_TARGET_MS:.0f} ms"])
    for run in runs:
        p99 = "met" if run.ms(99) < P99_TARGET_MS else "missed"
        if run.database == ECHO:
            ratios.add(run.bot, ECHO, run.pace, "", "", "", "", "", p99)
        elif run.pace == CAPACITY:
            ratio, each = capacity.ratio(run.database), capacity.ratios(run.database)
            slower = capacity.p99_ratio(run.database)
            ratios.add(run.bot, run.database, run.pace,
                       f"{ratio:.2f} ({min(each):.2f}–{max(each):.2f})",
                       run.updates_per_s / echo_httpx.updates_per_s,
                       "met" if ratio >= 0.5 else "missed", slower,
                       "met" if slower <= 2 else "missed", p99)
        else:
            ratios.add(run.bot, run.database, run.pace, "", "", "", "", "", p99)
    ratios.add("echo bot: aiohttp / httpx transport", ECHO, CAPACITY,
               echo_aiohttp.updates_per_s / echo_httpx.updates_per_s, "", "", "", "", "")
    return [figures, cpu, capacity.table(), ratios] + ([sessions] if sessions.rows else [])


def step_tables(runs: list[Run]) -> list[Table]:
    """At a human pace, each step's answer as shipped beside the pacing lifted: where
    they part, Telegram's limits (kept by the outbox) held the answer back, not the
    service. One table per database."""
    shown = []
    for database in dict.fromkeys(run.database for run in runs if run.database != ECHO):
        human = {run.bot: run for run in runs
                 if run.database == database and run.pace != CAPACITY}
        shipped = human.get("PAKN service, as shipped")
        lifted = human.get("PAKN service, pacing lifted")
        if shipped is None or lifted is None:
            continue
        table = Table(f"At a human pace ({shipped.pace}), step by step, {database}: the "
                      "answer's latency as shipped and with the pacing lifted (ms)",
                      ["step", "messages in the answer", "as shipped p50", "as shipped p99",
                       "pacing lifted p50", "pacing lifted p99",
                       f"pacing lifted p99 < {P99_TARGET_MS:.0f} ms"])
        names = dict.fromkeys(name for name, _s, _n in shipped.steps)
        for name in names:
            mine = [seconds for step, seconds, _n in shipped.steps if step == name]
            theirs = [seconds for step, seconds, _n in lifted.steps if step == name]
            counts = sorted({n for step, _s, n in shipped.steps if step == name})
            messages = str(counts[0]) if counts[0] == counts[-1] \
                else f"{counts[0]}–{counts[-1]}"
            p99 = percentile(theirs, 99) * 1000
            table.add(name, messages, percentile(mine, 50) * 1000, percentile(mine, 99) * 1000,
                      percentile(theirs, 50) * 1000, p99,
                      "met" if p99 < P99_TARGET_MS else "missed")
        every = lifted.step_latencies
        table.add("every step", "–", shipped.ms(50, shipped.step_latencies),
                  shipped.ms(99, shipped.step_latencies), lifted.ms(50, every),
                  lifted.ms(99, every),
                  "met" if lifted.ms(99, every) < P99_TARGET_MS else "missed")
        shown.append(table)
    return shown


NOTES = [
    "Latency: from just before the webhook POST to the first message to that chat arriving "
    "at the fake Bot API; 'answer': to the message the citizen's next step needs (the last "
    "of a two-message answer). Throughput: over the whole run, first POST to last answer.",
    "The service answers the webhook only after the update's transaction commits (SQLite: "
    "WAL, synchronous=FULL); 'stored' counts the rows in the database afterwards.",
    "'at once': each citizen posts the next update as soon as the answer arrives, so the "
    "figures are capacity, and by Little's law the mean latency ≈ citizens / throughput: "
    "a p99 under 100 ms with 200 such citizens would take over 2,000 updates/s, more than "
    "the bare echo bot does. 'think': citizens take 0.5–1.5 × that many seconds per step, "
    "as people do.",
    "'pacing lifted' (benchmarks/serve_unpaced.py) is the service with the outbox's "
    "Telegram limits set as far as the settings go (no pacing per chat, 1,000 messages/s "
    "overall), to compare processing with the echo bot, which paces nothing. 'as shipped' "
    "keeps 29 messages/s overall and 1 per second per chat (after a burst of 3): answering "
    "at once it could not exceed about 28 updates/s.",
    "Phases: one update at a time; the messages an update owes are leased as they are "
    "put and handed to the outbox as it commits, so no claim is needed for them.",
    "CPU 'all': the bot's, the fake Bot API's, the load generator's and, for PostgreSQL, "
    "the database server's (its processes on this machine, those that exited included) "
    "per update. On N cores the machine cannot pass N × 1,000 / 'all' updates per second "
    "however the processes share them, nor the bot 1,000 / its own ms per update on its "
    "one event loop.",
]


async def run_all() -> None:
    machine = Machine()
    server: str | None = postgres_server()
    notes = list(NOTES)
    if server is None or not await postgres_reachable(server):
        notes.append("PostgreSQL: not reachable (BENCH_POSTGRES_URL), so not measured.")
        server = None
    databases: list[tuple[str, str | None]] = [("SQLite", None)]
    if server is not None:
        databases.append(("PostgreSQL", server))
    runs = [await echo_run("httpx")]
    rounds = []
    for _ in range(REPEATS):
        one = {ECHO: await echo_run("aiohttp")}
        for name, where in databases:
            one[name] = await service_run(False, name, where)
        rounds.append(one)
    capacity = Capacity(rounds)
    runs += [capacity.median(ECHO), *(capacity.median(name) for name, _where in databases)]
    if THINK:
        for name, where in databases:
            runs.append(await service_run(True, name, where, think=THINK))
            runs.append(await service_run(False, name, where, think=THINK))
    shown = [*tables(runs, capacity), *step_tables(runs)]
    if PHASE_CITIZENS:
        shown.append(await phase_table(databases))
    notes.append(f"Machine: {machine.describe()}; bot, fake Bot API, load generator (and "
                 "PostgreSQL) are separate processes sharing these cores.")
    report("throughput", "Throughput and latency over the Telegram webhook", shown, notes)


def main() -> None:
    asyncio.run(run_all())


if __name__ == "__main__":
    main()
