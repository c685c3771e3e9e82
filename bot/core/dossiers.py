"""Use cases of dossiers: records from the one-stop system, citizens who follow a dossier
(by the receipt's one-time link, or by its code and the phone on it), the unit asked for
the apology before the due date, the apology with its one new date, the rating asked
once the result is returned.

Rules: Nghị định 118/2025/NĐ-CP art. 19 k.6 (the apology with the reason and a new date,
no later than one day before the due date; the date may be moved once) and art. 17 k.3
(the dossier code on the receipt, by which the applicant looks it up); Thông tư
03/2025/TT-VPCP, Mẫu số 04 (văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết)."""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Protocol

from bot.core.keys import deployment_key
from bot.core.ports import (
    Chat,
    DossierApology,
    FileKind,
    Follower,
    HasAccounts,
    HasAttachments,
    HasCalendar,
    HasDossiers,
    HasLocks,
    HasMeta,
)
from bot.core.work import Work
from bot.present.documents import apology_message, apology_pdf
from bot.present.dossier_view import status_label
from bot.present.i18n import _, format_date, use_locale
from bot.present.names import field_name, procedure_name, unit_name
from bot.spine.callbacks import DossierAction
from bot.spine.messages import Button, Reply
from complaints.apology import ApologyNotice, apology_number
from complaints.case import ANSWER_MAX, REASON_MIN, check_text
from complaints.dossiers import (
    OPEN,
    Change,
    Dossier,
    Record,
    RecordRefused,
    Status,
    apology_owed_by,
    apply,
    asked_before,
    check_new_date,
)
from complaints.errors import InvalidTransition, NotAllowed, ValidationError
from complaints.people import Account, Actor
from complaints.phone import normalize_phone

LINK_PREFIX = "hs_"
LINK_KEY = "dossier_link_key"
FOLLOW_WINDOW, FOLLOW_TRIES = timedelta(hours=1), 5
"""Wrong code-and-phone tries a person may make in an hour."""
CODE_WINDOW, CODE_TRIES = timedelta(days=1), 10
"""Wrong tries on one dossier code in a day, whoever makes them (new chats are cheap)."""
TOLD = frozenset({Status.ADDITIONAL_DOCS, Status.FINISHED, Status.RETURNED, Status.REJECTED,
                  Status.WITHDRAWN})
"""Changes followers are told of; received and in progress they already know."""
ASKED_PER_ROUND = 500


class Needs(HasAccounts, HasAttachments, HasCalendar, HasDossiers, HasLocks, HasMeta, Protocol):
    """The repositories these use cases use."""


@dataclass(frozen=True)
class Outcome:
    """What became of one record: created, updated, unchanged or refused (with why)."""

    code: str
    result: str
    dossier: Dossier | None = None
    refusal: RecordRefused | None = None


@dataclass(frozen=True)
class Following:
    """The answer to a try to follow a dossier: the dossier followed, or why not."""

    dossier: Dossier | None = None
    refusal: str | None = None
    """"no_match", "too_many_tries", "bad_link", "link_used" or "no_phone"."""
    until: datetime | None = None
    """With too_many_tries: when the person may try again."""
    new: bool = False
    rate_now: bool = False
    """The result is back and the person was not asked to rate it: offer it now."""


# --- records from the one-stop system ---------------------------------------------------------

async def record_dossiers(work: Work[Needs], records: list[Record], source: str) -> list[Outcome]:
    """Apply records in order (the same code twice: the second on top of the first).
    Followers are told what changed; those of a returned dossier are asked to rate it."""
    known = await work.uow.dossiers.by_codes(list({r.code for r in records}))
    outcomes = []
    for record in records:
        try:
            change = apply(known.get(record.code), record, work.now)
        except RecordRefused as refused:
            outcomes.append(Outcome(record.code, "refused", refusal=refused))
            continue
        if change.result == "unchanged":
            outcomes.append(Outcome(record.code, "unchanged", change.dossier))
            continue
        dossier = await work.uow.dossiers.save(change, source, work.now)
        known[record.code] = dossier
        await _tell_followers(work, dossier, change)
        outcomes.append(Outcome(record.code, change.result, dossier))
    return outcomes


