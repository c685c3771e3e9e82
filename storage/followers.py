"""Citizens following a case they did not file (complaints.case.record_follower, merge)."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import CaseFollower, Chat
from storage.models import CaseFollowerRow


class SqlFollowerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, case_id: int, account_id: int, chat: Chat, via: str,
                  now: datetime) -> bool:
        """False when the person already follows the case."""
        if await self.get(case_id, account_id) is not None:
            return False
        self.session.add(CaseFollowerRow(case_id=case_id, account_id=account_id,
                                         channel=chat.channel, chat_id=chat.chat_id, via=via,
                                         followed_at=now))
        await self.session.flush()
        return True

    async def get(self, case_id: int, account_id: int) -> CaseFollower | None:
        row = (await self.session.execute(
            select(CaseFollowerRow).where(CaseFollowerRow.case_id == case_id,
                                          CaseFollowerRow.account_id == account_id))
               ).scalar_one_or_none()
        return _record(row) if row else None

    async def of_case(self, case_id: int) -> list[CaseFollower]:
        rows = (await self.session.execute(
            select(CaseFollowerRow).where(CaseFollowerRow.case_id == case_id)
            .order_by(CaseFollowerRow.id))).scalars()
        return [_record(row) for row in rows]

    async def counts(self, case_ids: Collection[int]) -> dict[int, int]:
        """Followers per case (cases without any left out)."""
        if not case_ids:
            return {}
        rows = await self.session.execute(
            select(CaseFollowerRow.case_id, func.count())
            .where(CaseFollowerRow.case_id.in_(sorted(case_ids)))
            .group_by(CaseFollowerRow.case_id))
        return {case_id: int(count) for case_id, count in rows}

    async def rate(self, case_id: int, account_id: int, score: int, now: datetime) -> bool:
        """A follower's one rating of the handling; False when already given."""
        result = await self.session.execute(
            update(CaseFollowerRow)
            .where(CaseFollowerRow.case_id == case_id, CaseFollowerRow.account_id == account_id,
                   CaseFollowerRow.score.is_(None))
            .values(score=score, rated_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _record(row: CaseFollowerRow) -> CaseFollower:
    return CaseFollower(row.case_id, row.account_id, Chat(row.channel, row.chat_id), row.via,
                        row.followed_at, row.score)
