"""Chats following a PAKN they were not filed from, and the one-time codes that let them."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import Chat, SenderChat
from storage.models import SenderChatRow


class SqlSenderChatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, case_id: int, chat: Chat) -> SenderChat | None:
        row = await self._row(case_id, chat)
        return _record(row) if row else None

    async def offer_code(self, case_id: int, account_id: int, chat: Chat, code_hash: str,
                         expires_at: datetime, now: datetime) -> None:
        """A new code for this chat (any earlier one no longer counts)."""
        row = await self._row(case_id, chat)
        if row is None:
            row = SenderChatRow(case_id=case_id, account_id=account_id, channel=chat.channel,
                                chat_id=chat.chat_id, created_at=now, wrong_tries=0)
            self.session.add(row)
        row.account_id = account_id
        row.code_hash, row.code_expires_at, row.wrong_tries = code_hash, expires_at, 0
        await self.session.flush()

    async def wrong_try(self, case_id: int, chat: Chat) -> int:
        """Count a wrong code; returns the wrong tries on the code so far."""
        await self.session.execute(
            update(SenderChatRow).where(SenderChatRow.case_id == case_id,
                                        SenderChatRow.channel == chat.channel,
                                        SenderChatRow.chat_id == chat.chat_id)
            .values(wrong_tries=SenderChatRow.wrong_tries + 1))
        row = await self._row(case_id, chat)
        return row.wrong_tries if row else 0

    async def follow(self, case_id: int, account_id: int, chat: Chat, via: str,
                     now: datetime) -> bool:
        """The chat follows the case from now on (its code spent); False if it already
        did."""
        row = await self._row(case_id, chat)
        if row is None:
            row = SenderChatRow(case_id=case_id, account_id=account_id, channel=chat.channel,
                                chat_id=chat.chat_id, created_at=now, wrong_tries=0)
            self.session.add(row)
        new = row.followed_at is None
        row.account_id = account_id
        row.code_hash, row.code_expires_at = None, None
        if new:
            row.followed_at, row.via = now, via
        await self.session.flush()
        return new

    async def of_case(self, case_id: int) -> list[SenderChat]:
        rows = await self.session.execute(
            select(SenderChatRow).where(SenderChatRow.case_id == case_id,
                                        SenderChatRow.followed_at.is_not(None))
            .order_by(SenderChatRow.id))
        return [_record(row) for row in rows.scalars()]

    async def _row(self, case_id: int, chat: Chat) -> SenderChatRow | None:
        return (await self.session.execute(
            select(SenderChatRow).where(SenderChatRow.case_id == case_id,
                                        SenderChatRow.channel == chat.channel,
                                        SenderChatRow.chat_id == chat.chat_id))
                ).scalar_one_or_none()


def _record(row: SenderChatRow) -> SenderChat:
    return SenderChat(case_id=row.case_id, account_id=row.account_id,
                      chat=Chat(row.channel, row.chat_id), code_hash=row.code_hash,
                      code_expires_at=row.code_expires_at, wrong_tries=row.wrong_tries,
                      followed_at=row.followed_at, via=row.via)
