"""The rights of the people whose data the service holds (Luật Bảo vệ dữ liệu cá nhân
91/2025/QH15, in force 1/1/2026, and Nghị định 356/2025/NĐ-CP, which replaced Nghị định
13/2023): a copy of their data, its erasure, and the record of every request to access,
correct or erase it, with when it came, by when it is owed and when it was met.

Deadlines (Nghị định 356/2025/NĐ-CP, on the rights of the data subject; secondary
summaries agree on the figures, the article numbers are to confirm against the gazette):
the controller answers a request within 2 working days of receiving it and carries it
out within 15 days (20 where a processor or third party must act too). The bot meets
access and erasure asked in the chat at once; requests taken by staff (a letter, at the
desk) are met with `pakn privacy erase` or on the dashboard, and the open ones past
their date are shown to administrators."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.core.keys import deployment_secret
from bot.core.ports import (
    Erasure,
    HasAccounts,
    HasCalendar,
    HasCases,
    HasDialogs,
    HasLocks,
    HasMeta,
    HasOutbox,
    HasPrivacy,
)
from bot.core.work import Work
from bot.delivery.notify import Notifier
from bot.present.i18n import _, format_datetime
from bot.present.names import consent_name
from bot.runtime.settings import Settings
from bot.spine.messages import OPEN311, Reply
from complaints.calendar import DeadlineRules, WorkingCalendar
from complaints.errors import NotAllowed
from complaints.intake import ConsentBasis
from complaints.people import Actor, Role
from complaints.privacy import REMOVED, pseudonym
from complaints.requests import RequestKind as RequestKind

KEY_META = "pseudonym_key"
ANSWER_WORKING_DAYS = 2
"""Nghị định 356/2025/NĐ-CP: the request is answered within 2 working days."""
MEET_DAYS = 15
"""Nghị định 356/2025/NĐ-CP: carried out within 15 days of receipt."""


class Needs(
        HasAccounts, HasCalendar, HasCases, HasDialogs, HasLocks, HasMeta, HasOutbox,
        HasPrivacy, Protocol):
    """The repositories these use cases use."""


DASHBOARD = "dashboard"
"""The dashboard as a door in the records: the forms it took once (their nonces, in the
processed-updates table), the refusals audited, the files staff upload."""


@dataclass(frozen=True)
class DataRequest:
    id: int
    kind: RequestKind
    account_id: int | None
    subject: str
    channel: str
    received_at: datetime
    answer_due_at: datetime
    due_at: datetime
    met_at: datetime | None
    met_by: int | None
    outcome: str | None

    def overdue(self, now: datetime) -> bool:
        return self.met_at is None and now > self.due_at

    @classmethod
    def of(cls, row: dict[str, Any]) -> "DataRequest":
        return cls(id=row["id"], kind=RequestKind(row["kind"]), account_id=row["account_id"],
                   subject=row["subject"], channel=row["channel"],
                   received_at=row["received_at"], answer_due_at=row["answer_due_at"],
                   due_at=row["due_at"], met_at=row["met_at"], met_by=row["met_by"],
                   outcome=row["outcome"])


async def pseudonym_key(uow: Needs, settings: Settings) -> bytes:
    """The key of the pseudonyms: the setting, else one made once for the deployment and
    kept in the database (set PAKN_PSEUDONYM_KEY so that a copy of the database alone
    cannot be used to test guesses of a chat id against the pseudonyms)."""
    if settings.pseudonym_key:
        return settings.pseudonym_key.encode()
    return (await deployment_secret(uow, KEY_META)).encode()


async def record_request(uow: Needs, actor: Actor | None, kind: RequestKind,
                         now: datetime, *, person: int | None, subject: str, channel: str,
                         calendar: WorkingCalendar, rules: DeadlineRules) -> int:
    """Record a request about personal data as received now; `actor`: the staff member
    who took it (None when the person asked themselves)."""
    if person is not None and await uow.accounts.get(person) is None:
        raise NotAllowed("unknown account")
    return await uow.privacy.add_request(
        kind=kind.value, account_id=person, subject=subject[:200], channel=channel,
        received_at=now, answer_due_at=rules.deadline(calendar, now, ANSWER_WORKING_DAYS),
        due_at=now + timedelta(days=MEET_DAYS),
        received_by=actor.account_id if actor else None)


async def meet_request(uow: Needs, actor: Actor | None, request_id: int, now: datetime,
                       outcome: str) -> None:
    await uow.privacy.meet_request(request_id, actor.account_id if actor else None, now,
                                   outcome)


async def requests(uow: Needs, open_only: bool = False) -> list[DataRequest]:
    return [DataRequest.of(row) for row in await uow.privacy.requests(open_only)]


async def overdue(uow: Needs, now: datetime) -> list[DataRequest]:
    return [r for r in await requests(uow, open_only=True) if r.overdue(now)]


async def erase(uow: Needs, actor: Actor | None, person: int, now: datetime, *,
                key: bytes, request_id: int | None = None) -> Erasure:
    """Erase what identifies `person`, by their own wish (actor is the person) or on
    their request to an administrator (None: the service's operator, on the command
    line); the request is then met. Staff accounts are kept with the cases they handled
    and the papers they signed; an app's account (Open311) is not a person."""
    if actor is not None and actor.account_id != person and not actor.is_admin:
        raise NotAllowed("erasure is the person's or an administrator's")
    account = await uow.accounts.get(person)
    if account is None:
        raise NotAllowed("unknown account")
    if account.role is not Role.CITIZEN or OPEN311 in {
            chat.channel for chat in await uow.accounts.chats(person)}:
        raise NotAllowed("not a citizen's account")
    erased = await uow.privacy.erase(person, lambda channel, value: pseudonym(
        key, channel, value), now)
    if request_id is not None:
        await meet_request(uow, actor, request_id, now, "erased")
    return erased


