"""The Zalo Official Account's token pair, kept in one row and changed under a lock."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import ZaloTokens
from storage.models import ZaloTokenRow
from storage.upsert import dialect_name

ROW = 1


class SqlZaloTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, for_update: bool = False) -> ZaloTokens | None:
        """The pair; with `for_update`, locked until this transaction ends (PostgreSQL;
        SQLite transactions here already hold the database's write lock)."""
        stmt = select(ZaloTokenRow).where(ZaloTokenRow.id == ROW).execution_options(
            populate_existing=True)
        if for_update and dialect_name(self.session) == "postgresql":
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        if row is None:
            return None
        return ZaloTokens(row.access_token, row.refresh_token, row.expires_at, row.updated_at)

    async def save(self, tokens: ZaloTokens) -> None:
        await self.session.merge(ZaloTokenRow(
            id=ROW, access_token=tokens.access_token, refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at, updated_at=tokens.updated_at))
        await self.session.flush()
