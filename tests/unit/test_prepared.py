"""The message path's statements run straight on the driver (storage/prepared.py: sqlite3,
or asyncpg) give what the same statements give through the session: values converted by
their column types (UTC datetimes, JSON with null, booleans, floats), row counts, generated ids,
errors as SQLAlchemy's; and they go through the session wherever they cannot run so."""

import weakref
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase

from storage.db import Database
from storage.models import UTCDateTime
from storage.prepared import Prepared

THINGS = Table("things", MetaData(), Column("id", Integer, primary_key=True),
               Column("name", String, unique=True), Column("at", UTCDateTime),
               Column("data", JSON), Column("flag", Boolean), Column("version", Integer),
               Column("place", Float), Column("label", String, nullable=False, default="-"))
ADDS = {dialect.__name__.rsplit(".", 1)[-1]: Prepared(dialect.insert(THINGS).values(
    name=bindparam("name"), at=bindparam("at"), data=bindparam("data"),
    flag=bindparam("flag"), place=bindparam("place"), version=1).on_conflict_do_nothing(
    index_elements=["name"]).returning(THINGS.c.id)) for dialect in (sqlite, postgresql)}
GET = Prepared(select(THINGS.c.id, THINGS.c.at, THINGS.c.data, THINGS.c.flag,
                      THINGS.c.version.label("v"), THINGS.c.place)
               .where(THINGS.c.name == bindparam("name")))
BUMP = Prepared(update(THINGS).where(THINGS.c.name == bindparam("name"),
                                     THINGS.c.version == bindparam("expected"))
                .values(version=bindparam("expected") + 1, flag=False))
PLAIN_ADD = Prepared(insert(THINGS).values(name=bindparam("name"), version=1))
RENAME = Prepared(update(THINGS).where(THINGS.c.name == bindparam("name"))
                  .values(name=bindparam("new")))


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __table__ = THINGS


@pytest.fixture
async def database(empty_url: str) -> AsyncIterator[Database]:
    database = Database(empty_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(THINGS.metadata.create_all)
    yield database
    await database.dispose()


def adding(database: Database) -> Prepared:
    return ADDS[database.engine.dialect.name]


_SEEN: "weakref.WeakKeyDictionary[Engine, list[str]]" = weakref.WeakKeyDictionary()


def through_session(database: Database) -> list[str]:
    """The statements SQLAlchemy runs on the database from now on: one listener per
    engine, however many Hypothesis examples share it."""
    engine = database.engine.sync_engine
    seen = _SEEN.get(engine)
    if seen is None:
        seen = _SEEN[engine] = []
        event.listen(engine, "before_cursor_execute",
                     lambda _c, _cur, sql, *_rest: seen.append(sql))
    seen.clear()
    return seen


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3), max_leaves=8)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                       timezones=st.sampled_from([UTC, timezone(timedelta(hours=7)),
                                                  timezone(timedelta(hours=-5))]))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=json_values, at=st.none() | moments, flag=st.none() | st.booleans(),
       place=st.none() | st.floats(allow_nan=False, allow_infinity=False))
async def test_raw_and_through_the_session_read_back_the_same(
        database: Database, data: Any, at: datetime | None, flag: bool | None,
        place: float | None) -> None:
    values = {"at": at, "data": data, "flag": flag, "place": place}
    async with database.transaction(brief=True, alone=True) as session:
        sent = through_session(database)
        raw_id = (await adding(database).run(session, {"name": "raw"} | values)
                  ).scalar_one_or_none()
        raw_row = (await GET.run(session, {"name": "raw"})).first()
        assert sent == [], "run on sqlite3, not through the session"
    async with database.transaction() as session:  # not brief: through the session
        session_id = (await adding(database).run(session, {"name": "session"} | values)
                      ).scalar_one_or_none()
        session_row = (await GET.run(session, {"name": "session"})).first()
        assert sent, "through the session"
    assert raw_id is not None and session_id == raw_id + 1
    assert raw_row[1:] == session_row[1:]
    assert (raw_row.at, raw_row.data, raw_row.flag, raw_row.v, raw_row.place) == (
        None if at is None else at.astimezone(UTC), data, flag, 1, place)
    async with database.transaction() as session:
        await session.execute(THINGS.delete())


async def test_counts_conflicts_and_errors_are_sqlalchemys(database: Database) -> None:
    add = adding(database)
    async with database.transaction(brief=True, alone=True) as session:
        sent = through_session(database)
        first = (await add.run(session, {"name": "a", "at": None, "data": {}, "flag": True})
                 ).scalar_one_or_none()
        again = (await add.run(session, {"name": "a", "at": None, "data": {}, "flag": True})
                 ).scalar_one_or_none()
        assert (first, again) == (1, None), "ON CONFLICT DO NOTHING returns no row"
        assert (await BUMP.run(session, {"name": "a", "expected": 1})).rowcount == 1
        assert (await BUMP.run(session, {"name": "a", "expected": 1})).rowcount == 0
        await add.run(session, {"name": "b", "at": None, "data": None, "flag": None})
        assert sent == []
    with pytest.raises(IntegrityError):
        async with database.transaction(brief=True, alone=True) as session:
            await RENAME.run(session, {"name": "b", "new": "a"})
    async with database.reading() as session:
        assert (await session.execute(select(THINGS.c.name).order_by(THINGS.c.id))
                ).scalars().all() == ["a", "b"], "the failed transaction changed nothing"
    with pytest.raises(IntegrityError):
        async with database.transaction(brief=True, alone=True) as session:
            await add.run(session, {"name": "c", "at": None, "data": None, "flag": None})
            await RENAME.run(session, {"name": "c", "new": "a"})
    async with database.reading() as session:
        assert len((await session.execute(select(THINGS.c.id))).all()) == 2, "rolled back"


async def test_an_insert_without_returning_gives_no_rows(database: Database) -> None:
    """On the driver, an INSERT that returns nothing gives back no row, only its count
    (SQLAlchemy would compile PostgreSQL's with RETURNING of the new key)."""
    async with database.transaction(brief=True, alone=True) as session:
        sent = through_session(database)
        added = await PLAIN_ADD.run(session, {"name": "plain"})
        assert sent == []
    assert (list(added), added.first(), added.rowcount) == ([], None, 1)
    async with database.reading() as session:
        assert (await session.execute(select(THINGS.c.name, THINGS.c.label))).all() == [
            ("plain", "-")], "a column left out has its default"


async def test_a_default_computed_per_call_must_be_given(database: Database) -> None:
    stamped = Table("stamped", MetaData(), Column("id", Integer, primary_key=True),
                    Column("at", UTCDateTime, default=lambda: datetime.now(UTC)))
    with pytest.raises(ValueError, match="give at a value"):
        async with database.transaction(brief=True, alone=True) as session:
            await Prepared(insert(stamped).values(id=bindparam("id"))).run(session, {"id": 1})


async def test_with_objects_to_flush_it_goes_through_the_session(database: Database) -> None:
    async with database.transaction(brief=True, alone=True) as session:
        await session.execute(insert(THINGS).values(name="x", version=5))
        sent = through_session(database)
        assert (await GET.run(session, {"name": "x"})).first().v == 5
        assert sent == []
        session.add(Thing(name="y", version=7))
        assert session.new
        assert (await GET.run(session, {"name": "y"})).first().v == 7
        assert sent, "the session flushed what was pending first"
