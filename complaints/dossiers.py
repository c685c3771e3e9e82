"""Dossiers of administrative procedures (hồ sơ TTHC) as the province's one-stop system
describes them: what a record must say, how a dossier may move, whether it was settled
on time, and when its written apology is owed.

- A record is refused with a reason when it is incomplete or contradicts itself, and
  when it would move a known dossier backwards (a status it cannot return to, a time
  already known changed, a due date moved earlier): the one-stop system then sees why.
- The on-time indicator counts a dossier in the period of its original due date:
  finished (or returned, where no finish time is given) no later than that moment is on
  time; still open after it is late; withdrawn and rejected dossiers are left out.
- The apology with a request for more time is owed no later than the end of the working
  day before the due date (Nghị định 118/2025/NĐ-CP art. 19 k.6, which replaced Nghị
  định 61/2018); a dossier gets one new date.
"""

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from complaints.calendar import WorkingCalendar
from complaints.directory import Directory
from complaints.errors import ComplaintsError, InvalidTransition, ValidationError
from complaints.phone import normalize_phone


class Status(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    ADDITIONAL_DOCS = "additional_docs"
    FINISHED = "finished"
    RETURNED = "returned"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN = frozenset({Status.RECEIVED, Status.IN_PROGRESS, Status.ADDITIONAL_DOCS})
LEFT_OUT = frozenset({Status.REJECTED, Status.WITHDRAWN})
"""Not counted by the on-time indicator: refused at intake, or withdrawn by the applicant."""
_ENDS = frozenset({Status.FINISHED, Status.RETURNED, Status.REJECTED, Status.WITHDRAWN})
NEXT: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset(Status) - {Status.RECEIVED},
    Status.IN_PROGRESS: _ENDS | {Status.ADDITIONAL_DOCS},
    # The applicant brings what was asked for and the work goes on.
    Status.ADDITIONAL_DOCS: _ENDS | {Status.IN_PROGRESS},
    Status.FINISHED: frozenset({Status.RETURNED}),
    Status.RETURNED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}
COLUMNS = ("code", "procedure", "unit", "field", "received_at", "due_at", "finished_at",
           "returned_at", "status", "phone")
REQUIRED = ("code", "procedure", "unit", "field", "received_at", "due_at", "status")
_CODE = re.compile(r"[A-Z0-9][A-Z0-9._/-]{0,63}")


