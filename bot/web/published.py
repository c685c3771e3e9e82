"""What the APIs publish of a case, and the conventions they share: texts anonymised as on
the public pages (no name, phone, address or photo of the sender), W3C times in local
time with their offset, the reader's language, open CORS for reading."""

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.i18n import resolve_language
from complaints.privacy import anonymise
from storage.web import PublicCase

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
READ_HEADERS = {"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}
"""Open data may be read from any web page."""
SEARCH_SCAN = 2000
"""A search looks at this many of the newest cases the database finds: the database
matches the texts as filed (names and phones included), so only what is published may
decide a match, and that is checked here."""
COORDINATE_DIGITS = 3
"""About 100 m: enough to map a problem, too coarse to point at someone's door."""


@dataclass(frozen=True)
class Published:
    code: str
    field: str
    procedure: str | None
    unit: str
    area: str | None
    status: str
    closed: bool
    received_at: datetime
    due_at: datetime
    """The original deadline (the one the on-time indicator counts)."""
    expected_at: datetime
    """The date now promised: the new date given with an apology, else the deadline."""
    resolved_at: datetime | None
    updated_at: datetime
    question: str
    answer: str | None
    latitude: float | None
    longitude: float | None

    def mentions(self, words: str) -> bool:
        """Whether what is published of the case contains the words searched for."""
        wanted = words.casefold()
        return any(wanted in (text or "").casefold()
                   for text in (self.code, self.question, self.answer))

    @property
    def on_time(self) -> bool | None:
        """Resolved by its original deadline; None while open."""
        return None if self.resolved_at is None else self.resolved_at <= self.due_at


def publish(case: PublicCase) -> Published:
    """A case as it may be published: its own contact details are blanked out of the
    texts (with any phone or identity number), coordinates are coarsened."""
    closed = case.status == "resolved"
    return Published(
        code=case.code, field=case.field, procedure=case.procedure, unit=case.unit,
        area=case.area, status=case.status, closed=closed, received_at=case.received_at,
        due_at=case.due_at, expected_at=case.extended_due_at or case.due_at,
        resolved_at=case.resolved_at, updated_at=case.updated_at,
        question=anonymise(case.text, *case.contact),
        answer=anonymise(case.answer, *case.contact) if case.answer else None,
        latitude=_coarse(case.latitude), longitude=_coarse(case.longitude))


def _coarse(value: float | None) -> float | None:
    return None if value is None else round(value, COORDINATE_DIGITS)


def w3c(moment: datetime | None, timezone: ZoneInfo) -> str | None:
    """2026-03-02T09:00:00+07:00: ISO 8601 as the W3C note has it, with the offset."""
    if moment is None:
        return None
    return moment.astimezone(timezone).isoformat(timespec="seconds")


def reader_language(request: web.Request, default: str) -> str:
    """`?lang=vi|en`, else the browser's first language if we speak it, else the default."""
    first = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0].strip()
    return resolve_language(request.query.get("lang"), first or None, default)


def clean(value: str | None, limit: int | None = None) -> str:
    """Text from a request as the database and XML take it: no control characters (line
    breaks and tabs kept), no lone surrogates, trimmed, at most `limit` characters."""
    text = _UNSAFE.sub("", value or "").strip()
    return text[:limit] if limit is not None else text
