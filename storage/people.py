"""Accounts, their channel identities, consent records and invites."""

from datetime import datetime

from sqlalchemy import Table, bindparam, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import Chat, Invite
from complaints.people import Account, Role
from storage.conversation import SqlDialogRepository, dialog_probe
from storage.directory import SqlDirectoryRepository, version_probe
from storage.models import AccountRow, ConsentRow, IdentityRow, InviteRow
from storage.prepared import Prepared

_ACCOUNTS: Table = AccountRow.__table__  # type: ignore[assignment]
_IDENTITIES: Table = IdentityRow.__table__  # type: ignore[assignment]
# Every update identifies its sender: built and compiled once (storage.prepared), and
# read as columns, not as ORM objects, with the directory's version and the state of the
# chat the message came from, which the update reads next (benchmarks/RESULTS.md).
_CHAT = dialog_probe(_IDENTITIES.c.channel)
_KNOWN = Prepared(select(_ACCOUNTS.c.id, _ACCOUNTS.c.role, _ACCOUNTS.c.unit_code,
                 _ACCOUNTS.c.display_name, _ACCOUNTS.c.language, _ACCOUNTS.c.consent_version,
                 _ACCOUNTS.c.profile_withheld, _IDENTITIES.c.id.label("identity_id"),
                 _IDENTITIES.c.chat_id, _IDENTITIES.c.profile_name,
                 _IDENTITIES.c.language_code, version_probe().label("directory_version"),
                 *_CHAT.columns)
          .join_from(_ACCOUNTS, _IDENTITIES, _IDENTITIES.c.account_id == _ACCOUNTS.c.id)
          .outerjoin(_CHAT.table, _CHAT.on)
          .where(_IDENTITIES.c.channel == bindparam("in_channel"),
                 _IDENTITIES.c.external_id == bindparam("in_external_id")))
