"""`make bench` is not part of the suite (it measures, on a quiet machine): every module
it runs must still import, with the helpers it borrows from the tests."""

import importlib
import pkgutil

import pytest

import benchmarks
from benchmarks.__main__ import BENCHMARKS

MODULES = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__))


def test_every_benchmark_make_bench_names_is_a_module() -> None:
    assert set(BENCHMARKS) <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_the_benchmark_modules_import(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    if name in BENCHMARKS:
        assert callable(module.main)
