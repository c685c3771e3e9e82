"""`pakn --help` and every command's `--help`: wall time of the whole process, as the
operator waits for it, beside `python -c pass` (the interpreter starting and stopping)
measured in the same run. The target: under 0.3 s on this kind of machine. The
deterministic check that help loads none of the application (no SQLAlchemy, aiohttp,
python-telegram-bot, matplotlib, Babel...) is tests/project/test_cli_ops.py.

BENCH_CLI_ROUNDS (7) runs of each; the median and the best are reported."""

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT, Machine, Table, env_int, report
from bot.cli import every_command

ROUNDS = env_int("BENCH_CLI_ROUNDS", 7)
TARGET = 0.3
PAKN = Path(sys.executable).parent / "pakn"


def seconds(argv: list[str]) -> tuple[list[float], list[float]]:
    """Wall time and CPU time (user and system) of each run: on a busy machine the wall
    time is mostly waiting for a core, the CPU time is what the command costs."""
    walls, cpus = [], []
    for _ in range(ROUNDS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main() -> None:
    machine = Machine()
    walls, cpus = seconds([sys.executable, "-c", "pass"])
    base, base_cpu = statistics.median(walls), statistics.median(cpus)
    table = Table(f"Help of each command, {ROUNDS} runs each", [
        "command", "wall median ms", "wall best ms", "wall ÷ python -c pass",
        "CPU median ms", "CPU ÷ python -c pass", "best under 0.3 s"])
    table.add("python -c pass", base * 1000, min(walls) * 1000, 1.0, base_cpu * 1000, 1.0,
              "–")
    worst = worst_cpu = 0.0
    for words in every_command():
        walls, cpus = seconds([str(PAKN), *words, "--help"])
        median, cpu = statistics.median(walls), statistics.median(cpus)
        worst, worst_cpu = max(worst, median), max(worst_cpu, cpu)
        table.add(" ".join(["pakn", *words, "--help"]), median * 1000, min(walls) * 1000,
                  median / base, cpu * 1000, cpu / base_cpu,
                  "yes" if min(walls) < TARGET else "no")
    report("cli", "The command line: help", [table], [
        f"Slowest wall median: {worst * 1000:.0f} ms ({worst / base:.1f} × python -c pass); "
        f"slowest CPU median: {worst_cpu * 1000:.0f} ms ({worst_cpu / base_cpu:.1f} ×).",
        "Before this work `pakn --help` imported the whole application, charts included: "
        "2.5 to 3 s.",
        f"Machine: {machine.describe()}.",
    ])


if __name__ == "__main__":
    main()