async def _tell_followers(work: Work[Needs], dossier: Dossier, change: Change) -> None:
    assert dossier.id is not None
    told = [event for event in change.events
            if (event.kind == "status" and event.status in TOLD) or event.kind == "extended"]
    if not told:
        return
    for follower in await work.uow.dossiers.followers(dossier.id):
        account = await work.uow.accounts.get(follower.account_id)
        if account is None:
            continue
        for event in told:
            # The same status may come back (more documents asked for twice).
            key = (f"dossier:{dossier.id}:{event.kind}:{event.status.value}:"
                   f"{int(event.at.timestamp())}")
            work.owe(account, partial(_change_message, work, dossier, event.status, event.kind),
                     key=key, chats=(follower.chat,))
        if dossier.status is Status.RETURNED and await work.uow.dossiers.rating_asked(
                follower.id, work.now):
            work.owe(account, lambda: rating_offer(dossier), key=f"dossier:{dossier.id}:rate",
                     chats=(follower.chat,))


def _change_message(work: Work[Needs], dossier: Dossier, status: Status, kind: str) -> Reply:
    if kind == "extended":
        return Reply(_("Dossier {code}: the new date for the result is {date}.").format(
            code=dossier.code, date=format_date(dossier.effective_due_at, work.tz)))
    texts = {
        Status.ADDITIONAL_DOCS: _("Dossier {code} ({procedure}): the office asks for "
                                  "additional documents. Contact {unit} to see what is "
                                  "needed."),
        Status.FINISHED: _("Dossier {code} ({procedure}) is finished: the result is ready to "
                           "collect at {unit}."),
        Status.RETURNED: _("Dossier {code} ({procedure}): the result was returned to you."),
        Status.REJECTED: _("Dossier {code} ({procedure}) was not accepted. {unit} explains "
                           "why in writing."),
        Status.WITHDRAWN: _("Dossier {code} ({procedure}) was withdrawn."),
    }
    return Reply(texts.get(status, status_label(status)).format(
        code=dossier.code, procedure=procedure_name(work.directory, dossier.procedure),
        unit=unit_name(work.directory, dossier.unit)))


def rating_offer(dossier: Dossier) -> Reply:
    assert dossier.id is not None
    return Reply(_("How satisfied are you with how dossier {code} was handled? Your answer "
                   "counts in the official satisfaction figures, once for this dossier.")
                 .format(code=dossier.code),
                 buttons=((Button(_("Rate it"), DossierAction("rate", dossier.id).pack()),),))


# --- following a dossier ----------------------------------------------------------------------

async def link_token(uow: Needs, dossier: Dossier) -> str:
    """The dossier's one-time follow-and-rate token, the same every time it is asked for
    (to print on the receipt, or show again), unguessable without the service's key."""
    assert dossier.id is not None
    ident = _base36(dossier.id)
    return f"{LINK_PREFIX}{ident}_{_mac(await _link_key(uow), ident)}"


async def follow_by_link(work: Work[Needs], account: Account, chat: Chat, token: str) -> Following:
    ident, _sep, mac = token.removeprefix(LINK_PREFIX).partition("_")
    dossier = None
    if ident.isascii() and ident.isalnum() and len(ident) <= 12 and hmac.compare_digest(
            mac.encode(), _mac(await _link_key(work.uow), ident.lower()).encode()):
        dossier = await work.uow.dossiers.get_by_id(int(ident, 36))
    if dossier is None or dossier.id is None:
        return Following(refusal="bad_link")
    if await work.uow.dossiers.spend_link(dossier.id, account.id, work.now) != account.id:
        return Following(refusal="link_used")
    return await _follow(work, account, chat, dossier, "link")


