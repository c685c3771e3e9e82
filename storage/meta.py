"""Small facts about the deployment, kept by key (versions, last runs, settings)."""

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Meta
from storage.prepared import Prepared

_METAS: Table = Meta.__table__  # type: ignore[assignment]
# The calendar's and the directory's versions are read by the messages that date or
# route a PAKN: run on the driver in a message's transaction (storage.prepared).
_VALUE = Prepared(select(_METAS.c.value).where(_METAS.c.key == bindparam("key")))


async def meta_value(session: AsyncSession, key: str) -> str | None:
    value: str | None = (await _VALUE.run(session, {"key": key})).scalar_one_or_none()
    return value
