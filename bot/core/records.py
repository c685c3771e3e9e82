"""The plain records the core's ports exchange (bot.core.ports), which storage
implements. No SQLAlchemy here, and nothing of the bot: storage imports this module and
bot.core.errors, and no other of the bot (import-linter)."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

OPTIONS_KEY = "_options"
MAX_ID = 2**63 - 1
"""The largest id any table can hold (BIGINT): a larger number names nothing."""


@dataclass
class Dialog:
    """Conversation state of one chat."""

    channel: str
    chat_id: str
    state: str = "idle"
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    """0 for a chat never seen; the store bumps it on every save."""
    discarded: bool = False
    """The chat's person erased their data: the state is not written back."""

    def reset(self, state: str = "idle", **data: Any) -> None:
        self.state = state
        self.data = dict(data)

    def offer(self, options: list[tuple[str, str]]) -> None:
        """Remember the (label, payload) options just shown, so that an answer typed as
        a number or a label counts as pressing one, while the state stays the same."""
        self.data[OPTIONS_KEY] = {"state": self.state, "items": options}

    def offered(self) -> list[list[str]] | None:
        offer = self.data.get(OPTIONS_KEY)
        if offer and offer.get("state") == self.state:
            return list(offer["items"])
        return None

    def forget_offer(self) -> None:
        self.data.pop(OPTIONS_KEY, None)


@dataclass(frozen=True)
class Chat:
    channel: str
    chat_id: str


@dataclass(frozen=True)
class Outgoing:
    """A message to put in the outbox. `idem_key` makes enqueueing it twice a no-op."""

    chat: Chat
    body: dict[str, Any]
    idem_key: str
    kind: str = "send"
    case_id: int | None = None
    card_case_id: int | None = None
    edit_of: int | None = None
    sensitive: bool = False
    request_id: str | None = None
    """The request that made the message, so its delivery is logged under the same id."""


@dataclass(frozen=True)
class Queued:
    """An outbox row claimed for delivery."""

    id: int
    chat: Chat
    kind: str
    body: dict[str, Any]
    attempts: int
    edit_target: str | None = None
    """For an edit: the channel's id of the message to change, once it is known."""
    sensitive: bool = False
    chat_pseudonym: str | None = None
    request_id: str | None = None
    lease_until: datetime | None = None


class LeaseHolder(Protocol):
    """Who sends a transaction's messages as soon as it commits (bot.delivery.outbox), so they
    need no claim: they are leased as they are put in the outbox."""

    @property
    def channels(self) -> Collection[str]: ...

    def held(self, channel: str, chat_id: str) -> int | None:
        """The last message of the chat the holder leased and has not recorded yet (0 for
        none); None when the chat's next messages must wait for the queue."""


class FileKind(StrEnum):
    UPLOAD = "upload"
    """A person's photo: deleted when no case takes it within a day."""
    DOCUMENT = "document"
    """Made by the bot for a person (an apology's PDF, a chart)."""
    EXPORT = "export"
    """Data for administrators: served only to them, signed in on the dashboard."""


@dataclass(frozen=True)
class Attachment:
    id: int
    owner_id: int
    case_id: int | None
    channel: str
    telegram_file_id: str | None
    content: bytes | None
    mime: str
    filename: str | None = None
    source_url: str | None = None
    key: str = ""
    kind: FileKind = FileKind.UPLOAD


@dataclass(frozen=True)
class Invite:
    role: str
    unit: str | None


@dataclass(frozen=True)
class Override:
    day: date
    kind: str
    """"off" or "work"."""
    reason: str


@dataclass(frozen=True)
class Confirmation:
    """An administrator's word that a year's calendar is right as it stands."""

    year: int
    by: str
    at: datetime


@dataclass(frozen=True)
class ApologyRecord:
    case_id: int
    kind: str
    number: str
    unit: str
    reason: str
    new_due_at: datetime | None
    official_id: int | None
    official_name: str
    official_title: str
    document_id: int | None
    issued_at: datetime


@dataclass(frozen=True)
class RatingRecord:
    case_id: int
    unit: str
    field: str
    staff_id: int | None
    asked_at: datetime
    score: int | None = None
    reason: str | None = None
    comment: str | None = None
    rated_at: datetime | None = None
    reminded_at: datetime | None = None