async def follow_by_code(work: Work[Needs], account: Account, chat: Chat, code: str,
                         phone: str) -> Following:
    """Follow with the dossier's code and the phone on it. Wrong tries are kept, and
    limited per person and per code; the answer never says which of the two was wrong."""
    await work.uow.lock(f"follow:{account.id}")
    code = code.strip().upper()[:64]
    mine = await work.uow.dossiers.failed_attempts(work.now - FOLLOW_WINDOW,
                                                   account_id=account.id)
    if len(mine) >= FOLLOW_TRIES:
        return Following(refusal="too_many_tries", until=mine[-FOLLOW_TRIES] + FOLLOW_WINDOW)
    on_code = await work.uow.dossiers.failed_attempts(work.now - CODE_WINDOW, code=code)
    if len(on_code) >= CODE_TRIES:
        return Following(refusal="too_many_tries", until=on_code[-CODE_TRIES] + CODE_WINDOW)
    dossier = await work.uow.dossiers.get(code)
    try:
        given = normalize_phone(phone)
    except ValidationError:
        given = None
    matches = (dossier is not None and dossier.phone is not None and given is not None
               and hmac.compare_digest(given, dossier.phone))
    await work.uow.dossiers.record_attempt(account.id, code, matches, work.now)
    if not matches or dossier is None:
        return Following(refusal="no_match")
    return await _follow(work, account, chat, dossier, "phone")


async def _follow(work: Work[Needs], account: Account, chat: Chat, dossier: Dossier,
                  via: str) -> Following:
    assert dossier.id is not None
    new = await work.uow.dossiers.follow(dossier.id, account.id, chat, via, work.now)
    follower = next(f for f in await work.uow.dossiers.followers(dossier.id)
                    if f.chat == chat)
    rate_now = (dossier.status is Status.RETURNED
                and await work.uow.dossiers.rating_asked(follower.id, work.now))
    return Following(dossier, new=new, rate_now=rate_now)


async def follower_of(uow: Needs, dossier_id: int, account_id: int) -> Follower | None:
    """The person's following of the dossier (in any of their chats), if any."""
    return next((f for f in await uow.dossiers.followers(dossier_id)
                 if f.account_id == account_id), None)


async def _link_key(uow: Needs) -> bytes:
    return await deployment_key(uow, LINK_KEY)


