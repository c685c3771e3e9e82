"""PAKN taken by staff for a citizen: the record kept beside the case."""

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import IntakeRecord
from storage.models import IntakeRow


class SqlIntakeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, record: IntakeRecord) -> None:
        self.session.add(IntakeRow(
            case_id=record.case_id, taken_by=record.taken_by, taken_at=record.taken_at,
            email=record.email, consent_basis=record.consent_basis,
            consent_recorded_by=record.consent_recorded_by,
            consent_recorded_at=record.consent_recorded_at))
        await self.session.flush()

    async def get(self, case_id: int) -> IntakeRecord | None:
        row = await self.session.get(IntakeRow, case_id)
        if row is None:
            return None
        return IntakeRecord(row.case_id, row.taken_by, row.taken_at, row.email,
                            row.consent_basis, row.consent_recorded_by,
                            row.consent_recorded_at)
