"""Engine and session set-up for SQLite (default) and PostgreSQL."""

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from bot.core.errors import PoolExhausted, SharedRollback, StorageError
from storage import sqlite_driver
from storage.prepared import ASYNCPG, RAW

log = logging.getLogger(__name__)
SCRUB = "scrub"


def scrub_after_commit(session: AsyncSession) -> None:
    """Ask for the database file to be scrubbed once this transaction commits: what it
    erased must not stay in the file's free space or in the write-ahead log."""
    session.info[SCRUB] = True


OVERFLOW = 3
"""Under load a pool opens up to this many times its size, and keeps them."""
GROUP_MAX = 32
"""The most brief transactions one COMMIT takes (group commit): the first of a group
waits for the others' steps, about 2 ms each under load, before its answer."""
POSTGRES_LANES = 2
"""PostgreSQL: how many shared transactions are open at once, each on a connection of
its own, so that while one lane's step waits for the server another's runs
(benchmarks/RESULTS.md: more lanes made smaller groups, so more COMMITs)."""
_UNDONE = ("40001", "40P01")
"""PostgreSQL's serialization failure and deadlock detected."""


def undone_by_server(exc: DBAPIError) -> bool:
    """The server undid the transaction for another's sake: taken again, it may pass.
    Shared transactions wait on each other's row locks until one commits, and so may
    deadlock, which PostgreSQL breaks after `deadlock_timeout` by failing one."""
    return getattr(exc.orig, "sqlstate", None) in _UNDONE


class _Group:
    """A transaction open in a lane, which the brief transactions that take the lane
    share until it is committed, once for them all (group commit)."""

    __slots__ = ("connection", "done", "driver", "members", "scrub", "session")

    def __init__(self, connection: AsyncConnection,
                 driver: sqlite_driver.OneHopConnection | None, session: AsyncSession) -> None:
        self.connection = connection
        self.driver = driver
        """SQLite's connection, which runs brief statements on the event loop's thread."""
        self.session = session
        """The members' session, one after the other: one each cost about 75 µs of CPU
        a step to make, begin and close (benchmarks/RESULTS.md)."""
        self.members = 0
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Resolved once the group is committed; its error when it is not."""
        self.done.add_done_callback(_retrieved)
        self.scrub = False


def _retrieved(done: asyncio.Future[None]) -> None:
    """A group's outcome may have no one left to read it (every member was cancelled)."""
    if not done.cancelled():
        done.exception()


class _Lane:
    """A place for one transaction at a time to run: the group open in it, if any."""

    __slots__ = ("group",)

    def __init__(self) -> None:
        self.group: _Group | None = None


class _Lanes:
    """Lanes handed out in the order they were asked for: whoever waits takes the first
    lane free, so none waits behind a step held up in another (a row lock, say)."""

    def __init__(self, count: int, left: Callable[[_Lane], None]) -> None:
        self.free = deque(_Lane() for _ in range(count))
        self.waiting: deque[asyncio.Future[_Lane]] = deque()
        self.left = left
        """Given a lane whose group no one is left to commit (the one it was handed to
        was cancelled); gives it back once it has."""

    async def take(self) -> _Lane:
        if self.free and not self.waiting:
            return self.free.popleft()
        wanted: asyncio.Future[_Lane] = asyncio.get_running_loop().create_future()
        self.waiting.append(wanted)
        try:
            return await wanted
        except asyncio.CancelledError:
            if wanted.done() and not wanted.cancelled():
                self.give(wanted.result())  # handed over as this one was cancelled
            else:
                self.waiting.remove(wanted)
            raise

    def wanted(self) -> bool:
        return any(not wanted.done() for wanted in self.waiting)

    def give(self, lane: _Lane) -> None:
        """To the first still waiting, or free."""
        while self.waiting:
            wanted = self.waiting.popleft()
            if not wanted.done():
                wanted.set_result(lane)
                return
        if lane.group is not None:
            self.left(lane)
        else:
            self.free.append(lane)


