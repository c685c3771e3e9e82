"""How dossiers are told to people: statuses, why a record was refused, a summary."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.present.i18n import _, format_date, format_datetime
from bot.present.names import procedure_name, unit_name
from complaints.directory import Directory
from complaints.dossiers import Dossier, RecordRefused, Status


def status_label(status: Status) -> str:
    return {
        Status.RECEIVED: _("Received"),
        Status.IN_PROGRESS: _("Being processed"),
        Status.ADDITIONAL_DOCS: _("Additional documents requested"),
        Status.FINISHED: _("Finished: the result is ready to collect"),
        Status.RETURNED: _("Result returned"),
        Status.REJECTED: _("Not accepted"),
        Status.WITHDRAWN: _("Withdrawn"),
    }[status]


def refusal_text(error: RecordRefused) -> str:
    """Why a record of the one-stop system was not taken, in the reader's language."""
    details = {key: str(value) for key, value in error.details.items()}
    texts = {
        "unknown_fields": _("unknown field(s): {fields}"),
        "missing_columns": _("missing column(s): {fields}"),
        "extra_values": _("more values than columns"),
        "not_an_object": _("a record must be a JSON object"),
        "not_text": _("{field} must be text"),
        "missing_fields": _("missing: {fields}"),
        "bad_code": _("'{code}' is not a dossier code (letters, digits, . - _ /, at most "
                      "64)"),
        "unknown_unit": _("unit: unknown code '{code}'"),
        "unknown_field": _("field: unknown code '{code}'"),
        "unknown_procedure": _("procedure: unknown code '{code}' (add it to the directory)"),
        "procedure_field": _("procedure {procedure} belongs to the field {field}"),
        "bad_status": _("status must be received, in_progress, additional_docs, finished, "
                        "returned, rejected or withdrawn, not '{status}'"),
        "bad_time": _("{field}: not an ISO 8601 date or time: '{value}'"),
        "before_received": _("{field} comes before received_at"),
        "returned_before_finished": _("returned_at comes before finished_at"),
        "needs_time": _("a dossier with status {status} needs {field}"),
        "time_for_status": _("{field} is given but the status is {status}"),
        "bad_phone": _("phone: not a Vietnamese phone number"),
        "changed_time": _("{field} differs from the one recorded before: it cannot change"),
        "backwards": _("the dossier cannot go back from {before} to {after}"),
        "changed_due": _("due_at may only move once, to a later date"),
    }
    return texts.get(error.reason, error.reason).format(**details)


def summary(dossier: Dossier, directory: Directory, timezone: ZoneInfo,
            now: datetime) -> list[str]:
    """What a follower sees of a dossier."""
    lines = [
        _("Dossier {code}").format(code=dossier.code),
        _("Procedure: {procedure}").format(procedure=procedure_name(directory,
                                                                    dossier.procedure)),
        _("Handled by: {unit}").format(unit=unit_name(directory, dossier.unit)),
        _("Received: {date}").format(date=format_datetime(dossier.received_at, timezone)),
        _("Status: {status}").format(status=status_label(dossier.status)),
        _("Result due: {date}").format(date=format_date(dossier.due_at, timezone)),
    ]
    if dossier.extended_due_at is not None:
        lines.append(_("New date for the result: {date}").format(
            date=format_date(dossier.extended_due_at, timezone)))
    if dossier.settled_at is not None:
        lines.append(_("Result ready: {date}").format(
            date=format_datetime(dossier.settled_at, timezone)))
    elif dossier.is_open and now > dossier.effective_due_at:
        lines.append(_("The result is late."))
    return lines
