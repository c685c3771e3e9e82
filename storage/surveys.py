"""Survey tokens (the QR codes at the desks), responses, and half-answered surveys."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import NewRating, Stored, SurveyToken
from storage.models import RatingRow, ReplacedRatingRow, SurveyDraftRow, SurveyTokenRow
from storage.upsert import insert_for


class SqlSurveyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create_token(self, token_hash: str, procedure: str, unit: str | None,
                           desk: str | None, now: datetime) -> None:
        self.session.add(SurveyTokenRow(token_hash=token_hash, procedure_code=procedure,
                                        unit_code=unit, desk=desk, created_at=now))
        await self.session.flush()

    async def token(self, token_hash: str) -> SurveyToken | None:
        row = (await self.session.execute(select(SurveyTokenRow).where(
            SurveyTokenRow.token_hash == token_hash))).scalar_one_or_none()
        if row is None:
            return None
        return SurveyToken(row.id, row.procedure_code, row.unit_code, row.desk)

    async def add_rating(self, rating: NewRating, now: datetime) -> Stored:
        """Store a response. A dossier has one current rating, the latest given; the
        others are kept in replaced_ratings."""
        values = {"source": rating.source, "source_id": rating.source_id,
                  "rated_at": rating.rated_at, "unit_code": rating.unit,
                  "field_code": rating.field, "procedure_code": rating.procedure,
                  "channel": rating.channel, "score": rating.score, "answers": rating.answers,
                  "comment": rating.comment, "dossier": rating.dossier}
        return await store_rating(self.session, values, now, verified=rating.verified,
                                  desk_token_id=rating.desk_token_id, origin=rating.origin,
                                  new_identity=rating.new_identity)

    async def current_rating(self, dossier: str) -> datetime | None:
        """When the dossier's current rating was given, if it has one."""
        return (await self.session.execute(select(RatingRow.rated_at).where(
            RatingRow.dossier == dossier, RatingRow.verified))).scalar_one_or_none()

    async def forget_origins(self, before: datetime) -> None:
        """Clear the hashed addresses of ratings given before `before`."""
        await self.session.execute(update(RatingRow).where(
            RatingRow.origin.is_not(None), RatingRow.rated_at < before).values(origin=None))

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


async def store_rating(session: AsyncSession, values: dict[str, Any], now: datetime, *,
                       verified: bool, **signals: Any) -> Stored:
    """Store one rating (see SqlSurveyRepository.add_rating)."""
    table = RatingRow.__table__
    key = (values["source"], values["source_id"])
    seen = select(RatingRow.id).where(RatingRow.source == key[0], RatingRow.source_id == key[1])
    replaced_before = exists().where(ReplacedRatingRow.source == key[0],
                                     ReplacedRatingRow.source_id == key[1])
    if (await session.execute(select(exists(seen) | replaced_before))).scalar_one():
        return Stored.EXISTS
    current = None
    if verified:
        current = (await session.execute(select(RatingRow).where(
            RatingRow.dossier == values["dossier"], RatingRow.verified).with_for_update()
        )).scalar_one_or_none()
    if current is not None and current.rated_at > values["rated_at"]:
        await session.execute(insert(ReplacedRatingRow).values(
            rating_id=None, replaced_by=current.id, replaced_at=now, **values))
        return Stored.KEPT_OLDER
    earlier = None
    if current is not None:
        earlier = {c.name: getattr(current, c.key) for c in table.columns
                   if c.name in values}, current.id
        await session.execute(delete(RatingRow).where(RatingRow.id == current.id))
    new_id = (await session.execute(insert_for(session, table).values(
        verified=verified, **signals, **values).returning(table.c.id))).scalar_one()
    if earlier is not None:
        await session.execute(insert(ReplacedRatingRow).values(
            rating_id=earlier[1], replaced_by=new_id, replaced_at=now, **earlier[0]))
        return Stored.REPLACED
    return Stored.NEW
