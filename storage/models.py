"""Tables. Times are stored in UTC (timezone-aware columns; SQLite keeps them as UTC text)."""

import secrets
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")


def new_file_key() -> str:
    return secrets.token_urlsafe(16)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Meta(Base):
    """Small facts about the deployment (directory version, the bot's username)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Counter(Base):
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


# --- directory ---------------------------------------------------------------------------

class AreaRow(Base):
    __tablename__ = "areas"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UnitRow(Base):
    __tablename__ = "units"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    area_code: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)


class UnitSuccessorRow(Base):
    """A unit that ended and one of the units that took over its work (migration 0013)."""

    __tablename__ = "unit_successors"
    unit_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    successor_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    """0 for the main successor, which records roll up into as organised now."""


class FieldRow(Base):
    __tablename__ = "fields"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    satisfaction_target: Mapped[float] = mapped_column(Float)
    resolve_days: Mapped[int] = mapped_column(Integer)
    transfer_days: Mapped[int] = mapped_column(Integer)
    dossier_on_time_target: Mapped[float | None] = mapped_column(Float)
    """The field's own target for dossiers settled on time (land, construction: 95%)."""
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ProcedureRow(Base):
    __tablename__ = "procedures"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_vi: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    field_code: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoutingRuleRow(Base):
    __tablename__ = "routing_rules"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    field_code: Mapped[str | None] = mapped_column(String(64))
    area_code: Mapped[str | None] = mapped_column(String(32))
    unit_code: Mapped[str] = mapped_column(String(32))
    to_area_unit: Mapped[bool] = mapped_column(Boolean, default=False)


# --- people ------------------------------------------------------------------------------

class AccountRow(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="citizen")
    unit_code: Mapped[str | None] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """Job title for signed papers (an apology), as the person gave it."""
    language: Mapped[str | None] = mapped_column(String(8))
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    profile_withheld: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    """The name the person's chat apps show is not stored: they erased their data from
    this chat and have not consented again."""
    erased_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_accounts_unit_role", "unit_code", "role"),)


class IdentityRow(Base):
    """An account as seen by one channel: its user id and the chat to write to."""

    __tablename__ = "identities"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    profile_name: Mapped[str] = mapped_column(String(200), default="")
    language_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("channel", "external_id"),)


class ConsentRow(Base):
    """Proof of consent: who agreed to which notice version, when, through which channel."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    notice_version: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime]


class InviteRow(Base):
    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


# --- cases -------------------------------------------------------------------------------

class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    reply_channel: Mapped[str | None] = mapped_column(String(16))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[str] = mapped_column(String(20))
    contact_address: Mapped[str] = mapped_column(String(500))
    field_code: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str | None] = mapped_column(String(32))
    area_code: Mapped[str | None] = mapped_column(String(32))
    unit_code: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    resolved_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(Text)
    routed_at: Mapped[datetime | None]
    transfer_due_at: Mapped[datetime | None]
    extended_due_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    """Set when the case was closed as a duplicate of that one."""
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_cases_similar", "field_code", "area_code", "status"),
        Index("ix_cases_unit_status_due", "unit_code", "status", "due_at"),
        Index("ix_cases_status_due", "status", "due_at"),
        # Covering the counts of the indicators (storage/indicators.py).
        Index("ix_cases_due_counts", "due_at", "resolved_at", "unit_code", "field_code"),
        Index("ix_cases_resolved_counts", "resolved_at", "id"),
    )


class IntakeRow(Base):
    """A PAKN taken by staff for a citizen: who took it, the email given (the phone is the
    case's), and the consent to processing their data, as given and as recorded."""

    __tablename__ = "intakes"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    taken_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    taken_at: Mapped[datetime]
    email: Mapped[str | None] = mapped_column(String(254))
    consent_basis: Mapped[str] = mapped_column(String(16))
    consent_recorded_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    consent_recorded_at: Mapped[datetime]
class CaseFollowerRow(Base):
    """A citizen's chat following a case they did not file: the same problem, raised by
    them too (they chose to follow it, or staff merged their case into it). They are sent
    its answer and asked to rate it."""

    __tablename__ = "case_followers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    via: Mapped[str] = mapped_column(String(8))
    """"follow" (chosen when filing) or "merge" (their case was merged into this one)."""
    followed_at: Mapped[datetime]
    score: Mapped[int | None] = mapped_column(Integer)
    """Their rating of the handling, on the five-level scale."""
    rated_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("case_id", "account_id"),)


