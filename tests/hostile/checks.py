"""What must hold whatever arrives: the properties the fuzz tests check after each
request, and hypothesis settings that make a run the same on every machine."""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, settings

FUZZ = settings(
    max_examples=200, deadline=None, derandomize=True, database=None,
    # One running service serves every example: that is the point, not a mistake.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
"""Derandomized and without an example database: CI runs the same examples each time."""

# What must never reach a person: a traceback, an exception's name or repr, a module
# path, a driver's message.
_INTERNAL = re.compile(
    r"Traceback|File \"|\.py\b|Error\b|Exception\b|sqlalchemy|asyncpg|aiosqlite|psycopg|"
    r"object at 0x|\bNone\b|<[a-z_.]+ ", re.IGNORECASE)


def leaks(text: str) -> str | None:
    """The internal detail a text shows, if any."""
    found = _INTERNAL.search(text)
    return found.group(0) if found else None


class Errors(logging.Handler):
    """Log records at ERROR and above: a handler that failed, an unexpected exception."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        found = [f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}" for r in self.records]
        self.records.clear()
        return found


@contextmanager
def logged_errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
