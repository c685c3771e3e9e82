"""Survey tokens (the QR codes at the desks), responses, and half-answered surveys."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RatingRow, SurveyDraftRow, SurveyTokenRow
from storage.records import NewRating, SurveyToken
from storage.upsert import insert_for


class SqlSurveyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create_token(self, token_hash: str, procedure: str, unit: str | None,
                           desk: str | None, dossier: str | None, now: datetime) -> None:
        self.session.add(SurveyTokenRow(token_hash=token_hash, procedure_code=procedure,
                                        unit_code=unit, desk=desk, dossier=dossier,
                                        created_at=now))
        await self.session.flush()

    async def token(self, token_hash: str) -> SurveyToken | None:
        row = (await self.session.execute(select(SurveyTokenRow).where(
            SurveyTokenRow.token_hash == token_hash))).scalar_one_or_none()
        if row is None:
            return None
        return SurveyToken(row.id, row.procedure_code, row.unit_code, row.desk, row.dossier,
                           row.used_at)

    async def use_token(self, token_id: int, now: datetime) -> bool:
        """Spend a dossier's token; False if it was spent already."""
        result = await self.session.execute(
            update(SurveyTokenRow)
            .where(SurveyTokenRow.id == token_id, SurveyTokenRow.used_at.is_(None))
            .values(used_at=now).returning(SurveyTokenRow.id))
        return result.first() is not None

    async def add_rating(self, rating: NewRating) -> bool:
        """Store a response; False when this source already gave one with this id."""
        stmt = insert_for(self.session, RatingRow.__table__).values(
            source=rating.source, source_id=rating.source_id, rated_at=rating.rated_at,
            unit_code=rating.unit, field_code=rating.field, procedure_code=rating.procedure,
            channel=rating.channel, score=rating.score, answers=rating.answers,
            comment=rating.comment, dossier=rating.dossier,
        ).on_conflict_do_nothing(index_elements=["source", "source_id"]).returning(
            RatingRow.__table__.c.id)
        return (await self.session.execute(stmt)).first() is not None

    async def draft(self, account_id: int) -> dict[str, Any] | None:
        row = await self.session.get(SurveyDraftRow, account_id)
        return dict(row.data) if row else None

    async def save_draft(self, account_id: int, data: dict[str, Any], now: datetime) -> None:
        stmt = insert_for(self.session, SurveyDraftRow.__table__).values(
            account_id=account_id, data=data, updated_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=["account_id"],
                                          set_={"data": data, "updated_at": now})
        await self.session.execute(stmt)

    async def drop_draft(self, account_id: int) -> None:
        await self.session.execute(
            delete(SurveyDraftRow).where(SurveyDraftRow.account_id == account_id))
