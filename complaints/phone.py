"""Vietnamese phone numbers: validation and normalisation.

Mobile numbers have ten digits starting 03, 05, 07, 08 or 09 (after the 2018
renumbering); landlines have eleven digits starting 02 (area code 2xx). Both may be
written with the country code +84 / 84 instead of the leading 0.
"""

import re

from complaints.errors import ValidationError

_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"0[35789]\d{8}")
_LANDLINE = re.compile(r"02\d{9}")
_THREE_DIGIT_AREAS = ("024", "028")


def normalize_phone(raw: str) -> str:
    """Return the number in national form (0xxxxxxxxx) or raise ValidationError."""
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    raise ValidationError("phone_invalid", value=raw)


def format_phone(national: str) -> str:
    """Group the digits the way Vietnamese numbers are usually printed."""
    if len(national) == 10:  # mobile: 0912 345 678
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    if national[:3] in _THREE_DIGIT_AREAS:  # Hà Nội, TP HCM: 024 3825 1234
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    return f"{national[:4]} {national[4:8]} {national[8:]}"  # elsewhere: 0251 3871 234


def mask_phone(national: str) -> str:
    """Enough of a number for its owner to recognise it (the first two and the last three
    digits), too little for anyone else to call it."""
    return f"{national[:2]}…{national[-3:]}"
