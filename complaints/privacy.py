"""Personal data: screening free text for personal numbers before it leaves the service
in an export or a publication (phone and identity card numbers are blanked out), and
the mark left where a person's details were erased at their request."""

import re

# Vietnamese phone numbers (with or without +84, with separators) and 9- or 12-digit
# identity numbers (CMND, CCCD); runs of 9 or more digits in general.
_NUMBERS = re.compile(r"(?<!\w)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\w)|(?<!\d)\d{9,12}(?!\d)")
MASK = "[…]"
REMOVED = "[removed]"
"""Stored in place of a contact detail erased at the person's request (it fits every
contact column); shown to staff in their language."""


def scrub(text: str | None) -> str | None:
    if text is None:
        return None
    return _NUMBERS.sub(MASK, text)


def anonymise(text: str, *known: str) -> str:
    """Text for publication: the sender's own name, address and phone (as they gave them)
    and any phone or identity number are blanked out."""
    result = text
    for value in sorted((k.strip() for k in known if k and len(k.strip()) >= 3),
                        key=len, reverse=True):
        result = re.sub(re.escape(value), MASK, result, flags=re.IGNORECASE)
    return scrub(result) or ""
