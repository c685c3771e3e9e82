"""What the public pages and the APIs publish of a case, and the conventions they share:
the texts only as a person approved them for publication (bot.core.publication; none
before, and none while the case is open), no photo, W3C times in local time with their
offset, the reader's language, open CORS for reading."""

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.present.i18n import resolve_language
from storage.web import PublicCase

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
READ_HEADERS = {"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}
"""Open data may be read from any web page."""


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
    question: str | None
    answer: str | None
    """Both as approved for publication; None while they are not."""
    latitude: float | None
    longitude: float | None
    """Rounded to about 100 m, and only where the approver published the place."""
    published_at: datetime | None
    raised_by: int = 1
    """How many citizens raised the problem: its sender and those following the case."""

    @property
    def on_time(self) -> bool | None:
        """Resolved by its original deadline; None while open."""
        return None if self.resolved_at is None else self.resolved_at <= self.due_at


def publish(case: PublicCase) -> Published:
    """A case as it may be published."""
    return Published(
        code=case.code, field=case.field, procedure=case.procedure, unit=case.unit,
        area=case.area, status=case.status, closed=case.status in ("resolved", "duplicate"),
        received_at=case.received_at, due_at=case.due_at,
        expected_at=case.extended_due_at or case.due_at, resolved_at=case.resolved_at,
        updated_at=case.updated_at, question=case.question, answer=case.answer,
        latitude=case.latitude, longitude=case.longitude, published_at=case.published_at,
        raised_by=case.raised_by)


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
