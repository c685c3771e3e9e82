"""The written apology with a new date: what it must say, as data to render. The form is
Thông tư 03/2025/TT-VPCP, Mẫu số 04 ("Văn bản xin lỗi và đề nghị gia hạn thời gian giải
quyết"), required for a dossier and used for a PAKN by analogy."""

from dataclasses import dataclass
from datetime import date

SUGGESTED_DELAYS = (3, 5, 10)
"""New dates offered, in working days after the date promised."""
TITLE_MIN, TITLE_MAX = 2, 100
"""Lengths of the official's name and title signed on the apology."""


@dataclass(frozen=True)
class ApologyNotice:
    place: str
    """Where it is issued, for the dateline ("Xuân Lộc, ngày ...")."""
    unit_name: str
    number: str
    issued_on: date
    recipient_name: str
    recipient_address: str
    recipient_phone: str
    received_on: date
    field_name: str
    case_code: str
    original_due: date
    reason: str
    new_due: date | None
    """None for the apology sent on the unit's behalf when the deadline passed unnoticed:
    the unit then owes the new date."""
    official_name: str
    official_title: str
    kind: str = "pakn"
    """"pakn" or "dossier": what was received (the form is the same)."""
    procedure_name: str = ""
    """For a dossier: the procedure it is for."""


def apology_number(sequence: int, unit_code: str) -> str:
    """Numbered per unit and year, as the unit's register of outgoing papers does."""
    return f"{sequence:02d}/PXL-{unit_code}"
