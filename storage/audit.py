"""The audit log: administrators' decisions that change published figures or access."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import AuditEntry
from storage.models import AuditRow


class SqlAuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, account_id: int | None, action: str, data: dict[str, Any],
                     now: datetime) -> None:
        self.session.add(AuditRow(at=now, account_id=account_id, action=action, data=data))
        await self.session.flush()

    async def latest(self, limit: int) -> list[AuditEntry]:
        rows = await self.session.execute(select(AuditRow).order_by(AuditRow.id.desc())
                                          .limit(limit))
        return [AuditEntry(r.at, r.account_id, r.action, dict(r.data)) for r in rows.scalars()]
