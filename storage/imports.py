"""Storing imported history; importing the same rows twice adds nothing."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import Stored
from storage.models import AccountRow, CaseRow, HandlingRatingRow, Meta
from storage.surveys import store_rating

IMPORT_ACCOUNT = "import_account"


class SqlImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ratings(self, source: str, rows: list[dict[str, object]], now: datetime) -> int:
        """Add survey responses of a source; returns how many were new. Those with a
        dossier code are verified: a dossier's latest rating counts, the others are kept
        as replaced."""
        added = 0
        for row in rows:
            outcome = await store_rating(self.session, {"source": source, **row}, now,
                                         verified=row.get("dossier") is not None)
            added += outcome is not Stored.EXISTS
        return added

    async def cases(self, rows: list[dict[str, object]], ratings: dict[str, int],
                    now: datetime) -> int:
        """Add cases kept before the bot (on behalf of one "imported" account, with no
        contact details), and the ratings of their handling; returns how many were new."""
        citizen = await self._import_account(now)
        existing = set((await self.session.execute(
            select(CaseRow.code).where(CaseRow.code.in_([str(r["code"]) for r in rows]))
        )).scalars())
        added = 0
        for row in rows:
            if row["code"] in existing:
                continue
            case = CaseRow(citizen_id=citizen, chat_id="", contact_name="", contact_phone="",
                           contact_address="", updated_at=now, transfers=0, **row)
            self.session.add(case)
            await self.session.flush()
            score = ratings.get(case.code)
            if score is not None:
                self.session.add(HandlingRatingRow(
                    case_id=case.id, unit_code=case.unit_code, field_code=case.field_code,
                    staff_id=None, asked_at=case.resolved_at or now, score=score,
                    rated_at=case.resolved_at))
            added += 1
        await self.session.flush()
        return added

    async def _import_account(self, now: datetime) -> int:
        known = await self.session.get(Meta, IMPORT_ACCOUNT)
        if known is not None:
            return int(known.value)
        account = AccountRow(role="citizen", display_name="(imported)", created_at=now)
        self.session.add(account)
        await self.session.flush()
        self.session.add(Meta(key=IMPORT_ACCOUNT, value=str(account.id)))
        return account.id
