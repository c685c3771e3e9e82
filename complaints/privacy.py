"""Personal data: screening free text before it leaves the service in an export or a
publication (complaints.anonymiser finds what to blank), and the mark left where a
person's details were erased at their request.

Whatever was found becomes the one mark MASK, not a mark per kind ("[số điện thoại]"):
the published texts, open data and exports already show that mark, and a reader of a
PAKN learns nothing more useful from the kind of detail that was there."""

import hashlib
import hmac
import re
from collections.abc import Iterable

from complaints.anonymiser import Span, find, find_numbers

MASK = "[…]"
PSEUDONYM = re.compile(r"x[0-9a-f]{40}")
REMOVED = "[removed]"
"""Stored in place of a contact detail erased at the person's request (it fits every
contact column); shown to staff in their language."""


def scrub(text: str | None) -> str | None:
    """The text with phone, identity, tax and bank account numbers and licence plates
    blanked out."""
    if text is None:
        return None
    return _blank(text, find_numbers(text))


def anonymise(text: str, *known: str) -> str:
    """Text for publication: the sender's own name, address, phone and e-mail (as they
    gave them, in any spelling), other people's names, house numbers with their street,
    e-mail addresses and every number scrub blanks are blanked out."""
    return _blank(text, find(text, [value for value in known if value != REMOVED]))


def _blank(text: str, spans: Iterable[Span]) -> str:
    parts, done = [], 0
    for start, end in spans:
        parts += [text[done:start], MASK]
        done = end
    return "".join([*parts, text[done:]])


def pseudonym(key: bytes, channel: str, value: str) -> str:
    """What an erased person's chat or user id becomes: a keyed hash, so that the same id
    always gets the same pseudonym (a person who comes back is known to have erased their
    data) while the id cannot be worked out from it without the key. A pseudonym stays
    itself (erasing twice changes nothing): no channel's ids look like one."""
    if PSEUDONYM.fullmatch(value):
        return value
    digest = hmac.new(key, f"{channel}\x00{value}".encode(), hashlib.sha256).hexdigest()
    return "x" + digest[:40]
