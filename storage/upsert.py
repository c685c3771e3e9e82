"""INSERT ... ON CONFLICT for the two backends we support."""

from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Counter
from storage.prepared import Prepared


def dialect_name(session: AsyncSession) -> str:
    bind = session.bind
    assert bind is not None, "sessions are always bound to the engine"
    return bind.dialect.name


def insert_for(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT construct, which knows on_conflict_do_nothing/update."""
    return dialect_insert(dialect_name(session), table)


def dialect_insert(dialect: str, table: Any) -> Any:
    """The INSERT construct of the database named `dialect`."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


@cache
def _increment(dialect: str) -> Prepared:
    counters: Table = Counter.__table__  # type: ignore[assignment]
    return Prepared(dialect_insert(dialect, counters).values(
        name=bindparam("name"), value=1).on_conflict_do_update(
        index_elements=["name"], set_={"value": counters.c.value + 1}
    ).returning(counters.c.value))


async def increment(session: AsyncSession, name: str) -> int:
    """The next number of a named counter, starting at 1; the row stays locked by the
    update until commit, so concurrent transactions number in turn. Built once per
    database, run on the driver in a message's transaction (storage.prepared): every
    PAKN filed on SQLite is numbered so."""
    return int((await _increment(dialect_name(session)).run(session, {"name": name})
                ).scalar_one_or_none())
