"""Web sign-in codes, sessions and API keys; resolved cases for publication."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ApiKeyRow, CaseRow, LoginCodeRow, WebSessionRow

IDLE = timedelta(hours=2)
"""A session unused this long ends."""


@dataclass(frozen=True)
class WebSession:
    account_id: int
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class ApiKey:
    """An API key as its holder and the operators know it (never the key itself)."""

    id: int
    name: str
    account_id: int
    created_at: datetime
    revoked_at: datetime | None
    scopes: frozenset[str] = frozenset({"open311"})


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
    """A case as it may be published once anonymised (the contact details are here only
    to be blanked out of the texts)."""

    code: str
    field: str
    unit: str
    area: str | None
    status: str
    received_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    updated_at: datetime
    text: str
    answer: str | None
    latitude: float | None
    longitude: float | None
    contact: tuple[str, str, str]
    procedure: str | None = None
    extended_due_at: datetime | None = None
    """The one new date given with an apology, if any."""


class SqlPublicRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cases(self, *, resolved_only: bool, start: datetime | None = None,
                    end: datetime | None = None, field: str | None = None,
                    unit: str | None = None, status: str | None = None,
                    search: str | None = None, limit: int = 50,
                    offset: int = 0, codes: Collection[str] | None = None,
                    topics: Collection[str] | None = None) -> tuple[list[PublicCase], int]:
        """Cases (received in [start, end)), newest first, and how many match in all.

        `codes`: only these tracking codes. `topics`: only cases about one of these; a
        case is about its procedure when it names one, else about its field."""
        stmt = select(CaseRow).where(CaseRow.channel != "import")
        if codes is not None:
            stmt = stmt.where(CaseRow.code.in_(list(codes)))
        if topics is not None:
            stmt = stmt.where(or_(CaseRow.procedure_code.in_(list(topics)),
                                  and_(CaseRow.procedure_code.is_(None),
                                       CaseRow.field_code.in_(list(topics)))))
        if resolved_only:
            stmt = stmt.where(CaseRow.status == "resolved")
        if start is not None:
            stmt = stmt.where(CaseRow.received_at >= start)
        if end is not None:
            stmt = stmt.where(CaseRow.received_at < end)
        if field:
            stmt = stmt.where(CaseRow.field_code == field)
        if unit:
            stmt = stmt.where(CaseRow.unit_code == unit)
        if status == "open":
            stmt = stmt.where(CaseRow.status != "resolved")
        elif status == "closed":
            stmt = stmt.where(CaseRow.status == "resolved")
        if search:
            pattern = f"%{search.strip().lower()}%"
            stmt = stmt.where(or_(func.lower(CaseRow.text).like(pattern),
                                  func.lower(CaseRow.answer).like(pattern),
                                  func.lower(CaseRow.code).like(pattern)))
        total = (await self.session.execute(select(func.count()).select_from(stmt.subquery()))
                 ).scalar_one()
        rows = (await self.session.execute(
            stmt.order_by(CaseRow.received_at.desc(), CaseRow.id.desc())
            .limit(limit).offset(offset))).scalars()
        return [_public(r) for r in rows], int(total)

    async def case(self, code: str) -> PublicCase | None:
        row = (await self.session.execute(select(CaseRow).where(
            CaseRow.code == code, CaseRow.channel != "import"))).scalar_one_or_none()
        return _public(row) if row else None


def _public(row: CaseRow) -> PublicCase:
    return PublicCase(row.code, row.field_code, row.unit_code, row.area_code, row.status,
                      row.received_at, row.due_at, row.resolved_at, row.updated_at, row.text,
                      row.answer, row.latitude, row.longitude,
                      (row.contact_name, row.contact_address, row.contact_phone),
                      row.procedure_code, row.extended_due_at)
