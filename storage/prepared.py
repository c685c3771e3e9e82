"""The statements every message runs, compiled once and, in a message's SQLite
transaction, run straight on the standard sqlite3 connection.

Through the session a statement SQLAlchemy has cached still costs about 125 µs of CPU
(execution context, events, result metadata); sqlite3 runs one of these in about 4 µs
(benchmarks/RESULTS.md). So the statements built once for the message path (the sender's
account, the update's record, the dialog, the outbox row) are compiled here once per
database by SQLAlchemy, with its own conversion of each parameter and column (dates in
UTC, JSON, booleans), and run on sqlite3 when the session is a brief transaction's that
holds the write lock (storage.sqlite_driver) and has nothing of its own to flush first.
Anywhere else (PostgreSQL, other transactions) they go through the session as before.
"""

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable

RAW = "sqlite3"
"""The session.info key of the sqlite3 connection a brief transaction may use."""

Processor = Callable[[Any], Any] | None


class Rows:
    """What a run statement gave back, as much of SQLAlchemy's Result as the message path
    reads: first(), one(), scalar_one_or_none() and rowcount."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise ValueError(f"one row expected, {len(self._rows)} found")
        return self._rows[0]

    def scalar_one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise ValueError(f"at most one row expected, {len(self._rows)} found")
        return self._rows[0][0] if self._rows else None


class _Compiled:
    __slots__ = ("binds", "columns", "row", "sql")

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql: str = compiled.string
        if "POSTCOMPILE" in self.sql:
            raise ValueError("a statement whose SQL is finished per call (IN lists) cannot "
                             "be compiled once")
        # Per parameter, in order: its name, the value written into the statement if any
        # (a literal), and its type's conversion.
        self.binds: list[tuple[str, Any, Processor]] = [
            (name, bind.effective_value, bind.type.dialect_impl(dialect).bind_processor(dialect))
            for name in compiled.positiontup or () for bind in (compiled.binds[name],)]
        columns = list(statement.exported_columns)  # a SELECT's, or what it RETURNS
        # (the dialect's own form of each type, as SQLAlchemy's execution uses)
        self.columns: list[Processor] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in columns]
        self.row: Any = namedtuple("Row", [column.key for column in columns],
                                   rename=True) if columns else None

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        # Every value through its type's processor, None too, as SQLAlchemy does (JSON
        # writes None as null).
        out = []
        for name, given, process in self.binds:
            value = values.get(name, given)
            out.append(value if process is None else process(value))
        return out

    def rows(self, fetched: list[Any]) -> list[Any]:
        make, processors = self.row._make, self.columns
        return [make([value if process is None else process(value)
                      for process, value in zip(processors, raw, strict=True)])
                for raw in fetched]


class Prepared:
    """A Core statement with bound parameters, compiled once per database."""

    __slots__ = ("_compiled", "returns_rows", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self.returns_rows = bool(statement.exported_columns)  # type: ignore[attr-defined]
        self._compiled: dict[str, _Compiled] = {}

    async def run(self, session: AsyncSession, values: Mapping[str, Any]) -> Rows:
        raw: sqlite3.Connection | None = session.info.get(RAW)
        if raw is None or not raw.in_transaction or session.new or session.dirty or \
                session.deleted:  # (through the session, which flushes them first)
            result = await session.execute(self.statement, dict(values))
            if self.returns_rows:
                return Rows(list(result.all()), -1)
            return Rows([], result.rowcount)  # type: ignore[attr-defined]
        compiled = self._compiled.get("sqlite")
        if compiled is None:
            bind = session.bind
            assert bind is not None
            compiled = self._compiled["sqlite"] = _Compiled(self.statement, bind.dialect)
        parameters = compiled.parameters(values)
        try:
            cursor = raw.execute(compiled.sql, parameters)
            fetched = cursor.fetchall() if compiled.row is not None else []
        except sqlite3.Error as error:
            raise DBAPIError.instance(compiled.sql, parameters, error, sqlite3.Error,
                                      hide_parameters=True) from error
        return Rows(compiled.rows(fetched) if fetched else [], cursor.rowcount)

