"""A PAKN case and the events of its life.

Every change to a case is an append-only event; the case row holds the current state
for queries, the events are the record of who did what and when.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from complaints.errors import InvalidTransition, NotAllowed, ValidationError
from complaints.people import Actor, Role
from complaints.privacy import REMOVED

MAX_TRANSFERS = 3
TEXT_MIN, TEXT_MAX = 20, 3000
ANSWER_MIN, ANSWER_MAX = 2, 3000
REASON_MIN = 5


class Status(StrEnum):
    RECEIVED = "received"
    """Routed to a unit, nobody has claimed it yet."""
    IN_PROGRESS = "in_progress"
    AWAITING_CITIZEN = "awaiting_citizen"
    """Staff asked the citizen for more information."""
    RESOLVED = "resolved"
    DUPLICATE = "duplicate"
    """Closed by staff as the same problem as another case, which its sender now follows
    (complaints.case.merge); left out of the PAKN on-time rate."""


OPEN_STATUSES = frozenset({Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN})


class EventKind(StrEnum):
    RECEIVED = "received"
    CLAIMED = "claimed"
    REPLIED = "replied"
    INFO_REQUESTED = "info_requested"
    INFO_PROVIDED = "info_provided"
    TRANSFERRED = "transferred"
    RESOLVED = "resolved"
    APOLOGISED = "apologised"
    REOPENED = "reopened"
    RATED = "rated"
    REORGANISED = "reorganised"
    """The unit ended and the case went to its successor."""
    RELEASED = "released"
    """Its handler left the unit (revoked or moved): the case is the unit's again."""
    FOLLOWED = "followed"
    """Another citizen with the same problem follows the case instead of filing theirs."""
    MERGED = "merged"
    """Closed as a duplicate of another case (data: into, reason)."""
    ABSORBED = "absorbed"
    """A duplicate was merged into this case (data: merged, reason)."""


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    address: str

    @property
    def erased(self) -> bool:
        """Removed at the sender's request: the case is kept without them."""
        return self.name == REMOVED


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Event:
    kind: EventKind
    at: datetime
    actor_id: int | None
    unit: str
    data: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass
class Case:
    code: str
    channel: str
    chat_id: str
    citizen_id: int
    contact: Contact
    field: str
    area: str | None
    unit: str
    text: str
    received_at: datetime
    due_at: datetime
    location: Location | None = None
    procedure: str | None = None
    """The administrative procedure the PAKN is about, when the sender named one."""
    status: Status = Status.RECEIVED
    assignee_id: int | None = None
    transfers: int = 0
    resolved_at: datetime | None = None
    answer: str | None = None
    routed_at: datetime | None = None
    """When the case reached its current unit (receipt, or the last transfer)."""
    transfer_due_at: datetime | None = None
    """Until when the current unit may forward a case outside its authority."""
    extended_due_at: datetime | None = None
    """The one new date given with a written apology; `due_at` stays the original."""
    reopened_at: datetime | None = None
    reply_channel: str | None = None
    """Where the sender is written to, when not the channel the case came by: "sms" or
    "email" for a PAKN taken by staff (the chat id is then the phone or the address)."""
    duplicate_of: int | None = None
    """The case this one was merged into, when closed as a duplicate."""
    id: int | None = None
    events: list[Event] = dataclasses.field(default_factory=list)
    """Events produced since the case was loaded, for the repository to append."""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def reply_chat(self) -> tuple[str, str] | None:
        """(channel, chat id) to write to the sender; None when they can only be answered
        on paper (a PAKN taken by staff with neither phone nor email)."""
        if not self.chat_id:
            return None
        return self.reply_channel or self.channel, self.chat_id

    @property
    def effective_due_at(self) -> datetime:
        """The date the citizen is now promised: the new date if one was given."""
        return self.extended_due_at or self.due_at


def check_text(text: str, minimum: int = TEXT_MIN, maximum: int = TEXT_MAX) -> str:
    cleaned = text.strip()
    if len(cleaned) < minimum:
        raise ValidationError("text_too_short", minimum=minimum, length=len(cleaned))
    if len(cleaned) > maximum:
        raise ValidationError("text_too_long", maximum=maximum, length=len(cleaned))
    return cleaned


def can_view(actor: Actor, case: Case) -> bool:
    """The sender, staff of the assigned unit (head included), and administrators."""
    return actor.account_id == case.citizen_id or actor.is_admin or actor.works_for(case.unit)


def can_handle(actor: Actor, case: Case) -> bool:
    return actor.is_admin or actor.works_for(case.unit)