_CONSENTS: Table = ConsentRow.__table__  # type: ignore[assignment]
# Read or written by most messages of a PAKN (the account again after consent, the
# unit's staff sent its card): run on the driver too.
_ACCOUNT = Prepared(select(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account_id")))
_MEMBERS = Prepared(select(_ACCOUNTS).where(
    _ACCOUNTS.c.unit_code == bindparam("unit"),
    _ACCOUNTS.c.role.in_([literal(Role.STAFF.value), literal(Role.HEAD.value)]))
    .order_by(_ACCOUNTS.c.id))
_CONSENT = Prepared(insert(_CONSENTS).values(
    account_id=bindparam("account_id"), notice_version=bindparam("version"),
    channel=bindparam("channel"), given_at=bindparam("now")))
_CONSENTED = Prepared(update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account_id")).values(
    consent_version=bindparam("version"), consent_at=bindparam("now"), profile_withheld=False))
# A person's first message: whether they erased their data before, their account and
# their identity.
_ERASED = Prepared(select(_IDENTITIES.c.id).where(
    _IDENTITIES.c.channel == bindparam("channel"),
    _IDENTITIES.c.external_id == bindparam("erased_as")).limit(1))
_NEW_ACCOUNT = Prepared(insert(_ACCOUNTS).values(
    role=Role.CITIZEN.value, display_name=bindparam("name"), created_at=bindparam("now"),
    profile_withheld=bindparam("withheld")).returning(_ACCOUNTS.c.id))
_NEW_IDENTITY = Prepared(insert(_IDENTITIES).values(
    account_id=bindparam("account_id"), channel=bindparam("channel"),
    external_id=bindparam("external_id"), chat_id=bindparam("chat_id"),
    profile_name=bindparam("profile_name"), language_code=bindparam("language_code"),
    created_at=bindparam("now")))
_SEEN_AS = Prepared(update(_IDENTITIES).where(_IDENTITIES.c.id == bindparam("identity")).values(
    chat_id=bindparam("chat_id"), profile_name=bindparam("profile_name"),
    language_code=bindparam("language_code")))


class SqlAccountRepository:
    def __init__(self, session: AsyncSession, directory: SqlDirectoryRepository,
                 dialogs: SqlDialogRepository) -> None:
        self.session = session
        self.directory = directory
        """Told the directory's version read along with a known user (every update
        identifies its sender, then loads the directory)."""
        self.dialogs = dialogs
        """Told the state of the chat read along with a known user (then loaded)."""

    async def identify(self, channel: str, external_id: str, chat_id: str, profile_name: str,
                       language_code: str | None, now: datetime,
                       erased_as: str | None = None) -> Account:
        """The account behind a channel user, created on first contact. `erased_as`: the
        user's pseudonym, were they erased; a new user found under it erased their data
        before, and the name their chat app shows is not stored until they consent again."""
        found = (await _KNOWN.run(self.session, {
            "in_channel": channel, "in_external_id": external_id, "in_chat": chat_id})).first()
        if found is None:
            withheld = erased_as is not None and (await _ERASED.run(self.session, {
                "channel": channel, "erased_as": erased_as})).first() is not None
            if withheld:
                profile_name = ""
            account_id = (await _NEW_ACCOUNT.run(self.session, {
                "name": profile_name, "now": now, "withheld": withheld})).scalar_one_or_none()
            await _NEW_IDENTITY.run(self.session, {
                "account_id": account_id, "channel": channel, "external_id": external_id,
                "chat_id": chat_id, "profile_name": profile_name,
                "language_code": language_code, "now": now})
            return Account(id=account_id, role=Role.CITIZEN, unit=None, name=profile_name,
                           language=None, consent_version=None)
        self.directory.probed = found.directory_version
        self.dialogs.probe(channel, chat_id, found.dialog_state, found.dialog_data,
                           found.dialog_version)
        if found.profile_withheld:
            profile_name = found.profile_name
        if (found.chat_id, found.profile_name, found.language_code) != (
                chat_id, profile_name, language_code):
            await _SEEN_AS.run(self.session, {
                "identity": found.identity_id, "chat_id": chat_id,
                "profile_name": profile_name, "language_code": language_code})
        return Account(id=found.id, role=Role(found.role), unit=found.unit_code,
                       name=found.display_name, language=found.language,
                       consent_version=found.consent_version)

    async def find(self, channel: str, external_id: str) -> Account | None:
        """The account of a channel user, if the service has met them."""
        row = (await self.session.execute(
            select(AccountRow).join(IdentityRow, IdentityRow.account_id == AccountRow.id)
            .where(IdentityRow.channel == channel, IdentityRow.external_id == external_id))
        ).scalar_one_or_none()
        return _account(row) if row else None

    async def get(self, account_id: int) -> Account | None:
        row = (await _ACCOUNT.run(self.session, {"account_id": account_id})).first()
        return _account(row) if row else None

    async def set_language(self, account_id: int, language: str) -> None:
        await self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id).values(language=language))

    async def record_consent(self, account_id: int, notice_version: str, channel: str,
                             now: datetime) -> None:
        values = {"account_id": account_id, "version": notice_version, "now": now}
        await _CONSENT.run(self.session, values | {"channel": channel})
        await _CONSENTED.run(self.session, values)

    async def set_role(self, account_id: int, role: Role, unit: str | None) -> None:
        await self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id)
            .values(role=role.value, unit_code=unit))

    async def set_title(self, account_id: int, title: str) -> None:
        await self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id).values(title=title))

    async def title(self, account_id: int) -> str:
        return (await self.session.execute(
            select(AccountRow.title).where(AccountRow.id == account_id))).scalar_one_or_none() or ""

    async def heads(self, unit: str) -> list[Account]:
        rows = await self.session.execute(
            select(AccountRow).where(AccountRow.unit_code == unit,
                                     AccountRow.role == Role.HEAD.value).order_by(AccountRow.id))
        return [_account(r) for r in rows.scalars()]

    async def set_name(self, account_id: int, name: str) -> None:
        await self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id).values(display_name=name))

    async def chats(self, account_id: int) -> list[Chat]:
        rows = await self.session.execute(
            select(IdentityRow.channel, IdentityRow.chat_id)
            .where(IdentityRow.account_id == account_id).order_by(IdentityRow.id))
        return [Chat(channel, chat_id) for channel, chat_id in rows]

    async def members(self, unit: str) -> list[Account]:
        return [_account(row) for row in await _MEMBERS.run(self.session, {"unit": unit})]

    async def staffed_units(self) -> set[str]:
        """The units that have at least one member of staff."""
        rows = await self.session.execute(
            select(AccountRow.unit_code).where(
                AccountRow.unit_code.is_not(None),
                AccountRow.role.in_([Role.STAFF.value, Role.HEAD.value])).distinct())
        return {str(unit) for unit in rows.scalars()}

    async def staff(self, unit: str | None) -> list[Account]:
        """Staff, heads and administrators (of one unit: its staff and heads)."""
        roles = [Role.STAFF.value, Role.HEAD.value]
        stmt = select(AccountRow)
        if unit is None:
            stmt = stmt.where(AccountRow.role.in_([*roles, Role.ADMIN.value]))
        else:
            stmt = stmt.where(AccountRow.role.in_(roles), AccountRow.unit_code == unit)
        rows = await self.session.execute(stmt.order_by(AccountRow.unit_code, AccountRow.id))
        return [_account(r) for r in rows.scalars()]

    async def admins(self) -> list[Account]:
        rows = await self.session.execute(
            select(AccountRow).where(AccountRow.role == Role.ADMIN.value).order_by(AccountRow.id))
        return [_account(r) for r in rows.scalars()]

    async def language_code(self, account_id: int) -> str | None:
        """The language the person's app reports, for accounts that never chose one."""
        return (await self.session.execute(
            select(IdentityRow.language_code).where(IdentityRow.account_id == account_id)
            .order_by(IdentityRow.id.desc()).limit(1))).scalar_one_or_none()

    async def created_at(self, account_id: int) -> datetime:
        return (await self.session.execute(select(AccountRow.created_at).where(
            AccountRow.id == account_id))).scalar_one()


class SqlInviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, token_hash: str, role: Role, unit: str | None,
                     created_by: int | None, now: datetime, expires_at: datetime) -> None:
        self.session.add(InviteRow(token_hash=token_hash, role=role.value, unit_code=unit,
                                   created_by=created_by, created_at=now,
                                   expires_at=expires_at))
        await self.session.flush()

    async def redeem(self, token_hash: str, account_id: int, now: datetime) -> Invite | None:
        """Use an invite once: the conditional update makes a second use find nothing."""
        result = await self.session.execute(
            update(InviteRow)
            .where(InviteRow.token_hash == token_hash, InviteRow.used_at.is_(None),
                   InviteRow.expires_at > now)
            .values(used_at=now, used_by=account_id)
            .returning(InviteRow.role, InviteRow.unit_code))
        found = result.first()
        return Invite(found.role, found.unit_code) if found else None


def _account(row: AccountRow) -> Account:
    return Account(id=row.id, role=Role(row.role), unit=row.unit_code, name=row.display_name,
                   language=row.language, consent_version=row.consent_version)
