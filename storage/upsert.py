"""INSERT ... ON CONFLICT for the two backends we support."""

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_name(session: AsyncSession) -> str:
    bind = session.bind
    assert bind is not None, "sessions are always bound to the engine"
    return bind.dialect.name


def insert_for(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT construct, which knows on_conflict_do_nothing/update."""
    if dialect_name(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def increment(session: AsyncSession, counter: Any, name: str) -> int:
    """The next number of a named counter, starting at 1; the row stays locked by the
    update until commit, so concurrent transactions number in turn."""
    stmt = insert_for(session, counter).values(name=name, value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"], set_={"value": counter.c.value + 1}
    ).returning(counter.c.value)
    return int((await session.execute(stmt)).scalar_one())