class RecordRefused(ComplaintsError):
    """A record the service cannot take: `reason` names the problem, `details` its
    values, for the door to say in the reader's language."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class LineRefused(ComplaintsError):
    """A file of records refused whole at its first bad line."""

    def __init__(self, line: int, refusal: RecordRefused) -> None:
        super().__init__(f"line {line}: {refusal.reason}")
        self.line = line
        self.refusal = refusal


@dataclass(frozen=True)
class Record:
    """A dossier as one record of the one-stop system describes it."""

    code: str
    procedure: str
    unit: str
    field: str
    received_at: datetime
    due_at: datetime
    finished_at: datetime | None
    returned_at: datetime | None
    status: Status
    phone: str | None


@dataclass(frozen=True)
class Dossier:
    """A dossier as the service knows it."""

    code: str
    procedure: str
    unit: str
    field: str
    status: Status
    received_at: datetime
    due_at: datetime
    """The original due date: the indicator counts against it, whatever came later."""
    finished_at: datetime | None = None
    returned_at: datetime | None = None
    phone: str | None = None
    extended_due_at: datetime | None = None
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def settled_at(self) -> datetime | None:
        """When the result was ready: finished, else returned."""
        return self.finished_at or self.returned_at

    @property
    def effective_due_at(self) -> datetime:
        return self.extended_due_at or self.due_at


@dataclass(frozen=True)
class Event:
    kind: str
    """"received", "status" (a new status), "extended" (a later due date), "corrected"."""
    status: Status
    at: datetime
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    result: str
    """"created", "updated" or "unchanged"."""
    dossier: Dossier
    events: tuple[Event, ...] = ()
    previous: Dossier | None = None


# --- reading a record ------------------------------------------------------------------------

def read_record(raw: Mapping[str, object], directory: Directory, timezone: ZoneInfo,
                end_of_day: time) -> Record:
    """Check one record (a CSV row or a JSON object, the same field names). Times are ISO
    8601 with an offset, or local time without one; a due date without a time is the end
    of that working day, any other date without a time its start."""
    unknown = sorted(str(key) for key in raw if key not in COLUMNS)
    if unknown:
        raise RecordRefused("unknown_fields", fields=", ".join(unknown))
    values: dict[str, str | None] = {}
    for name in COLUMNS:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            raise RecordRefused("not_text", field=name)
        values[name] = (value or "").strip() or None
    missing = [name for name in REQUIRED if values[name] is None]
    if missing:
        raise RecordRefused("missing_fields", fields=", ".join(missing))
    code = _text(values, "code").upper()
    if not _CODE.fullmatch(code):
        raise RecordRefused("bad_code", code=code[:80])
    unit, field_code = _text(values, "unit"), _text(values, "field")
    procedure = _text(values, "procedure")
    if not directory.has_unit(unit):
        raise RecordRefused("unknown_unit", code=unit[:80])
    if not directory.has_field(field_code):
        raise RecordRefused("unknown_field", code=field_code[:80])
    if not directory.has_procedure(procedure):
        raise RecordRefused("unknown_procedure", code=procedure[:80])
    if directory.procedure(procedure).field != field_code:
        raise RecordRefused("procedure_field", procedure=procedure,
                            field=directory.procedure(procedure).field)
    try:
        status = Status(_text(values, "status"))
    except ValueError:
        raise RecordRefused("bad_status", status=_text(values, "status")[:40]) from None
    received = _moment(values, "received_at", timezone, None)
    due = _moment(values, "due_at", timezone, end_of_day)
    finished = _optional_moment(values, "finished_at", timezone)
    returned = _optional_moment(values, "returned_at", timezone)
    for name, moment in (("due_at", due), ("finished_at", finished), ("returned_at", returned)):
        if moment is not None and moment < received:
            raise RecordRefused("before_received", field=name)
    if finished is not None and returned is not None and returned < finished:
        raise RecordRefused("returned_before_finished")
    if status is Status.FINISHED and finished is None:
        raise RecordRefused("needs_time", field="finished_at", status=status.value)
    if status is Status.RETURNED and returned is None:
        raise RecordRefused("needs_time", field="returned_at", status=status.value)
    if status in OPEN | LEFT_OUT and finished is not None:
        raise RecordRefused("time_for_status", field="finished_at", status=status.value)
    if status is not Status.RETURNED and returned is not None:
        raise RecordRefused("time_for_status", field="returned_at", status=status.value)
    phone = None
    if values["phone"] is not None:
        try:
            phone = normalize_phone(values["phone"])
        except ValidationError:
            raise RecordRefused("bad_phone") from None
    return Record(code, procedure, unit, field_code, received, due, finished, returned, status,
                  phone)


def read_csv(text: str, directory: Directory, timezone: ZoneInfo,
             end_of_day: time) -> list[tuple[int, Record]]:
    """A file of records (UTF-8, a header row naming the columns), with the line of
    each; refused whole at its first bad line (LineRefused)."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise LineRefused(1, RecordRefused("missing_columns", fields=", ".join(missing)))
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise LineRefused(1, RecordRefused("unknown_fields", fields=", ".join(unknown)))
    reader.fieldnames = header
    records = []
    for row in reader:
        if None in row:
            raise LineRefused(reader.line_num, RecordRefused("extra_values"))
        try:
            records.append((reader.line_num, read_record(row, directory, timezone,
                                                         end_of_day)))
        except RecordRefused as refused:
            raise LineRefused(reader.line_num, refused) from None
    return records


def _text(values: dict[str, str | None], name: str) -> str:
    value = values[name]
    assert value is not None
    return value


def _optional_moment(values: dict[str, str | None], name: str,
                     timezone: ZoneInfo) -> datetime | None:
    return None if values[name] is None else _moment(values, name, timezone, None)


def _moment(values: dict[str, str | None], name: str, timezone: ZoneInfo,
            day_ends: time | None) -> datetime:
    text = _text(values, name)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, day_ends or time(0))
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise RecordRefused("bad_time", field=name, value=text[:40]) from None
    if not 1900 <= moment.year <= 2199:
        raise RecordRefused("bad_time", field=name, value=text[:40])
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone)


# --- applying a record to what is known ------------------------------------------------------

