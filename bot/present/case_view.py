"""How cases look to people: the staff card with its buttons, the citizen's view, the
labels of statuses and history lines, for every door (chat, dashboard, exports, Open311)."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.actions import StaffAction
from bot.present.i18n import _, format_date, format_datetime, ngettext
from bot.present.names import area_name, field_name, procedure_name, unit_name
from bot.spine.callbacks import CaseAction
from bot.spine.messages import OPEN311, Button, Reply, rows
from complaints.case import Case, Event, EventKind, Status, can_handle
from complaints.directory import Directory
from complaints.people import Actor
from complaints.phone import format_phone
from complaints.privacy import REMOVED, anonymise


def status_label(status: Status) -> str:
    return {
        Status.RECEIVED: _("Received, waiting to be taken up"),
        Status.IN_PROGRESS: _("Being handled"),
        Status.AWAITING_CITIZEN: _("Waiting for more information from the sender"),
        Status.RESOLVED: _("Resolved"),
        Status.DUPLICATE: _("Closed as a duplicate"),
    }[status]


def raised_line(count: int) -> str:
    return ngettext("Raised by {count} citizen", "Raised by {count} citizens",
                    count).format(count=count)










def removed() -> str:
    """What staff see where the sender's details were, once erased at their request."""
    return _("(removed at the citizen's request)")


def map_link(latitude: float, longitude: float) -> str:
    return (f"https://www.openstreetmap.org/?mlat={latitude:.6f}&mlon={longitude:.6f}"
            f"#map=17/{latitude:.6f}/{longitude:.6f}")


def due_line(case: Case, tz: ZoneInfo, now: datetime) -> str:
    """The dates the citizen was promised: the original one, and the one new date given
    with an apology; marked when it has passed."""
    line = _("Due: {due}").format(due=format_date(case.due_at, tz))
    if case.extended_due_at is not None:
        line += " · " + _("new date after apology: {date}").format(
            date=format_date(case.extended_due_at, tz))
    if case.is_open and now > case.effective_due_at:
        line += " · " + _("LATE")
    return line


@dataclass(frozen=True)
class CardFacts:
    """What a card shows beyond the case itself."""

    assignee: str | None = None
    photos: int = 0
    failure: tuple[str, datetime] | None = None
    """The last message to the sender that could not be delivered: reason and when."""
    window_end: datetime | None = None
    """Until when the sender's channel lets the unit write to them (Zalo OA)."""
    raised_by: int = 1
    """Its sender and the citizens following it (the same problem)."""
    duplicate_of: str | None = None
    """The code of the case it was merged into."""


def case_card(case: Case, reader: Actor, directory: Directory, tz: ZoneInfo, now: datetime,
              facts: CardFacts) -> Reply:
    """The card staff see: everything needed to act, and the buttons the reader may use.
    Who cannot act on the case (a unit it was transferred away from, whose cards are
    redrawn) sees no sender's name, phone, address or location, and the text without
    them: personal data goes only to those who need it to handle the case (Luật
    91/2025/QH15, purpose limitation)."""
    acting = can_handle(reader, case)
    status = status_label(case.status)
    if case.status is not Status.RESOLVED and facts.assignee:
        status = _("{status} by {name}").format(status=status, name=facts.assignee)
    lines = [
        _("PAKN {code} · {field}").format(code=case.code, field=field_name(directory, case.field)),
        _("Area: {area}").format(area=area_name(directory, case.area)),
        _("Unit: {unit}").format(unit=unit_name(directory, case.unit)),
        _("Status: {status}").format(status=status),
        _("Received: {received}").format(received=format_datetime(case.received_at, tz)),
        due_line(case, tz, now),
    ]
    if facts.raised_by > 1:
        lines.append(raised_line(facts.raised_by))
    if facts.duplicate_of is not None:
        lines.append(_("Merged into {code}.").format(code=facts.duplicate_of))
    if case.procedure is not None:
        lines.insert(1, _("Procedure: {name} ({code})").format(
            name=procedure_name(directory, case.procedure), code=case.procedure))
    if case.is_open and case.transfer_due_at is not None and now <= case.transfer_due_at:
        lines.append(_("If it is not for your unit, transfer it by {date}.").format(
            date=format_date(case.transfer_due_at, tz)))
    if case.contact.erased:
        lines.append(_("Sender: (removed at the citizen's request)"))
    elif not acting:
        lines.append(_("Sender: shown only to the staff handling the case"))
    else:
        lines += [
            _("Sender: {name} · {phone}").format(name=case.contact.name,
                                                phone=format_phone(case.contact.phone))
            if case.contact.phone else _("Sender: {name}").format(name=case.contact.name),
            _("Address: {address}").format(address=case.contact.address),
        ]
    if case.location and acting:
        lines.append(_("Location: {link}").format(
            link=map_link(case.location.latitude, case.location.longitude)))
    if case.channel == OPEN311:
        lines.append(_("Filed through an Open311 app: the sender sees only the status and "
                       "the final answer there; call them for anything else."))
    if facts.photos:
        lines.append(_("Photos: {count}").format(count=facts.photos))
    if facts.window_end is not None:
        lines.append((_("Zalo lets the unit write to the sender until {date}.")
                      if facts.window_end > now else
                      _("Zalo no longer lets the unit write to the sender (since {date}): "
                        "they must write first.")).format(
            date=format_datetime(facts.window_end, tz)))
    if facts.failure is not None:
        lines.append(_("A message to the sender could not be delivered ({date}): "
                       "{reason}").format(date=format_datetime(facts.failure[1], tz),
                                          reason=facts.failure[0]))

    def shown(text: str) -> str:
        if acting or text == REMOVED:
            return text
        return anonymise(text, case.contact.name, case.contact.phone, case.contact.address)
    lines += ["", removed() if case.text == REMOVED else shown(case.text)]
    if case.status is Status.RESOLVED and case.answer:
        lines += ["", _("Answer: {answer}").format(answer=shown(case.answer))]
    if not acting:
        if case.is_open:
            lines += ["", _("Now with: {unit}").format(unit=unit_name(directory, case.unit))]
        return Reply("\n".join(lines), sensitive=not case.contact.erased)
    # The sender's details: the outbox keeps only a mark once it is delivered.
    return Reply("\n".join(lines), buttons=case_buttons(case, reader),
                 sensitive=not case.contact.erased)


