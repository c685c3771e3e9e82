"""The written apology with a new date (Thông tư 01/2018/TT-VPCP, Mẫu số 04: "Phiếu xin
lỗi và hẹn lại ngày trả kết quả"): what it must say, as data to render."""

from dataclasses import dataclass
from datetime import date


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


def apology_number(sequence: int, unit_code: str) -> str:
    """Numbered per unit and year, as the unit's register of outgoing papers does."""
    return f"{sequence:02d}/PXL-{unit_code}"
