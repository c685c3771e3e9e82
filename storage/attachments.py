"""Photos people send, and small facts about the deployment."""

from datetime import datetime
from functools import cache

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import MAX_ID, Attachment, FileKind
from storage.meta import meta_value
from storage.models import AttachmentRow, Meta, UploadQuotaRow, new_file_key
from storage.prepared import Prepared
from storage.upsert import dialect_insert, dialect_name, increment

_FILES: Table = AttachmentRow.__table__  # type: ignore[assignment]
_QUOTAS: Table = UploadQuotaRow.__table__  # type: ignore[assignment]
# A photo's message writes these, and a PAKN filed links its photos: run on the driver in
# a message's transaction (storage.prepared).
_ADD = Prepared(insert(_FILES).values(
    key=bindparam("key"), kind=bindparam("kind"), case_id=bindparam("case_id"),
    owner_id=bindparam("owner_id"), channel=bindparam("channel"),
    telegram_file_id=bindparam("telegram_file_id"), source_url=bindparam("source_url"),
    content=bindparam("content"), mime=bindparam("mime"), size=bindparam("size"),
    filename=bindparam("filename"), created_at=bindparam("now")).returning(_FILES.c.id))
_LINK = Prepared(update(_FILES).where(_FILES.c.id == bindparam("attachment_id"))
                 .values(case_id=bindparam("case_id")))


@cache
def _count_upload(dialect: str) -> Prepared:
    return Prepared(dialect_insert(dialect, _QUOTAS).values(
        subject=bindparam("subject"), hour=bindparam("hour"), uploads=1,
        size=bindparam("size")).on_conflict_do_update(
        index_elements=["subject", "hour"],
        set_={"uploads": _QUOTAS.c.uploads + 1, "size": _QUOTAS.c.size + bindparam("size")},
    ).returning(_QUOTAS.c.uploads, _QUOTAS.c.size))


class SqlAttachmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, owner_id: int, channel: str, now: datetime, *,
                  telegram_file_id: str | None = None, content: bytes | None = None,
                  mime: str = "image/jpeg", filename: str | None = None,
                  case_id: int | None = None, source_url: str | None = None,
                  kind: FileKind = FileKind.UPLOAD) -> int:
        return int((await _ADD.run(self.session, {
            "key": new_file_key(), "kind": str(kind), "case_id": case_id, "owner_id": owner_id,
            "channel": channel, "telegram_file_id": telegram_file_id,
            "source_url": source_url, "content": content, "mime": mime,
            "size": len(content or b""), "filename": filename, "now": now,
        })).scalar_one_or_none())

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
        for attachment_id in attachment_ids:  # a few photos: a statement each, on the driver
            await _LINK.run(self.session, {"attachment_id": attachment_id, "case_id": case_id})

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
        uploads, total = (await _count_upload(dialect_name(self.session)).run(
            self.session, {"subject": subject, "hour": hour, "size": size})).first()
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
        return await meta_value(self.session, key)

    async def set(self, key: str, value: str) -> None:
        await self.session.merge(Meta(key=key, value=value))

    async def next_number(self, counter: str) -> int:
        """The next number of a register (apologies of a unit in a year, ...)."""
        return await increment(self.session, counter)