def case_buttons(case: Case, reader: Actor) -> tuple[tuple[Button, ...], ...]:
    if not case.is_open:
        return ()
    assert case.id is not None
    buttons = []
    if case.assignee_id != reader.account_id:
        buttons.append(Button(_("Take this case"), CaseAction(StaffAction.CLAIM, case.id).pack()))
    # An app's sender would never see these; one who erased their data cannot be reached.
    if case.channel != OPEN311 and not case.contact.erased:
        buttons += [Button(_("Reply"), CaseAction(StaffAction.REPLY, case.id).pack()),
                    Button(_("Ask for information"), CaseAction(StaffAction.ASK, case.id).pack())]
    buttons += [
        Button(_("Transfer"), CaseAction(StaffAction.TRANSFER, case.id).pack()),
        Button(_("Resolve"), CaseAction(StaffAction.RESOLVE, case.id).pack()),
    ]
    if case.extended_due_at is None:
        buttons.append(Button(_("Late: apologise, set a new date"),
                              CaseAction(StaffAction.APOLOGISE, case.id).pack()))
    buttons.append(Button(_("Duplicate: merge into another case"),
                          CaseAction(StaffAction.MERGE, case.id).pack()))
    return rows(buttons, 2)


def receipt(case: Case, directory: Directory, tz: ZoneInfo) -> str:
    """What the sender of a new PAKN is told of it."""
    return _("Your PAKN was received.\nTracking code: {code}\nSent to: {unit}\nDue by: {due}\n"
             "I will tell you here when it is taken up and answered. To follow it, send "
             "/tracuu {code}").format(code=case.code, unit=unit_name(directory, case.unit),
                                      due=format_date(case.due_at, tz))


def citizen_view(case: Case, directory: Directory, tz: ZoneInfo, now: datetime) -> list[str]:
    lines = [
        _("PAKN {code} · {field}").format(code=case.code, field=field_name(directory, case.field)),
        _("Unit: {unit}").format(unit=unit_name(directory, case.unit)),
        _("Status: {status}").format(status=status_label(case.status)),
        _("Received: {received}").format(received=format_datetime(case.received_at, tz)),
        due_line(case, tz, now),
    ]
    if case.status is Status.RESOLVED and case.answer:
        lines += ["", _("Answer: {answer}").format(answer=case.answer)]
    return lines


def _iso_day(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def event_line(event: Event, directory: Directory, tz: ZoneInfo, for_staff: bool) -> str:
    """One line of a case's history. Citizens see what happened; staff also see who."""
    when = format_datetime(event.at, tz)
    data = event.data
    text = {
        EventKind.RECEIVED: _("received and sent to {unit}").format(
            unit=unit_name(directory, event.unit)),
        EventKind.CLAIMED: _("taken up by {unit}").format(unit=unit_name(directory, event.unit)),
        EventKind.REPLIED: _("message to the sender: {text}").format(text=data.get("text", "")),
        EventKind.INFO_REQUESTED: _("more information asked: {text}").format(
            text=data.get("text", "")),
        EventKind.INFO_PROVIDED: _("sender added information"),
        EventKind.TRANSFERRED: _("transferred from {source} to {target}").format(
            source=unit_name(directory, data.get("from_unit", "")),
            target=unit_name(directory, data.get("to_unit", ""))),
        EventKind.RESOLVED: _("resolved"),
        EventKind.APOLOGISED: _("written apology sent, new date {date}").format(
            date=format_date(datetime.fromisoformat(data["new_due_at"]), tz))
        if data.get("new_due_at") else _("written apology sent on the unit's behalf"),
        EventKind.REOPENED: _("reopened by the sender"),
        EventKind.RATED: _("the sender rated the handling"),
        EventKind.REORGANISED: _("moved from {source} to {target}, which took over its work "
                                 "on {date}").format(
            source=unit_name(directory, data.get("from_unit", "")),
            target=unit_name(directory, data.get("to_unit", "")),
            date=_iso_day(data.get("effective", ""))),
        EventKind.RELEASED: _("back with {unit}, unclaimed: its handler left the unit").format(
            unit=unit_name(directory, event.unit)),
        EventKind.FOLLOWED: _("another citizen with the same problem follows it"),
        EventKind.MERGED: _("closed as a duplicate of {code}").format(code=data.get("into", "")),
        EventKind.ABSORBED: _("{code}, the same problem, was merged into it").format(
            code=data.get("merged", "")),
    }[event.kind]
    if for_staff and event.kind in (EventKind.TRANSFERRED, EventKind.MERGED,
                                    EventKind.ABSORBED) and data.get("reason"):
        text += " — " + _("reason: {reason}").format(reason=data["reason"])
    return f"{when}: {text}"