class CaseEventRow(Base):
    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]


class AttachmentRow(Base):
    """A photo a person sent (kept as Telegram's file id, as bytes, or both), or a document
    the bot made for a person."""

    __tablename__ = "attachments"
    # AUTOINCREMENT: SQLite would otherwise give the id of the last row deleted to the
    # next file, and a link or a message naming that id would show it.
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), default=new_file_key)
    """Random, per file: the signed links bind it, so a link names this file and no other
    that may get its id (a database restored from a backup)."""
    kind: Mapped[str] = mapped_column(String(16), default="upload", index=True)
    """upload (a person's photo), document (made for a person), export (for admins only)."""
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    channel: Mapped[str] = mapped_column(String(16))
    telegram_file_id: Mapped[str | None] = mapped_column(String(256))
    source_url: Mapped[str | None] = mapped_column(Text)
    """Where a channel that sends photos by link (Zalo) put it; fetched when needed."""
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    mime: Mapped[str] = mapped_column(String(128), default="image/jpeg")
    filename: Mapped[str | None] = mapped_column(String(200))
    """For documents the bot made (an apology's PDF): the name it is sent under."""
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class UploadQuotaRow(Base):
    """Uploads and their bytes per subject (an account, a client address) in one clock
    hour: counted in the database so that the quota holds across service processes."""

    __tablename__ = "upload_quota"
    subject: Mapped[str] = mapped_column(String(120), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    """The start of the clock hour (UTC)."""
    uploads: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(BigInteger, default=0)


# --- conversation and delivery -----------------------------------------------------------

class DialogRow(Base):
    """Conversation state of one chat; `version` guards against concurrent workers."""

    __tablename__ = "dialogs"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[str] = mapped_column(String(64), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class InboundRow(Base):
    """Every update a channel delivered, once: the dedupe key and what the person sent."""

    __tablename__ = "inbound"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("channel", "update_key"),
        Index("ix_inbound_chat", "channel", "chat_id", "id"),
    )


class OutboxRow(Base):
    """A message owed to a chat. Sent in order per chat; never dropped silently."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    idem_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="send")
    body: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    external_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    card_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    """Set on a case card, so later changes to the case can edit it in place."""
    edit_of: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    """A secret (sign-in code, invite) or personal details: the body is replaced once the
    message is delivered or given up, and a document it carried is emptied."""
    chat_pseudonym: Mapped[str | None] = mapped_column(String(128))
    """The chat's pseudonym after an erasure: its id is replaced by it once delivered."""
    report: Mapped[str | None] = mapped_column(String(16))
    """What the channel reported after taking the message (an SMS gateway's delivery
    report): "delivered" or "failed"."""
    reported_at: Mapped[datetime | None]
    request_id: Mapped[str | None] = mapped_column(String(32))
    """The request that made the message (bot.runtime.logs): its delivery is logged under it."""

    __table_args__ = (
        Index("ix_outbox_pending", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "channel", "chat_id", "status", "id"),
        Index("ix_outbox_card", "card_case_id"),
        # A delivery report finds its message by (channel, external_id); a reply in a chat
        # names the message it answers by the channel's id for it, in that chat.
        Index("ix_outbox_external", "channel", "external_id", "chat_id"),
    )


class RefusalRow(Base):
    """An action someone was refused (not theirs to do, no longer possible, a button from
    an earlier step or never made by us): who tried what, on which case, and why. Kept
    though everything the action would have changed is undone."""

    __tablename__ = "refusals"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    channel: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str | None] = mapped_column(String(128))
    """The refused message's key in the inbound record, when it came as a message."""
    action: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(Id)
    """No foreign key: a forged button may name a case that does not exist."""
    reason: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_refusals_case", "case_id", "at"),
        Index("ix_refusals_account", "account_id", "at"),
    )


