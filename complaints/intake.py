"""A PAKN taken by staff for a citizen who did not write in a chat: how it came, when it
was received, the sender's details as the rules ask for them, and the consent given.

Nghị định 20/2008/NĐ-CP (as amended by Nghị định 92/2017/NĐ-CP), art. 9: a PAKN states
its content clearly and gives the sender's name, address and phone number, or a mailing
address where the agency must write back. One without a name or an address is not
accepted (an anonymous PAKN is not processed under that decree); the phone and an email
are optional when the address is given, since the answer can go by post."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from complaints.case import check_text
from complaints.errors import ValidationError
from complaints.phone import normalize_phone

NAME_MIN, NAME_MAX = 2, 100
ADDRESS_MIN, ADDRESS_MAX = 5, 300
EMAIL_MAX = 254
MAX_BACKDATE = timedelta(days=30)
"""How long before its filing a PAKN may have been received: a letter opened late, a
call noted on paper over a holiday. Older ones are refused, as a typing error is likelier."""
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


class Origin(StrEnum):
    """How a PAKN taken by staff reached the unit: the case's channel."""

    PHONE = "phone"
    """A call, the 1022 hotline's included."""
    LETTER = "letter"
    IN_PERSON = "in_person"
    EMAIL = "email"
    OTHER = "other"


class ConsentBasis(StrEnum):
    """How the citizen agreed to the processing of their data (Luật 91/2025/QH15: the
    controller must be able to prove it; staff record which and who recorded it)."""

    ORAL = "oral"
    WRITTEN = "written"


@dataclass(frozen=True)
class Sender:
    """The citizen as the rules ask for them: name and address always; phone and email
    when given (normalised: national digits, lower-case address)."""

    name: str
    address: str
    phone: str | None = None
    email: str | None = None


def check_sender(name: str, address: str, phone: str = "", email: str = "") -> Sender:
    """The sender's details, or the first rule they break."""
    return Sender(check_name(name), check_address(address),
                  normalize_phone(phone) if phone.strip() else None,
                  check_email(email) if email.strip() else None)


def check_name(name: str) -> str:
    return _required(name, "name_missing", NAME_MIN, NAME_MAX)


def check_address(address: str) -> str:
    return _required(address, "address_missing", ADDRESS_MIN, ADDRESS_MAX)


def _required(value: str, missing: str, minimum: int, maximum: int) -> str:
    if not value.strip():
        raise ValidationError(missing)
    return check_text(value, minimum, maximum)


def check_email(raw: str) -> str:
    email = raw.strip()
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise ValidationError("email_invalid", value=raw)
    return email.lower()


def check_received(received_at: datetime, now: datetime) -> datetime:
    """The time of receipt as staff state it: not later than now, nor long before."""
    if received_at > now:
        raise ValidationError("received_in_future")
    if received_at < now - MAX_BACKDATE:
        raise ValidationError("received_too_early", days=MAX_BACKDATE.days)
    return received_at


NOW_WORDS = frozenset({"now", "bây giờ", "bay gio", "ngay bây giờ", "hiện tại", "bây h"})
_TIME = r"(?P<hour>\d{1,2})\s*(?::|h|giờ)\s*(?P<minute>\d{1,2})?\s*(?:phút)?"
_DATE = r"(?:ngày\s*)?(?P<day>\d{1,2})\s*[/.-]\s*(?P<month>\d{1,2})\s*[/.-]\s*(?P<year>\d{4})"
_WHEN = (re.compile(rf"^{_TIME}\s*,?\s*{_DATE}$", re.IGNORECASE),
         re.compile(rf"^{_DATE}\s*,?\s*(?:lúc\s*)?{_TIME}$", re.IGNORECASE))


def parse_received(text: str, now: datetime, timezone: ZoneInfo) -> datetime:
    """A time of receipt as staff type it, in local time: "now" ("bây giờ"), or a time
    and a date in the Vietnamese order, e.g. 14:30 05/12/2026, 14h30 ngày 5/12/2026,
    05/12/2026 14:30. Returned in UTC."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in NOW_WORDS:
        return now
    for pattern in _WHEN:
        found = pattern.match(cleaned)
        if found:
            try:
                local = datetime(int(found["year"]), int(found["month"]), int(found["day"]),
                                 int(found["hour"]), int(found["minute"] or 0),
                                 tzinfo=timezone)
            except ValueError:
                break
            return local.astimezone(UTC)
    raise ValidationError("time_invalid", value=text)
