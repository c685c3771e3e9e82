"""SMS text: Vietnamese without diacritics, GSM 03.38 or UCS-2, counted in segments.

A message in the GSM 7-bit alphabet takes 160 characters in one segment, 153 in each
segment of a longer one (the rest carries the concatenation header); a character of the
alphabet's extension table (€ [ ] { } ~ ^ \\ |) takes two. A message with any other
character goes as UCS-2: 70 UTF-16 units in one segment, 67 in each of more. Brandname
gateways usually take only unaccented text, so by default Vietnamese is written without
its diacritics (đ → d, ơ → o, ệ → e ...): the message then fits the 7-bit alphabet.
"""

import unicodedata
from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = frozenset("^{}\\[~]|€")
SINGLE_GSM, PART_GSM = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67
ELLIPSIS = "..."
_PLAIN = str.maketrans({
    "đ": "d", "Đ": "D", "…": "...", "–": "-", "—": "-", "·": "-", "•": "-",
    "‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"', "\u00a0": " ",
})


def without_diacritics(text: str) -> str:
    """Vietnamese as it is texted without accents; a character the 7-bit alphabet has no
    letter for, after that, becomes '?'."""
    decomposed = unicodedata.normalize("NFD", text.translate(_PLAIN))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if c in GSM_BASIC or c in GSM_EXTENDED else "?" for c in plain)


def is_gsm(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENDED for c in text)


def units(text: str) -> int:
    """Septets in the 7-bit alphabet, or UTF-16 units in UCS-2."""
    if is_gsm(text):
        return len(text) + sum(1 for c in text if c in GSM_EXTENDED)
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Count:
    gsm: bool
    units: int
    segments: int


def count(text: str) -> Count:
    gsm = is_gsm(text)
    used = units(text)
    single, part = (SINGLE_GSM, PART_GSM) if gsm else (SINGLE_UCS2, PART_UCS2)
    segments = 1 if used <= single else -(-used // part)
    return Count(gsm, used, segments)


def capacity(gsm: bool, segments: int) -> int:
    """Units that fit in that many segments."""
    single, part = (SINGLE_GSM, PART_GSM) if gsm else (SINGLE_UCS2, PART_UCS2)
    return single if segments == 1 else part * segments


def shorten(text: str, tail: str, max_segments: int) -> str:
    """`text` then `tail` (a link, which must stay whole) in at most `max_segments`: the
    text is cut at a word with '...' when it does not fit."""
    whole = f"{text}\n{tail}" if tail and text else text or tail
    if count(whole).segments <= max_segments:
        return whole
    gsm = is_gsm(whole)
    room = capacity(gsm, max_segments) - (units(tail) + 1 if tail else 0) - len(ELLIPSIS)
    cut = _prefix_within(text, room, gsm)
    space = cut.rfind(" ", 0, len(cut))
    if space > len(cut) // 2:
        cut = cut[:space]
    cut = cut.rstrip() + ELLIPSIS
    return f"{cut}\n{tail}" if tail else cut


def _prefix_within(text: str, room: int, gsm: bool) -> str:
    """The longest start of `text` of at most `room` units of the message's encoding
    (a character outside the BMP takes two UTF-16 units)."""
    used = 0
    for index, char in enumerate(text):
        size = (2 if char in GSM_EXTENDED else 1) if gsm else len(char.encode("utf-16-le")) // 2
        if used + size > room:
            return text[:index]
        used += size
    return text