async def erase_again(work: Work[Needs], people: list[int]) -> int:
    """After a restore from a backup taken before their erasure: erase again the people
    whose erasure the replaced database recorded (they were told at the time, so no
    message); those not in the restored data are skipped. How many were erased."""
    key = await pseudonym_key(work.uow, work.settings)
    erased = 0
    for person in people:
        try:
            await erase(work.uow, None, person, work.now, key=key)
        except NotAllowed:
            continue  # not in the backup (an account made after it): nothing to erase
        erased += 1
    return erased


async def erase_on_request(work: Work[Needs], actor: Actor | None, person: int,
                           request_id: int | None = None) -> Erasure:
    """An administrator's erasure on the person's request (a letter, at the desk): the
    request recorded if it was not, the data erased, the person told in their chats,
    which then keep neither the message nor their ids."""
    uow = work.uow
    if request_id is None:
        request_id = await record_request(
            uow, actor, RequestKind.ERASURE, work.now, person=person,
            subject=f"account {person}", channel="staff", calendar=await work.calendar(),
            rules=work.settings.deadline_rules)
    account = await uow.accounts.get(person)
    erased = await erase(uow, actor, person, work.now,
                         key=await pseudonym_key(uow, work.settings), request_id=request_id)
    assert account is not None
    notifier = Notifier(uow, work.settings.default_language, work.now,
                        key_prefix=f"erasure:{request_id}")
    await notifier.notify(account, lambda: Reply(_(
        "At your request, the service deleted your personal data: your name, phone "
        "number and address, what you wrote, the photos and locations you sent, the names "
        "your chat apps show, and your consent. Your PAKN stay, with nothing that "
        "identifies you, for the authority's records and statistics. This chat is no "
        "longer linked to them."), sensitive=True), chats=[chat for chat, _alias in erased.chats
                                                           if chat.channel != DASHBOARD])
    await uow.outbox.forget_after_delivery(erased.chats)
    return erased


async def person_of_case(uow: Needs, code: str) -> int:
    """Whose data a case holds, for an erasure asked by its code."""
    case = await uow.cases.get_by_code(code.strip().upper())
    if case is None:
        raise NotAllowed("unknown case")
    return case.citizen_id


