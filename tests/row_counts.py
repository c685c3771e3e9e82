"""Rows per table, read in one statement: what a request that may change nothing must
leave as it was. The fuzz tests read it twice an example, hundreds of examples a test."""

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


def counting(*left_out: str) -> Select[Any]:
    """The statement: a count of each table but those `left_out`."""
    return select(*(select(func.count()).select_from(table).scalar_subquery().label(name)
                    for name, table in Base.metadata.tables.items() if name not in left_out))


async def row_counts(session: AsyncSession, statement: Select[Any]) -> dict[str, int]:
    return {name: int(count) for name, count in (await session.execute(statement)).one()
            ._mapping.items()}
