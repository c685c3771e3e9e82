"""Web sign-in codes, sessions and API keys; resolved cases for publication."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import ApiKey
from complaints.publication import Decision, search_key
from storage.models import (
    ApiKeyRow,
    CaseFollowerRow,
    CaseRow,
    LoginCodeRow,
    PublicationRow,
    WebSessionRow,
)
from storage.publications import same_resolution

IDLE = timedelta(hours=2)
"""A session unused this long ends."""


@dataclass(frozen=True)
class WebSession:
    account_id: int
    csrf_token: str
    expires_at: datetime


class SqlWebRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create_login_code(self, code_hash: str, account_id: int, now: datetime,
                                expires_at: datetime) -> None:
        self.session.add(LoginCodeRow(code_hash=code_hash, account_id=account_id,
                                      created_at=now, expires_at=expires_at))
        await self.session.flush()

    async def use_login_code(self, code_hash: str, now: datetime) -> int | None:
        """The account a code signs in, once, before it expires."""
        result = await self.session.execute(
            update(LoginCodeRow)
            .where(LoginCodeRow.code_hash == code_hash, LoginCodeRow.used_at.is_(None),
                   LoginCodeRow.expires_at > now)
            .values(used_at=now).returning(LoginCodeRow.account_id))
        row = result.first()
        return int(row[0]) if row else None

    async def create_session(self, token_hash: str, account_id: int, csrf_token: str,
                             now: datetime, expires_at: datetime) -> None:
        self.session.add(WebSessionRow(token_hash=token_hash, account_id=account_id,
                                       csrf_token=csrf_token, created_at=now,
                                       expires_at=expires_at, last_seen_at=now))
        await self.session.flush()

    async def session_of(self, token_hash: str, now: datetime) -> WebSession | None:
        """The session behind a cookie, if it has neither expired nor idled too long."""
        row = (await self.session.execute(select(WebSessionRow).where(
            WebSessionRow.token_hash == token_hash))).scalar_one_or_none()
        if row is None or row.expires_at <= now or row.last_seen_at + IDLE <= now:
            return None
        row.last_seen_at = now
        return WebSession(row.account_id, row.csrf_token, row.expires_at)

    async def end_session(self, token_hash: str) -> None:
        await self.session.execute(
            delete(WebSessionRow).where(WebSessionRow.token_hash == token_hash))

    async def sign_out_everywhere(self, account_id: int, now: datetime) -> int:
        """End a person's dashboard sessions and void their unused sign-in codes;
        returns how many sessions were ended."""
        ended = await self.session.execute(
            delete(WebSessionRow).where(WebSessionRow.account_id == account_id))
        await self.session.execute(
            update(LoginCodeRow).where(LoginCodeRow.account_id == account_id,
                                       LoginCodeRow.used_at.is_(None)).values(used_at=now))
        return int(getattr(ended, "rowcount", 0) or 0)

    async def create_api_key(self, key_hash: str, name: str, account_id: int,
                             now: datetime, scopes: frozenset[str]) -> int:
        row = ApiKeyRow(key_hash=key_hash, name=name, account_id=account_id, created_at=now,
                        scopes=" ".join(sorted(scopes)))
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def api_key_account(self, key_hash: str) -> int | None:
        return (await self.session.execute(select(ApiKeyRow.account_id).where(
            ApiKeyRow.key_hash == key_hash, ApiKeyRow.revoked_at.is_(None)))).scalar()

    async def api_key(self, key_hash: str) -> ApiKey | None:
        """The key behind a hash, unless it was revoked."""
        row = (await self.session.execute(select(ApiKeyRow).where(
            ApiKeyRow.key_hash == key_hash, ApiKeyRow.revoked_at.is_(None)))).scalar()
        return _api_key(row) if row else None

    async def api_keys(self) -> list[ApiKey]:
        rows = (await self.session.execute(select(ApiKeyRow).order_by(ApiKeyRow.id))).scalars()
        return [_api_key(r) for r in rows]

    async def revoke_api_key(self, key_id: int, now: datetime) -> bool:
        """Revoke a key; False when there is no such key or it was revoked before."""
        result = await self.session.execute(
            update(ApiKeyRow).where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
            .values(revoked_at=now).returning(ApiKeyRow.id))
        return result.first() is not None


def _api_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(row.id, row.name, row.account_id, row.created_at, row.revoked_at,
                  frozenset(row.scopes.split()))


@dataclass(frozen=True)
class PublicCase:
    """What may be published of a case: its facts, and its texts only as a person approved
    them (None while there is no approval in force). What the citizen wrote, their contact
    details and the exact place they gave never leave storage this way."""

    code: str
    field: str
    unit: str
    area: str | None
    status: str
    received_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    updated_at: datetime
    question: str | None
    answer: str | None
    latitude: float | None
    longitude: float | None
    """Rounded when approved, and only if the approver published the place."""
    published_at: datetime | None
    procedure: str | None = None
    extended_due_at: datetime | None = None
    """The one new date given with an apology, if any."""
    raised_by: int = 1
    """Its sender and the citizens following it: how many raised the problem."""


CLOSED = ("resolved", "duplicate")
"""Answered, or closed as the duplicate of a case that goes on."""


class SqlPublicRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _select(self) -> Select[CaseRow, PublicationRow, int]:
        """Cases of the service (not imported history) with their publication in force:
        approved, on the resolution the case has now (a reopened case has none), and how
        many citizens raised them (the sender and those following)."""
        in_force = and_(PublicationRow.case_id == CaseRow.id,
                        PublicationRow.status == Decision.APPROVED.value,
                        PublicationRow.case_resolved_at == CaseRow.resolved_at,
                        CaseRow.status == "resolved",
                        same_resolution())
        followers = (select(func.count()).where(CaseFollowerRow.case_id == CaseRow.id)
                     .correlate(CaseRow).scalar_subquery())
        return (select(CaseRow, PublicationRow, followers)
                .outerjoin(PublicationRow, in_force)
                .where(CaseRow.channel != "import"))

    async def cases(self, *, published_only: bool, start: datetime | None = None,
                    end: datetime | None = None, field: str | None = None,
                    unit: str | None = None, status: str | None = None,
                    search: str | None = None, limit: int = 50,
                    offset: int = 0, codes: Collection[str] | None = None,
                    topics: Collection[str] | None = None) -> tuple[list[PublicCase], int]:
        """Cases (received in [start, end)), newest first, and how many match in all.

        `published_only`: only cases whose texts are approved. `search`: words in the
        code or the approved texts (never in what was filed: a match there would tell
        who wrote what), in any case and with or without diacritics. `codes`: only these
        tracking codes. `topics`: only cases about one of these; a case is about its
        procedure when it names one, else about its field."""
        stmt = self._select()
        if published_only or search:
            stmt = stmt.where(PublicationRow.case_id.is_not(None))
        if codes is not None:
            stmt = stmt.where(CaseRow.code.in_(list(codes)))
        if topics is not None:
            stmt = stmt.where(or_(CaseRow.procedure_code.in_(list(topics)),
                                  and_(CaseRow.procedure_code.is_(None),
                                       CaseRow.field_code.in_(list(topics)))))
        if start is not None:
            stmt = stmt.where(CaseRow.received_at >= start)
        if end is not None:
            stmt = stmt.where(CaseRow.received_at < end)
        if field:
            stmt = stmt.where(CaseRow.field_code == field)
        if unit:
            stmt = stmt.where(CaseRow.unit_code == unit)
        if status == "open":
            stmt = stmt.where(CaseRow.status.not_in(CLOSED))
        elif status == "closed":
            stmt = stmt.where(CaseRow.status.in_(CLOSED))
        if search and (words := search_key(search)):
            escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(PublicationRow.search_text.like(f"%{escaped}%", escape="\\"))
        total = (await self.session.execute(select(func.count()).select_from(stmt.subquery()))
                 ).scalar_one()
        rows = (await self.session.execute(
            stmt.order_by(CaseRow.received_at.desc(), CaseRow.id.desc())
            .limit(limit).offset(offset))).all()
        return [_public(row[0], row[1], row[2]) for row in rows], int(total)

    async def case(self, code: str) -> PublicCase | None:
        found = (await self.session.execute(
            self._select().where(CaseRow.code == code))).one_or_none()
        return _public(found[0], found[1], found[2]) if found else None


def _public(row: CaseRow, publication: PublicationRow | None, followers: int) -> PublicCase:
    return PublicCase(row.code, row.field_code, row.unit_code, row.area_code, row.status,
                      row.received_at, row.due_at, row.resolved_at, row.updated_at,
                      publication.question if publication else None,
                      publication.answer if publication else None,
                      publication.latitude if publication else None,
                      publication.longitude if publication else None,
                      publication.approved_at if publication else None,
                      row.procedure_code, row.extended_due_at, 1 + int(followers or 0))
