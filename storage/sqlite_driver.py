"""SQLite through aiosqlite with one hand-off to its thread per statement.

SQLAlchemy's aiosqlite adapter hands a statement to aiosqlite's thread three or four
times (make a cursor, execute, fetch the rows, close), each a queue put, a thread woken
and a future resolved on the event loop; py-spy put about a quarter of an update's CPU
in those hand-offs (benchmarks/RESULTS.md). This cursor does the four in one function on
that thread. Rows are fetched at once, as SQLAlchemy's own adapter does; the
server-side cursor (stream_results) is left as it was.

A connection marked `brief` (a message's transaction: a few small statements) runs its
statements on the event loop's own thread once it holds the write lock, without any
hand-off: a hand-off costs about 50 µs of CPU, the statement itself one or two. Holding
the lock (BEGIN IMMEDIATE, in WAL mode), a statement waits on no other connection; what
can wait (BEGIN IMMEDIATE on another process's lock, COMMIT's fsync and checkpoint) still
goes to the thread. Every transaction's BEGIN IMMEDIATE is first tried on the event
loop's thread without waiting, and goes to the thread only when the lock is taken."""

import collections
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

BUSY_TIMEOUT_MS = 10_000
"""How long a connection waits for another's lock before "database is locked"."""

T = TypeVar("T")
Done = tuple[Any, int, int | None]
"""What a statement left on its cursor: description, rowcount, lastrowid."""


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_done", "_size")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # No aiosqlite cursor: each statement makes and closes its own on the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._done: Done = (None, -1, None)
        self._size = 1

    @property
    def arraysize(self) -> int:
        """What fetchmany() takes without a size (DB-API: 1 unless set)."""
        return self._size

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._size = value

    @property
    def description(self) -> Any:
        return self._done[0]

    @property
    def rowcount(self) -> int:
        return self._done[1]

    @property
    def lastrowid(self) -> int:
        return self._done[2] or 0

    async def _async_soft_close(self) -> None:
        """Nothing to close: the statement's cursor was closed on the thread."""

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> None:
        def run(raw: sqlite3.Connection) -> tuple[Done, list[Any] | None]:
            cursor = raw.cursor()
            try:
                cursor.execute(operation, () if parameters is None else parameters)
                rows = cursor.fetchall() if cursor.description else None
                return (cursor.description, cursor.rowcount, cursor.lastrowid), rows
            finally:
                cursor.close()
        self._done, rows = self._on_thread(run)
        self._rows = collections.deque(rows or ())

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        def run(raw: sqlite3.Connection) -> Done:
            cursor = raw.cursor()
            try:
                cursor.executemany(operation, seq_of_parameters)
                return cursor.description, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()
        self._done = self._on_thread(run)
        self._rows.clear()

    def _on_thread(self, run: Callable[[sqlite3.Connection], T]) -> T:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        adapt: OneHopConnection = self._adapt_connection  # type: ignore[assignment]
        if adapt.brief and connection._conn.in_transaction:
            try:
                return run(connection._conn)
            except Exception as error:
                adapt._handle_exception(error)

        async def hand_over() -> T:
            async with self._adapt_connection._execute_mutex:
                # aiosqlite's queue of work for its thread, as SQLAlchemy's adapter uses it.
                done: T = await connection._execute(  # type: ignore[no-untyped-call]
                    run, connection._conn)
                return done
        try:
            return await_(hand_over())
        except Exception as error:
            self._adapt_connection._handle_exception(error)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("brief",)
    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.brief = False
        """Set for the length of a message's transaction (storage.db.Database)."""

    @property
    def raw(self) -> sqlite3.Connection | None:
        """The standard module's connection, on which a brief transaction's statements
        run (here, and straight from storage.prepared)."""
        connection: sqlite3.Connection | None = self._connection._connection
        return connection

    def begin_at_once(self) -> bool:
        """BEGIN IMMEDIATE on this thread if the write lock is free; False, and nothing
        begun, when it is not (or anything failed): the caller then waits for it on
        aiosqlite's thread."""
        raw: sqlite3.Connection | None = self._connection._connection
        if raw is None:
            return False
        try:
            raw.execute("PRAGMA busy_timeout=0")
            try:
                raw.execute("BEGIN IMMEDIATE")
                return True
            finally:
                raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except sqlite3.Error:
            return raw.in_transaction

    def rollback(self) -> None:
        # The pool's reset after each COMMIT is a ROLLBACK of nothing: the thread is
        # not woken for it.
        raw: sqlite3.Connection | None = self._connection._connection
        if raw is not None and not raw.in_transaction:
            return
        super().rollback()


class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        return OneHopConnection(self, super().connect(*arg, **kw)._connection)


def dbapi() -> OneHopDbapi:
    """The module to give create_async_engine for a sqlite+aiosqlite URL."""
    return OneHopDbapi(aiosqlite, sqlite3)
