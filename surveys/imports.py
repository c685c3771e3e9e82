"""Reading figures from before the bot: paper surveys and PAKN kept in spreadsheets, as
CSV (UTF-8, a header row). A file is taken whole or not at all: the first bad row
rejects it, with its line number and the reason."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from complaints.directory import Directory
from surveys.errors import ImportRejected

RATING_COLUMNS = ("id", "rated_at", "unit", "field", "procedure", "score", "dossier", "comment")
RATING_REQUIRED = ("id", "rated_at", "unit", "field", "score")
COMPLAINT_COLUMNS = ("code", "received_at", "unit", "field", "area", "due_at", "resolved_at",
                     "rating", "text")
COMPLAINT_REQUIRED = ("code", "received_at", "unit", "field")


@dataclass(frozen=True)
class ImportedRating:
    id: str
    rated_at: datetime
    unit: str
    field: str
    procedure: str | None
    score: int
    dossier: str | None
    comment: str | None


@dataclass(frozen=True)
class ImportedCase:
    code: str
    received_at: datetime
    unit: str
    field: str
    area: str | None
    due_at: datetime | None
    """None: to be computed from the receipt by the working calendar."""
    resolved_at: datetime | None
    rating: int | None
    text: str


def _rows(text: str, columns: tuple[str, ...],
          required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    text = text.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportRejected(1, f"missing column(s): {', '.join(missing)}")
    unknown = [name for name in header if name not in columns]
    if unknown:
        raise ImportRejected(1, f"unknown column(s): {', '.join(unknown)}")
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            raise ImportRejected(reader.line_num, "more values than columns")
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    return rows


def _moment(value: str, line: int, column: str, timezone: ZoneInfo) -> datetime:
    """ISO 8601; a date or time without an offset is local time."""
    try:
        moment = datetime.fromisoformat(value) if "T" in value or " " in value else \
            datetime.combine(date.fromisoformat(value), datetime.min.time())
    except ValueError:
        raise ImportRejected(line, f"{column}: not an ISO 8601 date or time: '{value}'") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone)


def _code(value: str, line: int, column: str, known: Callable[[str], bool]) -> str:
    if not known(value):
        raise ImportRejected(line, f"{column}: unknown code '{value}'")
    return value


def _score(value: str, line: int, column: str) -> int:
    if value not in {"1", "2", "3", "4", "5"}:
        raise ImportRejected(line, f"{column}: must be 1 to 5, got '{value}'")
    return int(value)


def _present(row: dict[str, str], line: int, required: tuple[str, ...]) -> None:
    for name in required:
        if not row.get(name):
            raise ImportRejected(line, f"{name} is empty")


def parse_ratings(text: str, directory: Directory, timezone: ZoneInfo) -> list[ImportedRating]:
    procedures = {p.code for p in directory.procedures}
    seen: set[str] = set()
    result = []
    for line, row in _rows(text, RATING_COLUMNS, RATING_REQUIRED):
        _present(row, line, RATING_REQUIRED)
        if row["id"] in seen:
            raise ImportRejected(line, f"id '{row['id']}' appears twice in the file")
        seen.add(row["id"])
        procedure = row.get("procedure") or None
        if procedure is not None and procedure not in procedures:
            raise ImportRejected(line, f"procedure: unknown code '{procedure}'")
        result.append(ImportedRating(
            id=row["id"], rated_at=_moment(row["rated_at"], line, "rated_at", timezone),
            unit=_code(row["unit"], line, "unit", directory.has_unit),
            field=_code(row["field"], line, "field", directory.has_field),
            procedure=procedure, score=_score(row["score"], line, "score"),
            dossier=(row.get("dossier") or "").upper() or None,
            comment=row.get("comment") or None))
    return result


def parse_complaints(text: str, directory: Directory, timezone: ZoneInfo) -> list[ImportedCase]:
    seen: set[str] = set()
    result = []
    for line, row in _rows(text, COMPLAINT_COLUMNS, COMPLAINT_REQUIRED):
        _present(row, line, COMPLAINT_REQUIRED)
        if row["code"] in seen:
            raise ImportRejected(line, f"code '{row['code']}' appears twice in the file")
        seen.add(row["code"])
        area = row.get("area") or None
        if area is not None and not directory.has_area(area):
            raise ImportRejected(line, f"area: unknown code '{area}'")
        received = _moment(row["received_at"], line, "received_at", timezone)
        due = _moment(row["due_at"], line, "due_at", timezone) if row.get("due_at") else None
        resolved = (_moment(row["resolved_at"], line, "resolved_at", timezone)
                    if row.get("resolved_at") else None)
        if resolved is not None and resolved < received:
            raise ImportRejected(line, "resolved_at comes before received_at")
        if due is not None and due < received:
            raise ImportRejected(line, "due_at comes before received_at")
        rating = _score(row["rating"], line, "rating") if row.get("rating") else None
        if rating is not None and resolved is None:
            raise ImportRejected(line, "a rating needs resolved_at: only resolved cases are rated")
        result.append(ImportedCase(
            code=row["code"], received_at=received,
            unit=_code(row["unit"], line, "unit", directory.has_unit),
            field=_code(row["field"], line, "field", directory.has_field), area=area,
            due_at=due, resolved_at=resolved, rating=rating, text=row.get("text") or ""))
    return result