# --- deadlines, apologies, ratings ----------------------------------------------------------

class CalendarOverrideRow(Base):
    """A day an administrator declared off or working, on top of the public holidays."""

    __tablename__ = "calendar_overrides"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]


class CalendarConfirmationRow(Base):
    """A year whose calendar an administrator confirmed: no longer shown as an estimate."""

    __tablename__ = "calendar_confirmations"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    confirmed_by: Mapped[str] = mapped_column(String(200))
    confirmed_at: Mapped[datetime]


class ApologyRow(Base):
    """A written apology sent to a citizen (Thông tư 03/2025/TT-VPCP, Mẫu số 04), with its
    document."""

    __tablename__ = "apologies"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(40))
    unit_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    new_due_at: Mapped[datetime | None]
    official_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    official_name: Mapped[str] = mapped_column(String(200))
    official_title: Mapped[str] = mapped_column(String(200))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    issued_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("case_id", "kind"),)


class HandlingRatingRow(Base):
    """The citizen's rating of how their PAKN was handled. The unit and the official are
    frozen when the rating is asked, so a later change of staff does not move it."""

    __tablename__ = "handling_ratings"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    unit_code: Mapped[str] = mapped_column(String(32))
    field_code: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    asked_at: Mapped[datetime]
    score: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_handling_ratings_pending", "rated_at", "asked_at"),
        Index("ix_handling_ratings_counts", "case_id", "score", "unit_code", "field_code"),
    )


# --- surveys --------------------------------------------------------------------------------

class RatingRow(Base):
    """One response to the satisfaction survey of a procedure, anonymous: it keeps where
    and how the procedure was done and the answers, never who answered.

    `verified`: tied to a known dossier (its one-time link, or a dossier the rater
    follows), at most one per dossier; only these count toward the targets unless an
    administrator includes the unverified ones for a unit and period."""

    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    """"bot" for answers given here, "import:<name>" for paper surveys imported."""
    source_id: Mapped[str] = mapped_column(String(100))
    rated_at: Mapped[datetime]
    unit_code: Mapped[str] = mapped_column(String(32))
    field_code: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]]
    comment: Mapped[str | None] = mapped_column(Text)
    dossier: Mapped[str | None] = mapped_column(String(64))
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    desk_token_id: Mapped[int | None] = mapped_column(Id)
    """The desk's QR code an unverified rating came through, to see bursts at one desk."""
    origin: Mapped[str | None] = mapped_column(String(32))
    """A keyed hash of the web client's network address (never the address), to see
    bursts from one place; cleared after 30 days (bot.scheduler)."""
    new_identity: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    """The rater's chat identity was minutes old: what a stuffing script looks like."""

    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_ratings_unit", "unit_code", "rated_at"),
        Index("ix_ratings_field", "field_code", "rated_at"),
        # Covering the counts of the indicators (storage/indicators.py).
        Index("ix_ratings_counts", "rated_at", "verified", "score", "unit_code", "field_code"),
        Index("ix_ratings_unit_field", "unit_code", "field_code", "rated_at", "verified",
              "score"),
        # One current rating per dossier; the ones it replaced are in replaced_ratings.
        Index("uq_ratings_verified_dossier", "dossier", unique=True,
              sqlite_where=text("verified"), postgresql_where=text("verified")),
        Index("ix_ratings_origin_age", "rated_at", sqlite_where=text("origin IS NOT NULL"),
              postgresql_where=text("origin IS NOT NULL")),
    )


