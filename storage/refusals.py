"""The record of refused actions."""

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import Refusal
from storage.models import RefusalRow


class SqlRefusalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, refusal: Refusal) -> None:
        self.session.add(RefusalRow(
            at=refusal.at, account_id=refusal.account_id, channel=refusal.channel[:16],
            update_key=refusal.update_key, action=refusal.action[:64],
            case_id=refusal.case_id, reason=refusal.reason[:64]))
        await self.session.flush()