async def export_data(uow: Needs, actor: Actor, person: int) -> dict[str, Any]:
    """What the service holds about `person`: asked by themselves or an administrator."""
    if actor.account_id != person and not actor.is_admin:
        raise NotAllowed("a copy of the data is the person's or an administrator's")
    return await uow.privacy.holdings(person)


def as_text(data: dict[str, Any], tz: ZoneInfo) -> str:
    """The copy as a plain text a phone opens, headed in the reader's language."""
    lines = [_("Your personal data held by the PAKN service"), ""]

    def value(item: object) -> str:
        if isinstance(item, datetime):
            return format_datetime(item, tz)
        if item is None or item == "":
            return "—"
        if item == REMOVED:
            return _("(removed at the citizen's request)")
        if isinstance(item, dict | list):
            return json.dumps(item, ensure_ascii=False, default=str)
        return str(item)

    def block(title: str, rows: list[tuple[str, object]]) -> None:
        lines.append(f"== {title} ==")
        lines.extend(f"{label}: {value(item)}" for label, item in rows)
        lines.append("")

    account = data["account"]
    block(_("You"), [(_("Account number"), account["id"]), (_("Name"), account["name"]),
                     (_("Language"), account["language"]),
                     (_("First contact"), account["created_at"])])
    for identity in data["identities"]:
        block(_("Chat app"), [(_("Channel"), identity["channel"]),
                              (_("User id"), identity["user_id"]),
                              (_("Chat id"), identity["chat_id"]),
                              (_("Name shown by the app"), identity["profile_name"])])
    block(_("Consent"), [(_("Notice version"), account["consent_version"]),
                         (_("Given"), account["consent_at"])]
          + [(_("Earlier consent"), f"{c['notice_version']} ({value(c['given_at'])})")
             for c in data["consents"]])
    for case in data["cases"]:
        rows: list[tuple[str, object]] = [
            (_("Received"), case["received_at"]), (_("Status"), case["status"]),
            (_("Field"), case["field"]), (_("Unit"), case["unit"]),
            (_("Name"), case["name"]), (_("Phone"), case["phone"]),
            (_("Address"), case["address"]), (_("Location"), case["location"]),
            (_("What you wrote"), case["text"]), (_("Answer"), case["answer"]),
            (_("Due"), case["due_at"]), (_("Resolved"), case["resolved_at"])]
        if taken := case.get("taken_by_staff"):
            basis = consent_name(ConsentBasis(taken["consent"]))
            rows += [(_("Email"), taken["email"]),
                     (_("Consent recorded by staff"),
                      f"{basis} ({value(taken['consent_recorded_at'])})")]
        rows += [(_("Event"), f"{value(e['at'])} {e['kind']} {value(e['data'] or None)}")
                 for e in case["events"]]
        if case["rating"]:
            rows += [(_("Your rating"), case["rating"]["score"]),
                     (_("Your comment"), case["rating"]["comment"])]
        block(_("PAKN {code}").format(code=case["code"]), rows)
    if data["files"]:
        block(_("Photos and files you sent"),
              [(file["case"] or "—", file["type"]) for file in data["files"]])
    if data["dossiers"]:
        block(_("Dossiers you follow"),
              [(d["code"], d["followed_at"]) for d in data["dossiers"]])
    if data["sender_chats"]:
        block(_("PAKN you follow here by their phone"),
              [(c["code"], c["followed_at"]) for c in data["sender_chats"]])
    if data["cases_followed"]:
        block(_("PAKN of others you follow (the same problem)"),
              [(f["code"], f["followed_at"]) for f in data["cases_followed"]]
              + [(_("Your rating of {code}").format(code=f["code"]), f["score"])
                 for f in data["cases_followed"] if f["score"] is not None])
    if data["survey_in_progress"]:
        block(_("Survey you began"), [(_("Answers so far"), data["survey_in_progress"])])
    lines.append(_("Your ratings of procedures in surveys are kept without your name and "
                   "cannot be told apart from others'."))
    return "\n".join(lines) + "\n"