def require_handler(actor: Actor, case: Case, action: str) -> None:
    if not can_handle(actor, case):
        raise NotAllowed(action)
    if not case.is_open:
        raise InvalidTransition(action, case.status)


def _record(case: Case, kind: EventKind, actor: Actor | None, now: datetime,
            **data: Any) -> Event:
    event = Event(kind=kind, at=now, actor_id=actor.account_id if actor else None,
                  unit=case.unit, data=data)
    case.events.append(event)
    return event


def open_case(case: Case, now: datetime, transfer_due_at: datetime) -> Event:
    """Record receipt of a newly built case."""
    case.routed_at, case.transfer_due_at = now, transfer_due_at
    return _record(case, EventKind.RECEIVED, None, now)


def claim(case: Case, actor: Actor, now: datetime) -> Event:
    require_handler(actor, case, "claim")
    if case.assignee_id == actor.account_id:
        raise InvalidTransition("claim", "already_yours")
    if case.assignee_id is not None and not (actor.is_admin or actor.role is Role.HEAD):
        raise InvalidTransition("claim", "claimed_by_other")
    case.assignee_id = actor.account_id
    if case.status is Status.RECEIVED:
        case.status = Status.IN_PROGRESS
    return _record(case, EventKind.CLAIMED, actor, now)


def _claim_if_unclaimed(case: Case, actor: Actor, now: datetime) -> None:
    if case.assignee_id is None:
        claim(case, actor, now)


def reply(case: Case, actor: Actor, text: str, now: datetime) -> Event:
    """An interim message to the citizen; the case stays open."""
    require_handler(actor, case, "reply")
    text = check_text(text, ANSWER_MIN, ANSWER_MAX)
    _claim_if_unclaimed(case, actor, now)
    return _record(case, EventKind.REPLIED, actor, now, text=text)


def request_info(case: Case, actor: Actor, question: str, now: datetime) -> Event:
    require_handler(actor, case, "request_info")
    question = check_text(question, ANSWER_MIN, ANSWER_MAX)
    _claim_if_unclaimed(case, actor, now)
    case.status = Status.AWAITING_CITIZEN
    return _record(case, EventKind.INFO_REQUESTED, actor, now, text=question)


def provide_info(case: Case, citizen: Actor, text: str | None, now: datetime,
                 attachments: tuple[int, ...] = (),
                 location: Location | None = None) -> Event:
    """The citizen adds to their case; accepted while it is open."""
    if citizen.account_id != case.citizen_id:
        raise NotAllowed("provide_info")
    if not case.is_open:
        raise InvalidTransition("provide_info", case.status)
    if text is not None:
        text = check_text(text, 1, TEXT_MAX)
    if case.status is Status.AWAITING_CITIZEN:
        case.status = Status.IN_PROGRESS
    data: dict[str, Any] = {"text": text, "attachments": list(attachments)}
    if location is not None:
        data["location"] = [location.latitude, location.longitude]
    return _record(case, EventKind.INFO_PROVIDED, citizen, now, **data)


def transfer(case: Case, actor: Actor, to_unit: str, reason: str, focal_unit: str,
             now: datetime, transfer_due_at: datetime) -> Event:
    """Move the case to another unit.

    After MAX_TRANSFERS a case can only go to the focal point, which places it itself:
    transfers made by the focal point are not capped.
    """
    require_handler(actor, case, "transfer")
    reason = check_text(reason, ANSWER_MIN, ANSWER_MAX)
    # The limit applies whatever unit was asked for; the event records that it did.
    forced = case.transfers >= MAX_TRANSFERS and case.unit != focal_unit
    if forced:
        to_unit = focal_unit
    if to_unit == case.unit:
        raise InvalidTransition("transfer", "same_unit")
    in_time = case.transfer_due_at is None or now <= case.transfer_due_at
    event = _record(case, EventKind.TRANSFERRED, actor, now, from_unit=case.unit,
                    to_unit=to_unit, reason=reason, forced_to_focal=forced, in_time=in_time)
    case.unit = to_unit
    case.transfers += 1
    case.assignee_id = None
    case.status = Status.RECEIVED
    case.routed_at, case.transfer_due_at = now, transfer_due_at
    return event


