"""The statements every message runs, compiled once and, in a message's transaction, run
straight on the driver's connection: the standard sqlite3 module's, or asyncpg's.

Through the session a statement SQLAlchemy has cached still costs about 125 µs of CPU
on SQLite and 170 to 200 on PostgreSQL (execution context, events, result metadata);
sqlite3 runs one of these in about 4 µs, asyncpg's prepared statement in about 30
(benchmarks/RESULTS.md). So the statements built once for the message path (the
sender's account, the update's record, the dialog, the outbox row) are compiled here
once per database by SQLAlchemy, with its own conversion of each parameter and column
(dates in UTC, JSON, booleans), and run on the driver when the session is a brief
transaction's (on SQLite, once it holds the write lock: storage.sqlite_driver) and has
nothing of its own to flush first. Anywhere else they go through the session.
"""

import re
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable, Insert
from sqlalchemy.types import Float, Numeric, TypeEngine

RAW = "sqlite3"
"""The session.info key of the sqlite3 connection a brief transaction may use."""
ASYNCPG = "asyncpg"
"""The session.info key of the asyncpg connection (as SQLAlchemy adapts it) a brief
PostgreSQL transaction may use."""

Processor = Callable[[Any], Any] | None


class Rows:
    """What a run statement gave back, as much of SQLAlchemy's Result as the message path
    reads: its rows, first(), scalar_one_or_none() and rowcount."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def scalar_one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise ValueError(f"at most one row expected, {len(self._rows)} found")
        return self._rows[0][0] if self._rows else None


class _Compiled:
    __slots__ = ("binds", "converted", "row", "sql")

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        if isinstance(statement, Insert) and not statement.exported_columns:
            # Else PostgreSQL's INSERT is compiled with RETURNING of its key (SQLAlchemy's
            # implicit RETURNING), rows nobody asked for.
            statement = statement.inline()
        compiled = statement.compile(dialect=dialect)
        self.sql: str = compiled.string
        if "POSTCOMPILE" in self.sql:
            raise ValueError("a statement whose SQL is finished per call (IN lists) cannot "
                             "be compiled once")
        # The columns an INSERT leaves out get their defaults, which SQLAlchemy's execution
        # computes per call: a constant is taken here; a function must be given a value.
        defaults = {}
        for column in getattr(compiled, "insert_prefetch", ()):
            if not column.default.is_scalar:
                raise ValueError(f"give {column.key} a value: its default is computed")
            defaults[column.key] = column.default.arg
        # Per parameter, in order: its name, the value written into the statement if any
        # (a literal, or a column's default), and its type's conversion.
        self.binds: list[tuple[str, Any, Processor]] = [
            (name, defaults.get(name, bind.effective_value),
             bind.type.dialect_impl(dialect).bind_processor(dialect))
            for name in compiled.positiontup or () for bind in (compiled.binds[name],)]
        columns = list(statement.exported_columns)  # a SELECT's, or what it RETURNS
        # The columns whose values their type converts, with its conversion (the dialect's
        # own form of each type, as SQLAlchemy's execution uses); the others are taken as
        # the driver gives them.
        self.converted: list[tuple[int, Callable[[Any], Any]]] = [
            (index, process) for index, column in enumerate(columns)
            if (process := column.type.dialect_impl(dialect).result_processor(
                dialect, _type_code(column.type))) is not None]
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
        make, converted = self.row._make, self.converted
        if not converted:
            return [make(raw) for raw in fetched]
        rows = []
        for raw in fetched:
            values = list(raw)
            for index, process in converted:
                values[index] = process(values[index])
            rows.append(make(values))
        return rows


def _type_code(type_: TypeEngine[Any]) -> int | None:
    """The database's code for a column's type, as a cursor describes it, where a result
    processor asks for it: asyncpg's numeric types do (PostgreSQL's type OIDs: the
    schema's Float columns are double precision, 701; a Numeric, numeric, 1700)."""
    if isinstance(type_, Float):
        return 701
    return 1700 if isinstance(type_, Numeric) else None


class Prepared:
    """A Core statement with bound parameters, compiled once per database."""

    __slots__ = ("_compiled", "returns_rows", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self.returns_rows = bool(statement.exported_columns)  # type: ignore[attr-defined]
        self._compiled: dict[str, _Compiled] = {}

    async def run(self, session: AsyncSession, values: Mapping[str, Any]) -> Rows:
        if not (session.new or session.dirty or session.deleted):
            # (else through the session, which flushes them first)
            raw: sqlite3.Connection | None = session.info.get(RAW)
            if raw is not None and raw.in_transaction:
                return self._on_sqlite3(raw, self._compiled_for(session), values)
            adapted: AsyncAdapt_asyncpg_connection | None = session.info.get(ASYNCPG)
            if adapted is not None:
                return await self._on_asyncpg(adapted, self._compiled_for(session), values)
        result = await session.execute(self.statement, dict(values))
        if self.returns_rows:
            return Rows(list(result.all()), -1)
        return Rows([], result.rowcount)  # type: ignore[attr-defined]

    def _compiled_for(self, session: AsyncSession) -> _Compiled:
        bind = session.bind
        assert bind is not None
        compiled = self._compiled.get(bind.dialect.name)
        if compiled is None:
            compiled = self._compiled[bind.dialect.name] = _Compiled(self.statement,
                                                                     bind.dialect)
        return compiled

    @staticmethod
    def _on_sqlite3(raw: sqlite3.Connection, compiled: _Compiled,
                    values: Mapping[str, Any]) -> Rows:
        parameters = compiled.parameters(values)
        try:
            cursor = raw.execute(compiled.sql, parameters)
            fetched = cursor.fetchall() if compiled.row is not None else []
        except sqlite3.Error as error:
            raise DBAPIError.instance(compiled.sql, parameters, error, sqlite3.Error,
                                      hide_parameters=True) from error
        return Rows(compiled.rows(fetched) if fetched else [], cursor.rowcount)

    @staticmethod
    async def _on_asyncpg(adapted: AsyncAdapt_asyncpg_connection, compiled: _Compiled,
                          values: Mapping[str, Any]) -> Rows:
        """As SQLAlchemy's asyncpg adapter runs a statement (its statement cache, the
        transaction begun by the first statement, its errors), without the rest."""
        parameters = compiled.parameters(values)
        try:
            try:
                async with adapted._execute_mutex:
                    if adapted._transaction is None:
                        await adapted._start_transaction()  # type: ignore[no-untyped-call]
                    statement, _ = await adapted._prepare(  # type: ignore[no-untyped-call]
                        compiled.sql, 0)
                    fetched = await statement.fetch(*parameters)
                    status = statement.get_statusmsg()
            except Exception as error:
                adapted._handle_exception(error)  # raises it as the DB-API's error
                raise
        except adapted.dbapi.Error as error:
            raise DBAPIError.instance(compiled.sql, parameters, error, adapted.dbapi.Error,
                                      hide_parameters=True) from error
        counted = _COUNTED.match(status or "")
        return Rows(compiled.rows(fetched) if fetched else [],
                    int(counted.group(1)) if counted else -1)


_COUNTED = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)")
"""The row count in PostgreSQL's command tag (as SQLAlchemy's adapter reads it)."""
