"""Photos people send, and small facts about the deployment."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AttachmentRow, Counter, Meta
from storage.records import Attachment
from storage.upsert import increment


class SqlAttachmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, owner_id: int, channel: str, now: datetime, *,
                  telegram_file_id: str | None = None, content: bytes | None = None,
                  mime: str = "image/jpeg", filename: str | None = None,
                  case_id: int | None = None, source_url: str | None = None) -> int:
        row = AttachmentRow(owner_id=owner_id, channel=channel, telegram_file_id=telegram_file_id,
                            content=content, mime=mime, size=len(content or b""),
                            filename=filename, case_id=case_id, source_url=source_url,
                            created_at=now)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def get(self, attachment_id: int) -> Attachment | None:
        row = await self.session.get(AttachmentRow, attachment_id)
        if row is None:
            return None
        return Attachment(id=row.id, owner_id=row.owner_id, case_id=row.case_id,
                          channel=row.channel, telegram_file_id=row.telegram_file_id,
                          content=row.content, mime=row.mime, filename=row.filename,
                          source_url=row.source_url)

    async def link(self, attachment_ids: list[int], case_id: int) -> None:
        if attachment_ids:
            await self.session.execute(
                update(AttachmentRow).where(AttachmentRow.id.in_(attachment_ids))
                .values(case_id=case_id))

    async def of_case(self, case_id: int) -> list[int]:
        """The photos of a case (not the documents the bot made for it)."""
        rows = await self.session.execute(
            select(AttachmentRow.id).where(AttachmentRow.case_id == case_id,
                                           AttachmentRow.mime.like("image/%"))
            .order_by(AttachmentRow.id))
        return list(rows.scalars())

    async def remember_telegram_file(self, attachment_id: int, file_id: str) -> None:
        await self.session.execute(
            update(AttachmentRow).where(AttachmentRow.id == attachment_id)
            .values(telegram_file_id=file_id))

    async def store_content(self, attachment_id: int, content: bytes, mime: str) -> None:
        await self.session.execute(
            update(AttachmentRow).where(AttachmentRow.id == attachment_id)
            .values(content=content, mime=mime, size=len(content)))


class SqlMetaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> str | None:
        row = await self.session.get(Meta, key)
        return row.value if row else None

    async def set(self, key: str, value: str) -> None:
        await self.session.merge(Meta(key=key, value=value))

    async def next_number(self, counter: str) -> int:
        """The next number of a register (apologies of a unit in a year, ...)."""
        return await increment(self.session, Counter.__table__, counter)