def reorganise(case: Case, to_unit: str, now: datetime, effective: date, chosen_by: str
               ) -> Event:
    """Move an open case to the unit that took over from its unit when that unit ended.

    Not a transfer: no staff member decided it, it does not count toward MAX_TRANSFERS,
    and the case keeps its status, assignee and deadlines (the work goes on in the
    successor, as the reorganisation transfers the ended unit's duties to it)."""
    event = _record(case, EventKind.REORGANISED, None, now, from_unit=case.unit,
                    to_unit=to_unit, effective=effective.isoformat(), chosen_by=chosen_by)
    case.unit = to_unit
    return event


def release(case: Case, actor: Actor | None, now: datetime, why: str) -> Event:
    """Give a case its handler claimed back to its unit, unclaimed, because the handler
    no longer works there (`why`: revoked, moved); a case waiting for the citizen keeps
    waiting."""
    event = _record(case, EventKind.RELEASED, actor, now, handler=case.assignee_id, why=why)
    case.assignee_id = None
    if case.status is Status.IN_PROGRESS:
        case.status = Status.RECEIVED
    return event


def resolve(case: Case, actor: Actor, answer: str, now: datetime) -> Event:
    require_handler(actor, case, "resolve")
    answer = check_text(answer, ANSWER_MIN, ANSWER_MAX)
    _claim_if_unclaimed(case, actor, now)
    case.status = Status.RESOLVED
    case.resolved_at = now
    case.answer = answer
    return _record(case, EventKind.RESOLVED, actor, now, text=answer)


def extend(case: Case, actor: Actor, reason: str, new_due_at: datetime, now: datetime) -> Event:
    """A written apology with the one new date the rules allow. The original deadline is
    kept: the case still counts as late."""
    require_handler(actor, case, "extend")
    if case.extended_due_at is not None:
        raise InvalidTransition("extend", "already_extended")
    reason = check_text(reason, REASON_MIN, ANSWER_MAX)
    if new_due_at <= case.due_at or new_due_at <= now:
        raise ValidationError("new_date_too_early")
    case.extended_due_at = new_due_at
    return _record(case, EventKind.APOLOGISED, actor, now, by="staff", reason=reason,
                   new_due_at=new_due_at.isoformat())


def apologise_automatically(case: Case, now: datetime) -> Event:
    """The deadline passed with no apology: one is sent on the unit's behalf."""
    if not case.is_open:
        raise InvalidTransition("apologise", case.status)
    return _record(case, EventKind.APOLOGISED, None, now, by="automatic")


def reopen(case: Case, citizen: Actor, now: datetime) -> Event:
    """The sender, unhappy with the answer, reopens the case: once."""
    if citizen.account_id != case.citizen_id:
        raise NotAllowed("reopen")
    if case.status is not Status.RESOLVED:
        raise InvalidTransition("reopen", case.status)
    if case.reopened_at is not None:
        raise InvalidTransition("reopen", "already_reopened")
    case.status = Status.IN_PROGRESS if case.assignee_id else Status.RECEIVED
    case.reopened_at = now
    case.resolved_at = None
    return _record(case, EventKind.REOPENED, citizen, now)


def record_rating(case: Case, citizen: Actor, score: int, now: datetime) -> Event:
    if citizen.account_id != case.citizen_id:
        raise NotAllowed("rate")
    return _record(case, EventKind.RATED, citizen, now, score=score)


def record_follower(case: Case, citizen: Actor, now: datetime) -> Event:
    """A citizen with the same problem follows the case: they get its answer."""
    if citizen.account_id == case.citizen_id:
        raise InvalidTransition("follow", "own_case")
    if case.status is Status.DUPLICATE:
        raise InvalidTransition("follow", case.status)
    return _record(case, EventKind.FOLLOWED, citizen, now)


def merge(duplicate: Case, survivor: Case, actor: Actor, reason: str, now: datetime
          ) -> Event:
    """Close `duplicate` as the same problem as `survivor`, which goes on. Both must be
    the actor's to handle and `duplicate` still open; the reason is kept on both."""
    require_handler(actor, duplicate, "merge")
    if not can_handle(actor, survivor):
        raise NotAllowed("merge")
    if duplicate.id == survivor.id:
        raise InvalidTransition("merge", "same_case")
    if survivor.status is Status.DUPLICATE:
        raise InvalidTransition("merge", survivor.status)
    reason = check_text(reason, REASON_MIN, ANSWER_MAX)
    _record(survivor, EventKind.ABSORBED, actor, now, merged=duplicate.code, reason=reason)
    duplicate.status = Status.DUPLICATE
    duplicate.duplicate_of = survivor.id
    return _record(duplicate, EventKind.MERGED, actor, now, into=survivor.code, reason=reason)