class ReplacedRatingRow(Base):
    """A verified rating of a dossier that a later rating of the same dossier replaced:
    kept as it was, with when and by which, and no longer counted."""

    __tablename__ = "replaced_ratings"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    rating_id: Mapped[int | None] = mapped_column(Id)
    """Its id while it counted; None for one that came in after a later rating."""
    replaced_by: Mapped[int] = mapped_column(ForeignKey("ratings.id"), index=True)
    replaced_at: Mapped[datetime]
    dossier: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(200))
    source_id: Mapped[str] = mapped_column(String(100))
    rated_at: Mapped[datetime]
    unit_code: Mapped[str] = mapped_column(String(32))
    field_code: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]]
    comment: Mapped[str | None] = mapped_column(Text)


class RatingInclusionRow(Base):
    """An administrator's decision to count the unverified ratings of a unit in a span of
    days toward its targets; revoked rather than deleted, so the record stays."""

    __tablename__ = "rating_inclusions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(32))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    included_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    included_at: Mapped[datetime]
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_rating_inclusions_unit", "unit_code", "first_day"),)


class SurveyTokenRow(Base):
    """What a QR code at a desk stands for: a procedure (and unit, desk). Earlier
    versions also made one per dossier (`dossier`, spent at `used_at`): its ratings are
    now unverified like any desk's, as anyone holding it could give them; a dossier's
    link is its follow-and-rate link (bot.core.dossiers)."""

    __tablename__ = "survey_tokens"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str | None] = mapped_column(String(32))
    desk: Mapped[str | None] = mapped_column(String(100))
    dossier: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SurveyDraftRow(Base):
    """A survey left half-answered, to be resumed; deleted when it is finished."""

    __tablename__ = "survey_drafts"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class ZaloTokenRow(Base):
    """The Zalo Official Account's tokens. The refresh token is single-use: the row is
    locked while it is exchanged, so two workers never spend the same one."""

    __tablename__ = "zalo_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


# --- the web: sign-in, sessions, API keys ---------------------------------------------------

class LoginCodeRow(Base):
    """A one-time code the bot gave a staff member or administrator to sign in on the web."""

    __tablename__ = "login_codes"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSessionRow(Base):
    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class ApiKeyRow(Base):
    """A key for an app using the API, issued with `pakn api-key create`."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(String(200), default="open311",
                                        server_default="open311")
    """What the key may do, separated by spaces: open311, dossiers:write."""
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


# --- dossiers of administrative procedures (from the one-stop system) ----------------------

class DossierRow(Base):
    """A dossier as the province's one-stop system last described it. Its due date is the
    original one (what the on-time indicator counts against); a later date is kept apart."""

    __tablename__ = "dossiers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str] = mapped_column(String(32))
    field_code: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]
    extended_due_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    phone: Mapped[str | None] = mapped_column(String(20))
    """The applicant's phone as the one-stop system gave it: the second key to follow it."""
    apology_asked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        # Covering the counts of the on-time indicator (storage/indicators.py).
        Index("ix_dossiers_due_counts", "due_at", "status", "finished_at", "returned_at",
              "unit_code", "field_code", "procedure_code", "id"),
        # The unit-by-field counts on SQLite, one (field, unit) range at a time; led by
        # the field so that the fields present are found by seeking it too.
        Index("ix_dossiers_field_unit_counts", "field_code", "unit_code", "due_at", "status",
              "finished_at", "returned_at", "id"),
        Index("ix_dossiers_unit_due", "unit_code", "due_at"),
    )


class DossierEventRow(Base):
    """A change of a dossier (received, a new status, a later date, a correction), with
    when it happened as far as known and when it was recorded, so the dossier's outcome
    can be worked out again from its history."""

    __tablename__ = "dossier_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]


class DossierFollowerRow(Base):
    """A chat that follows a dossier: told of its changes, asked to rate it once."""

    __tablename__ = "dossier_followers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    via: Mapped[str] = mapped_column(String(8))
    """"link" (the receipt's one-time link) or "phone" (the code and the phone)."""
    followed_at: Mapped[datetime]
    rating_asked_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("dossier_id", "channel", "chat_id"),)