def apply(known: Dossier | None, record: Record, now: datetime) -> Change:
    """What a record changes of a dossier: a new one, a step forward, or nothing; a
    record that would move it backwards is refused (RecordRefused)."""
    if known is None:
        dossier = Dossier(record.code, record.procedure, record.unit, record.field,
                          record.status, record.received_at, record.due_at,
                          record.finished_at, record.returned_at, record.phone)
        first = [Event("received", Status.RECEIVED, record.received_at)]
        if record.status is not Status.RECEIVED:
            first.append(_status_event(Status.RECEIVED, record, now))
        return Change("created", dossier, tuple(first))
    if record.received_at != known.received_at:
        raise RecordRefused("changed_time", field="received_at")
    for name in ("finished_at", "returned_at"):
        before, after = getattr(known, name), getattr(record, name)
        if before is not None and after != before:
            raise RecordRefused("changed_time", field=name)
    events: list[Event] = []
    if record.status != known.status:
        if record.status not in NEXT[known.status]:
            raise RecordRefused("backwards", before=known.status.value,
                                after=record.status.value)
        events.append(_status_event(known.status, record, now))
    extended = known.extended_due_at
    if record.due_at != known.due_at and record.due_at != extended:
        if record.due_at < known.due_at or extended is not None:
            raise RecordRefused("changed_due")
        extended = record.due_at
        events.append(Event("extended", record.status, now, {"due_at": extended.isoformat()}))
    corrected = [name for name, before, after in (
        ("procedure", known.procedure, record.procedure), ("unit", known.unit, record.unit),
        ("field", known.field, record.field), ("phone", known.phone, record.phone))
        if before != after]
    if corrected:
        events.append(Event("corrected", record.status, now, {"fields": corrected}))
    if not events and (record.finished_at, record.returned_at) == (known.finished_at,
                                                                   known.returned_at):
        return Change("unchanged", known, previous=known)
    dossier = replace(known, procedure=record.procedure, unit=record.unit, field=record.field,
                      status=record.status, finished_at=record.finished_at,
                      returned_at=record.returned_at, phone=record.phone,
                      extended_due_at=extended)
    return Change("updated", dossier, tuple(events), previous=known)


def _status_event(before: Status, record: Record, now: datetime) -> Event:
    at = {Status.FINISHED: record.finished_at, Status.RETURNED: record.returned_at}.get(
        record.status) or now
    return Event("status", record.status, at, {"from": before.value})


# --- the indicator and the apology ----------------------------------------------------------

def on_time(dossier: Dossier, now: datetime) -> bool | None:
    """Whether the dossier counts as settled on time; None when it is left out or its
    outcome is not known yet (open, not yet due)."""
    if dossier.status in LEFT_OUT:
        return None
    settled = dossier.settled_at
    if settled is not None:
        return settled <= dossier.due_at
    return False if now > dossier.due_at else None


def apology_owed_by(dossier: Dossier, calendar: WorkingCalendar, timezone: ZoneInfo,
                    end_of_day: time) -> datetime:
    """The end of the working day before the due day: the apology must be sent by then."""
    due_day = dossier.due_at.astimezone(timezone).date()
    day = calendar.previous_working_day(due_day)
    return datetime.combine(day, end_of_day, tzinfo=timezone)


def asked_from(dossier: Dossier, calendar: WorkingCalendar, timezone: ZoneInfo) -> datetime:
    """From when the unit is asked for the apology: the start of the working day before
    the due day, if the dossier is still not settled."""
    due_day = dossier.due_at.astimezone(timezone).date()
    return datetime.combine(calendar.previous_working_day(due_day), time(0), tzinfo=timezone)


def asked_before(now: datetime, calendar: WorkingCalendar, timezone: ZoneInfo) -> datetime:
    """Open dossiers due before this moment are at risk: their apology is owed by the end
    of today at the latest (the working day before their due day is today or earlier).
    That is every due day up to the next working day."""
    today = now.astimezone(timezone).date()
    return datetime.combine(calendar.next_working_day(today) + timedelta(days=1), time(0),
                            tzinfo=timezone)


def check_new_date(dossier: Dossier, day: date, calendar: WorkingCalendar,
                   timezone: ZoneInfo) -> None:
    """A new date is a working day after the due date; a dossier gets one."""
    if dossier.extended_due_at is not None:
        raise InvalidTransition("extend", "already_extended")
    if not calendar.is_working_day(day):
        raise ValidationError("date_not_working_day")
    if day <= dossier.due_at.astimezone(timezone).date():
        raise ValidationError("new_date_too_early")