def _mac(key: bytes, ident: str) -> str:
    digest = hmac.new(key, f"dossier-link:{ident}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:16]


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


# --- the apology ------------------------------------------------------------------------------

def may_apologise(actor: Actor, dossier: Dossier, focal_unit: str, unit_staffed: bool) -> bool:
    """The unit's staff and administrators; the focal point's staff while nobody has
    joined the unit (they receive its requests meanwhile)."""
    return actor.is_admin or actor.works_for(dossier.unit) or (
        not unit_staffed and actor.works_for(focal_unit))


async def ask_for_apologies(work: Work[Needs]) -> int:
    """Ask the units of the dossiers not settled one working day before their due date
    for the apology (each dossier once); how many were asked for."""
    calendar = await work.calendar()
    asked = 0
    for dossier in await work.uow.dossiers.to_ask(
            work.now, asked_before(work.now, calendar, work.tz), ASKED_PER_ROUND):
        assert dossier.id is not None
        if not await work.uow.dossiers.asked(dossier.id, work.now):
            continue
        owed_by = apology_owed_by(dossier, calendar, work.tz, work.settings.end_of_day)
        for reader in await _unit_staff(work, dossier):
            work.owe(reader, partial(_ask_message, work, dossier, owed_by),
                     key=f"dossier:{dossier.id}:ask-apology")
        asked += 1
    return asked


async def _unit_staff(work: Work[Needs], dossier: Dossier) -> list[Account]:
    return (await work.uow.accounts.members(dossier.unit)
            or await work.uow.accounts.members(work.directory.focal_unit))


def _ask_message(work: Work[Needs], dossier: Dossier, owed_by: datetime) -> Reply:
    assert dossier.id is not None
    return Reply(
        _("Dossier {code} ({procedure}) is due {due} and not finished. If it will be late, "
          "the applicant must receive a written apology with a new date by {by} (Nghị định "
          "118/2025/NĐ-CP, art. 19).").format(
            code=dossier.code, procedure=procedure_name(work.directory, dossier.procedure),
            due=format_date(dossier.due_at, work.tz), by=format_date(owed_by, work.tz)),
        buttons=((Button(_("Write the apology"),
                         DossierAction("apologise", dossier.id).pack()),),))


@dataclass(frozen=True)
class Issued:
    apology: DossierApology
    delivered_to: int
    """Chats the apology went to; 0: nobody follows the dossier, it must be handed over."""


async def apologise(work: Work[Needs], official: Account, title: str, dossier_id: int, reason: str,
                    new_day: date) -> Issued:
    """Issue the apology with its new date, numbered in the unit's register, as a message
    and a document to everyone who follows the dossier."""
    # Locked: a push finishing the dossier meanwhile waits, then sees the new date.
    dossier = await work.uow.dossiers.get_by_id(dossier_id, to_change=True)
    if dossier is None or dossier.id is None:
        raise NotAllowed("no_such_dossier")
    staffed = bool(await work.uow.accounts.members(dossier.unit))
    if not may_apologise(official.as_actor(), dossier, work.directory.focal_unit, staffed):
        raise NotAllowed("other_unit")
    if dossier.status not in OPEN:
        raise InvalidTransition("extend", "resolved")
    if await work.uow.dossiers.apology(dossier.id) is not None:
        raise InvalidTransition("extend", "already_extended")
    reason = check_text(reason, REASON_MIN, ANSWER_MAX)
    calendar = await work.calendar()
    check_new_date(dossier, new_day, calendar, work.tz)
    new_due = datetime.combine(new_day, work.settings.end_of_day, tzinfo=work.tz)
    year = work.now.astimezone(work.tz).year
    number = apology_number(await work.uow.meta.next_number(f"apology:{dossier.unit}:{year}"),
                            dossier.unit)
    with use_locale("vi"):  # the form of Thông tư 03/2025 is a Vietnamese paper
        document = await work.uow.attachments.add(
            official.id, "dossier", work.now, content=apology_pdf(
                _notice(work, dossier, number, reason, new_day, official.name, title)),
            mime="application/pdf",
            filename=f"{_file_name(dossier.code)}-{number.replace('/', '-')}.pdf",
            kind=FileKind.DOCUMENT)
    apology = DossierApology(
        dossier.id, number, dossier.unit, reason, new_due,
        apology_owed_by(dossier, calendar, work.tz, work.settings.end_of_day), official.id,
        official.name, title, document, work.now)
    if not await work.uow.dossiers.add_apology(apology):
        raise InvalidTransition("extend", "already_extended")
    await work.uow.dossiers.extend(dossier.id, new_due, f"staff:{official.id}", work.now)
    notice = partial(_notice, work, dossier, number, reason, new_day, official.name, title)

    def letter() -> Reply:
        return Reply(apology_message(notice()))

    def paper() -> Reply:
        return Reply(_("The apology as a document: {code}").format(code=dossier.code),
                     document=document)
    delivered = 0
    for follower in await work.uow.dossiers.followers(dossier.id):
        reader = await work.uow.accounts.get(follower.account_id)
        if reader is None:
            continue
        work.owe(reader, letter, key=f"dossier:{dossier.id}:apology", chats=(follower.chat,))
        work.owe(reader, paper, key=f"dossier:{dossier.id}:apology-document",
                 chats=(follower.chat,))
        delivered += 1
    return Issued(apology, delivered)


def _notice(work: Work[Needs], dossier: Dossier, number: str, reason: str, new_day: date,
            official_name: str, official_title: str) -> ApologyNotice:
    local = dossier.received_at.astimezone(work.tz)
    return ApologyNotice(
        place=work.directory.place, unit_name=unit_name(work.directory, dossier.unit),
        number=number, issued_on=work.now.astimezone(work.tz).date(),
        recipient_name=_("The applicant of dossier {code}").format(code=dossier.code),
        recipient_address="", recipient_phone=dossier.phone or "",
        received_on=local.date(), field_name=field_name(work.directory, dossier.field),
        case_code=dossier.code, original_due=dossier.due_at.astimezone(work.tz).date(),
        reason=reason, new_due=new_day, official_name=official_name,
        official_title=official_title, kind="dossier",
        procedure_name=procedure_name(work.directory, dossier.procedure))


def _file_name(code: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in code)