class SenderChatRow(Base):
    """A chat that speaks for a PAKN's sender without being the chat it was filed from
    (staff took it by phone, letter or at the desk): it proved it holds the phone on the
    case, and gets what the sender is owed, may rate and reopen. Pending while the one-time
    code sent to the case's phone is awaited, followed once it was typed (or the phone
    shared matched)."""

    __tablename__ = "sender_chats"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None]
    wrong_tries: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    followed_at: Mapped[datetime | None]
    via: Mapped[str | None] = mapped_column(String(8))
    """"sms" (the code sent to the case's phone) or "contact" (the phone shared)."""

    __table_args__ = (UniqueConstraint("case_id", "channel", "chat_id"),)


class DossierLinkRow(Base):
    """A dossier's one-time follow-and-rate link, spent by the first chat that opens it."""

    __tablename__ = "dossier_links"
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    used_at: Mapped[datetime]
    used_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))


class FollowAttemptRow(Base):
    """A try to follow a dossier by its code and phone, kept to slow down guessing."""

    __tablename__ = "follow_attempts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    code: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    succeeded: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ix_follow_attempts_account", "account_id", "at"),
                      Index("ix_follow_attempts_code", "code", "at"))


class DossierApologyRow(Base):
    """The written apology and request for more time sent for a dossier that will be late,
    with the moment it was owed by (one working day before the due date), so whether it
    came in time never depends on a later change of the calendar."""

    __tablename__ = "dossier_apologies"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    number: Mapped[str] = mapped_column(String(40))
    unit_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    new_due_at: Mapped[datetime]
    owed_by: Mapped[datetime]
    official_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    official_name: Mapped[str] = mapped_column(String(200))
    official_title: Mapped[str] = mapped_column(String(200))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    issued_at: Mapped[datetime]


class AuditRow(Base):
    """What an administrator decided that changes published figures or access, kept."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    action: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]

    __table_args__ = (Index("ix_audit_log_at", "at"),)


class PublicationRow(Base):
    """The decision on publishing a resolved case's texts, by a person who saw them: the
    question and answer exactly as approved (the anonymiser's proposal, edited), with who
    approved them and when; or that they are not to be published. The decision holds for
    the resolution it was taken on (`case_resolved_at`, `case_reopened_at`): a case
    reopened and resolved again waits for a new one."""

    __tablename__ = "publications"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    """approved, rejected or withdrawn."""
    case_resolved_at: Mapped[datetime]
    case_reopened_at: Mapped[datetime | None]
    """With the resolution, which one it was: a case is reopened at most once."""
    question: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    search_text: Mapped[str | None] = mapped_column(Text)
    """The code and the approved texts folded (lower case, no diacritics) for searching."""
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    approved_at: Mapped[datetime | None]
    decided_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime]

    __table_args__ = (Index("ix_publications_status_case", "status", "case_id"),)


class RateBucketRow(Base):
    """A token bucket of the limits on anonymous doors, shared by every worker: `tokens`
    left at `stamp`, refilling at the rule's rate; `full_at`, when it will be full again
    (a full bucket is as good as no row, and is purged). Times are UTC epoch seconds so
    that both databases do the arithmetic in one statement."""

    __tablename__ = "rate_buckets"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    stamp: Mapped[float] = mapped_column(Float)
    full_at: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_rate_buckets_full_at", "full_at"),)


class DataRequestRow(Base):
    """A person's request to access, correct or erase their personal data: when it came,
    by when it is owed (Nghị định 356/2025/NĐ-CP), when and by whom it was met."""

    __tablename__ = "data_requests"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    subject: Mapped[str] = mapped_column(String(200))
    """Who asked, as staff know them (an account number, a case code): never a name."""
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime]
    answer_due_at: Mapped[datetime]
    due_at: Mapped[datetime]
    received_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    met_at: Mapped[datetime | None]
    met_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    outcome: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_data_requests_open", "met_at", "due_at"),)
