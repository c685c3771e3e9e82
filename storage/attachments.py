"""Photos people send, and small facts about the deployment."""

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import MAX_ID, Attachment, FileKind
from storage.models import AttachmentRow, Counter, Meta, UploadQuotaRow
from storage.upsert import increment, insert_for


class SqlAttachmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, owner_id: int, channel: str, now: datetime, *,
                  telegram_file_id: str | None = None, content: bytes | None = None,
                  mime: str = "image/jpeg", filename: str | None = None,
                  case_id: int | None = None, source_url: str | None = None,
                  kind: FileKind = FileKind.UPLOAD) -> int:
        row = AttachmentRow(owner_id=owner_id, channel=channel, telegram_file_id=telegram_file_id,
                            content=content, mime=mime, size=len(content or b""),
                            filename=filename, case_id=case_id, source_url=source_url,
                            kind=kind, created_at=now)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def get(self, attachment_id: int) -> Attachment | None:
        if not 0 < attachment_id <= MAX_ID:
            return None  # no such row, and PostgreSQL would refuse the number
        row = await self.session.get(AttachmentRow, attachment_id)
        if row is None:
            return None
        return Attachment(id=row.id, owner_id=row.owner_id, case_id=row.case_id,
                          channel=row.channel, telegram_file_id=row.telegram_file_id,
                          content=row.content, mime=row.mime, filename=row.filename,
                          source_url=row.source_url, key=row.key, kind=FileKind(row.kind))

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

    async def scans(self, case_id: int) -> list[int]:
        """The scanned letters (PDF) staff attached to a case they took for a citizen."""
        rows = await self.session.execute(
            select(AttachmentRow.id).where(AttachmentRow.case_id == case_id,
                                           AttachmentRow.kind == FileKind.UPLOAD,
                                           AttachmentRow.mime == "application/pdf")
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


    async def count_upload(self, subject: str, hour: datetime, size: int) -> tuple[int, int]:
        """Count one upload of `size` bytes for `subject` in the hour starting at `hour`;
        the uploads and bytes counted there so far, this one included. The row stays
        locked until commit, so parallel uploads are counted in turn."""
        table = UploadQuotaRow.__table__
        stmt = insert_for(self.session, table).values(subject=subject, hour=hour,
                                                      uploads=1, size=size)
        stmt = stmt.on_conflict_do_update(
            index_elements=["subject", "hour"],
            set_={"uploads": table.c.uploads + 1, "size": table.c.size + size},
        ).returning(table.c.uploads, table.c.size)
        uploads, total = (await self.session.execute(stmt)).one()
        return int(uploads), int(total)

    async def forget_unattached(self, before: datetime) -> int:
        """Delete the uploads received before `before` that no case took; how many."""
        result = await self.session.execute(
            delete(AttachmentRow).where(AttachmentRow.kind == FileKind.UPLOAD,
                                        AttachmentRow.case_id.is_(None),
                                        AttachmentRow.created_at < before))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def forget_quota(self, before: datetime) -> None:
        await self.session.execute(delete(UploadQuotaRow).where(UploadQuotaRow.hour < before))


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