class Database:
    """An engine, its session factory, and the write discipline its backend needs.

    SQLite allows one writer at a time: transactions begin IMMEDIATE (so two processes
    queue on the lock instead of failing on upgrade) and, within a process, writers
    take turns on its one lane instead of spinning on "database is locked".

    Group commit: a brief transaction (a message's step, the outcomes of sent messages)
    takes the first lane free, or waits for one, and joins the transaction open there,
    in its session, which the members use one after the other; the one that finds no one
    waiting (or the GROUP_MAX-th) commits it for them all, one COMMIT, one flush of the
    log; each returns only once that COMMIT is durable. On SQLite the one lane is the
    write lock: a transaction, its BEGIN and its COMMIT cost about 250 µs of CPU apart
    from the statements, and each COMMIT an fsync under the lock. PostgreSQL has
    POSTGRES_LANES: its round trips and COMMITs cost the service and the server alike
    (benchmarks/RESULTS.md). A step that fails rolls the shared transaction back: the
    others that had run in it get SharedRollback and are taken again, each alone.
    """

    def __init__(self, url: str, echo: bool = False, pool_size: int = 10,
                 pool_timeout: float = 10.0, lanes: int = POSTGRES_LANES) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # Parameters are what people wrote: never in the log, nor in the text of an
        # error (which may be logged), whatever the logging level.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            # aiosqlite logs every statement with its parameters at DEBUG.
            logging.getLogger("aiosqlite").setLevel(logging.INFO)
            if make_url(url).get_driver_name() == "aiosqlite":
                kwargs["module"] = sqlite_driver.dbapi()
        # A request waits `pool_timeout` seconds for a connection, then fails as the
        # database being unavailable (PoolExhausted), never hangs.
        if not self.is_sqlite or make_url(url).database not in (None, "", ":memory:"):
            # (an in-memory SQLite database has one connection, no pool to size)
            # Every connection opened is kept, none beyond the pool's size closed when
            # given back (SQLAlchemy's overflow): under a steady load those were opened
            # again at once, on PostgreSQL each with its handshake, the driver's set-up
            # and every statement prepared again (benchmarks/RESULTS.md).
            kwargs.update(pool_size=OVERFLOW * pool_size, max_overflow=0,
                          pool_timeout=pool_timeout)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        else:
            _replace_closed(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.inline = "module" in kwargs
        """SQLite through storage.sqlite_driver, which can run brief transactions'
        statements on the event loop's thread."""
        self.grouped = self.inline or not self.is_sqlite
        """Whether brief transactions share theirs (group commit)."""
        self._lanes = _Lanes(1 if self.is_sqlite else lanes, self._commit_left)
        """On SQLite, the one lane is the write lock."""
        self._committers: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def transaction(self, brief: bool = False,
                          alone: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error.
        `brief`: a few small statements (a message's step), which SQLite runs on the
        event loop's thread once the write lock is taken (storage.sqlite_driver), in a
        transaction shared with the other brief ones queued (group commit) unless
        `alone`."""
        if brief and self.grouped and not alone:
            async with self._shared() as session:
                yield session
            return
        if not self.is_sqlite:
            async with self.sessions() as session, session.begin():
                if brief:
                    session.info.update(await _prepared_info(await session.connection()))
                yield session
            return
        async with self._exclusive():
            async with self.sessions() as session, session.begin():
                if brief and self.inline:
                    async with _brief(session):
                        yield session
                else:
                    yield session
            if session.info.get(SCRUB):
                await self._checkpoint()

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """The write lock with no shared transaction open: another connection's writer
        would wait on SQLite's lock, which that transaction holds."""
        assert self.is_sqlite
        lane = await self._lanes.take()
        try:
            if lane.group is not None:
                await self._commit(lane, lane.group)
            yield
        finally:
            self._lanes.give(lane)

    @asynccontextmanager
    async def _shared(self) -> AsyncIterator[AsyncSession]:
        """A session in the transaction of a lane's group; leaves once it is committed.
        The group is committed by its member that finds no one waiting for a lane, or
        its GROUP_MAX-th."""
        lane = await self._lanes.take()
        try:
            group = lane.group or await self._open(lane)
            group.members += 1
            session = group.session
            try:
                yield session
                # What the step changed through the ORM is written within the step, so
                # that its failure is the step's.
                if session.new or session.dirty or session.deleted:
                    await session.flush()
            except BaseException:
                await self._abandon(lane, group)
                raise
            group.scrub |= bool(session.info.pop(SCRUB, False))
            # What a step read through the ORM is not the next one's: a statement run on
            # the driver (storage.prepared) may have changed those rows since.
            session.expunge_all()
            # One turn of the loop before the COMMIT: the steps that became ready to run
            # meanwhile ask for the lane and join this group. On SQLite a step runs on
            # the loop's thread from end to end and gives them no other turn; the
            # groups had half as many members (benchmarks/RESULTS.md).
            await asyncio.sleep(0)
            if group.members >= GROUP_MAX or not self._lanes.wanted():
                await self._commit(lane, group)
        finally:
            self._lanes.give(lane)
        # Shielded: one member cancelled must not cancel the others' outcome.
        await asyncio.shield(group.done)

    def _commit_left(self, lane: _Lane) -> None:
        committer = asyncio.create_task(self._commit_and_give(lane))
        self._committers.add(committer)
        committer.add_done_callback(self._committers.discard)

    async def _commit_and_give(self, lane: _Lane) -> None:
        try:
            if lane.group is not None:
                await self._commit(lane, lane.group)
        finally:
            self._lanes.give(lane)

    async def _open(self, lane: _Lane) -> _Group:
        connection = await self.engine.connect()
        try:
            await connection.begin()
            info = await _prepared_info(connection)
        except BaseException:
            await connection.close()
            raise
        driver: sqlite_driver.OneHopConnection | None = None
        if self.is_sqlite:
            raw = (await connection.get_raw_connection()).dbapi_connection
            assert isinstance(raw, sqlite_driver.OneHopConnection)
            driver = raw
            driver.brief = True
        # rollback_only: the session's commit would only flush; its rollback rolls the
        # group's transaction back.
        session = self.sessions(bind=connection, join_transaction_mode="rollback_only")
        session.info.update(info)
        group = lane.group = _Group(connection, driver, session)
        return group

    async def _commit(self, lane: _Lane, group: _Group) -> None:
        """COMMIT the group (holding its lane); its members learn the outcome."""
        lane.group = None
        if group.driver is not None:
            group.driver.brief = False
        try:
            await group.session.close()
            await group.connection.commit()
        except BaseException as exc:
            group.done.set_exception(
                exc if isinstance(exc, Exception) else StorageError("commit interrupted"))
            if not isinstance(exc, Exception):
                raise
        else:
            group.done.set_result(None)
        finally:
            await group.connection.close()
        if group.scrub and self.is_sqlite:
            await self._checkpoint()

    async def _abandon(self, lane: _Lane, group: _Group) -> None:
        """A member failed: the group's transaction is rolled back."""
        lane.group = None
        if group.driver is not None:
            group.driver.brief = False
        group.done.set_exception(SharedRollback(
            "another step in the same transaction failed; nothing of this one was stored"))
        try:
            await group.session.close()
            if group.connection.in_transaction():
                await group.connection.rollback()
        finally:
            await group.connection.close()

    async def _checkpoint(self) -> None:
        """After an erasure: copy the WAL into the database file (whose freed space
        secure_delete has zeroed) and truncate the WAL, so the erased bytes are on disk
        nowhere. Still under the write lock, so no writer of this process is in the way."""
        try:
            async with self.engine.connect() as conn:
                # On the driver's connection: a checkpoint cannot run inside the
                # transaction SQLAlchemy would begin.
                driver = (await conn.get_raw_connection()).driver_connection
                assert driver is not None
                cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy = await cursor.fetchone()
                await cursor.close()
        except Exception as exc:  # the erasure is committed; the next checkpoint finishes it
            log.warning("database: checkpoint after an erasure failed: %s", exc)
            return
        if busy is not None and busy[0]:
            log.warning("database: checkpoint after an erasure blocked by a reader")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only; never takes the SQLite write lock. A database that
        cannot be reached, or no free connection in time, is a StorageError."""
        try:
            async with self.sessions() as session:
                yield session
        except PoolTimeout as exc:
            raise PoolExhausted(str(exc)) from exc
        except (DBAPIError, OSError) as exc:
            raise StorageError(str(exc)) from exc

    async def optimize(self) -> None:
        """SQLite: let it refresh the query planner's statistics where they have gone
        stale (`PRAGMA optimize`, bounded by `analysis_limit`), on a connection of the
        pool, which has served the service's queries. PostgreSQL's autovacuum does this."""
        if self.is_sqlite:
            await self._pragmas("PRAGMA analysis_limit=1000", "PRAGMA optimize")

    async def analyze(self) -> None:
        """After a bulk import: the planner's statistics gathered again, at once."""
        if self.is_sqlite:
            await self._pragmas("PRAGMA analysis_limit=1000", "ANALYZE")
        else:
            async with self.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("ANALYZE")

    async def _pragmas(self, *statements: str) -> None:
        async with self._exclusive(), self.engine.connect() as conn:
            # On the driver's connection: outside the transaction SQLAlchemy would begin.
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            for statement in statements:
                await (await driver.execute(statement)).close()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _prepared_info(connection: AsyncConnection) -> dict[str, Any]:
    """What storage.prepared needs to run a brief transaction's statements on the
    driver's own connection: sqlite3's, or asyncpg's as SQLAlchemy adapts it."""
    raw = (await connection.get_raw_connection()).dbapi_connection
    if isinstance(raw, sqlite_driver.OneHopConnection):
        return {RAW: raw.raw}
    if isinstance(raw, AsyncAdapt_asyncpg_connection):
        return {ASYNCPG: raw}
    return {}


@asynccontextmanager
async def _brief(session: AsyncSession) -> AsyncIterator[None]:
    """Mark the session's connection brief while the block runs (it begins the
    transaction, and so takes the write lock, now)."""
    raw = await (await session.connection()).get_raw_connection()
    driver: sqlite_driver.OneHopConnection = raw.dbapi_connection  # type: ignore[assignment]
    driver.brief = True
    session.info[RAW] = driver.raw
    try:
        yield
    finally:
        driver.brief = False
        del session.info[RAW]


def _replace_closed(engine: AsyncEngine) -> None:
    """A pooled connection the server closed (a restart, a terminated backend) is
    replaced when it is taken. asyncpg knows at once, from the socket, so nothing is
    sent: SQLAlchemy's pre-ping sends BEGIN, a query and ROLLBACK, three round trips a
    transaction and about a third of a short one's CPU. A connection lost without a word
    fails its first statement instead, which comes out as StorageError (a webhook is
    answered 503 and delivered again), and SQLAlchemy then replaces the pool's others."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
        is_closed = getattr(record.driver_connection, "is_closed", None)
        if is_closed is not None and is_closed():
            raise DisconnectionError("the server closed this connection")


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted and overwritten content is zeroed, not left in free space (erasure).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={sqlite_driver.BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        driver = conn.connection.dbapi_connection
        if not (isinstance(driver, sqlite_driver.OneHopConnection) and driver.begin_at_once()):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
