"""Logging: plain lines, or JSON lines with PAKN_LOG_FORMAT=json; a request id through a
message's whole path (the request that brought it, its handling, and the delivery of the
messages it made); libraries quiet unless asked (-v).

Log calls pass ids, channels, counts and reasons, never what people wrote or who they
are: SQL parameters are hidden by the engine (storage/db.py) and httpx, which logs URLs
with the bot token in them, is kept at WARNING whatever the verbosity."""

import logging
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
LIBRARIES = ("alembic", "fontTools", "matplotlib", "PIL", "aiosqlite", "asyncio", "telegram",
             "aiohttp", "sqlalchemy", "openpyxl", "segno")
"""Loggers kept at WARNING unless -v: their INFO lines are not the operator's business."""
FLOORS = {"httpx": logging.WARNING, "httpcore": logging.WARNING,
          "aiosqlite": logging.INFO, "telegram": logging.INFO, "sqlalchemy.engine": logging.INFO}
"""Never lower, whatever the verbosity: httpx logs URLs with the bot token in them; at
DEBUG, aiosqlite logs statements with their parameters, SQLAlchemy the rows it reads and
python-telegram-bot whole updates (what people wrote)."""
FORMATS = ("text", "json")


def new_request_id() -> str:
    return secrets.token_hex(8)


def current_request_id() -> str | None:
    return REQUEST_ID.get()


@contextmanager
def request_scope(request_id: str | None = None) -> Iterator[str]:
    """Everything logged inside carries this request id (a new one by default)."""
    value = request_id or new_request_id()
    token = REQUEST_ID.set(value)
    try:
        yield value
    finally:
        REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


def formatter(json_lines: bool) -> logging.Formatter:
    if json_lines:
        from pythonjsonlogger.json import JsonFormatter
        return JsonFormatter("{asctime}{levelname}{name}{message}{request_id}", style="{",
                             rename_fields={"asctime": "time", "levelname": "level",
                                            "name": "logger"})
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: "
                             "%(message)s")


def configure(verbose: int = 0, json_lines: bool = False, service: bool = False,
              stream: TextIO | None = None) -> None:
    """Our own lines at INFO for the service (WARNING for a command, INFO with -v, DEBUG
    with -vv); the libraries' at WARNING unless -v. To standard error by default."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(formatter(json_lines))
    handler.set_name("pakn")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "pakn"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose > 1 else
                  logging.INFO if verbose or service else logging.WARNING)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.WARNING)
    for name, floor in FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, logging.NOTSET if verbose else
                                             logging.WARNING))