@dataclass(frozen=True)
class SurveyToken:
    id: int
    procedure: str
    unit: str | None
    desk: str | None


@dataclass(frozen=True)
class NewRating:
    """A survey response to store; `source`/`source_id` make storing it twice a no-op."""

    source: str
    source_id: str
    rated_at: datetime
    unit: str
    field: str
    procedure: str | None
    channel: str
    score: int
    answers: dict[str, Any]
    comment: str | None = None
    dossier: str | None = None
    verified: bool = False
    """Tied to a known dossier: counts toward the targets; one per dossier."""
    desk_token_id: int | None = None
    origin: str | None = None
    new_identity: bool = False


class Stored(StrEnum):
    """What storing a rating did: stored; stored in place of the dossier's earlier
    rating; kept as replaced because the dossier has a later one; nothing (stored
    before, under the same source and id)."""

    NEW = "new"
    REPLACED = "replaced"
    KEPT_OLDER = "kept_older"
    EXISTS = "exists"


@dataclass(frozen=True)
class Erasure:
    """What was erased of a person's data at their request, for telling them."""

    cases: int
    photos: int
    messages: int
    chats: tuple[tuple[Chat, str], ...] = ()
    """The person's chats with the pseudonym each takes once the last message to it (the
    confirmation) has gone."""


@dataclass(frozen=True)
class Refusal:
    """An action someone was refused: who (account, channel), what, on which case, why."""

    account_id: int
    channel: str
    update_key: str | None
    action: str
    case_id: int | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class Follower:
    """A chat following a dossier."""

    id: int
    dossier_id: int
    account_id: int
    chat: Chat
    via: str
    followed_at: datetime
    rating_asked_at: datetime | None


@dataclass(frozen=True)
class SenderChat:
    """A chat that speaks for a PAKN's sender (it proved it holds the phone on the case),
    or is waiting for the code to."""

    case_id: int
    account_id: int
    chat: Chat
    code_hash: str | None
    code_expires_at: datetime | None
    wrong_tries: int
    followed_at: datetime | None
    via: str | None


@dataclass(frozen=True)
class CaseFollower:
    """A citizen's chat following a case they did not file (the same problem)."""

    case_id: int
    account_id: int
    chat: Chat
    via: str
    followed_at: datetime
    score: int | None


@dataclass(frozen=True)
class DossierEvent:
    kind: str
    status: str
    at: datetime
    recorded_at: datetime
    source: str
    data: dict[str, Any]


@dataclass(frozen=True)
class DossierApology:
    """The written apology and request for more time of one dossier."""

    dossier_id: int
    number: str
    unit: str
    reason: str
    new_due_at: datetime
    owed_by: datetime
    """The end of the working day before the due date: in time when issued by then."""
    official_id: int | None
    official_name: str
    official_title: str
    document_id: int | None
    issued_at: datetime

    @property
    def in_time(self) -> bool:
        return self.issued_at <= self.owed_by


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    account_id: int | None
    action: str
    data: dict[str, Any]


@dataclass(frozen=True)
class IntakeRecord:
    """A PAKN taken by staff: who took it, the email given, the consent recorded."""

    case_id: int
    taken_by: int
    taken_at: datetime
    email: str | None
    consent_basis: str
    consent_recorded_by: int
    consent_recorded_at: datetime


@dataclass(frozen=True)
class ZaloTokens:
    """The Zalo Official Account's token pair."""

    access_token: str | None
    refresh_token: str
    expires_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class ApiKey:
    """An API key as its holder and the operators know it (never the key itself)."""

    id: int
    name: str
    account_id: int
    created_at: datetime
    revoked_at: datetime | None
    scopes: frozenset[str] = frozenset({"open311"})


@dataclass
class HealthFigures:
    """What a metrics scrape reads from the database (storage.health)."""

    outbox_depth: dict[str, int] = field(default_factory=dict)
    """Messages owed (pending), by channel."""
    outbox_oldest: dict[str, datetime] = field(default_factory=dict)
    """When the oldest message still owed was made, by channel."""
    cases_open: dict[str, int] = field(default_factory=dict)
    cases_overdue: dict[str, int] = field(default_factory=dict)
    scheduler_round_at: datetime | None = None
