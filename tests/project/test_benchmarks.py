"""`make bench` is not part of the suite (it measures, on a quiet machine): every module
it runs must still import, with the helpers it borrows from the tests."""

import importlib
import pkgutil
import time
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

import benchmarks
from benchmarks.__main__ import BENCHMARKS
from benchmarks.common import postgres_cpu_seconds
from tests.faults.waiting import eventually

MODULES = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__))


def test_every_benchmark_make_bench_names_is_a_module() -> None:
    assert set(BENCHMARKS) <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_the_benchmark_modules_import(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    if name in BENCHMARKS:
        assert callable(module.main)


async def test_postgres_cpu_counts_the_backends_that_exited(fresh_postgres: str) -> None:
    """The throughput benchmark's count of PostgreSQL's CPU keeps what a connection's
    backend spent after the connection closed (through the postmaster's children)."""
    before = postgres_cpu_seconds()
    assert before is not None, "the suite's PostgreSQL runs on this machine"
    connection = await asyncpg.connect(
        make_url(fresh_postgres).set(drivername="postgresql").render_as_string(
            hide_password=False))
    backend = await connection.fetchval("SELECT pg_backend_pid()")
    spent = time.monotonic()
    await connection.fetchval("SELECT sum(n) FROM generate_series(1, 3000000) AS n")
    spent = time.monotonic() - spent
    await connection.close()
    await eventually(lambda: not Path(f"/proc/{backend}").exists(),
                     "the backend to exit and be reaped", 10)
    after = postgres_cpu_seconds()
    assert after is not None and after - before >= 0.5 * spent, (before, after, spent)
