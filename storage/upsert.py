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
