"""Exports for admins: an XLSX workbook (summary, by unit, by field, the cases, the
dossiers, the anonymous ratings) and a CSV of the cases. Rows are streamed from the
database into a write-only workbook, so memory stays flat whatever the number of rows."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from io import StringIO
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.ports import ExportSource
from bot.core.survey_links import questionnaire
from bot.present.case_view import status_label as case_status_label
from bot.present.cells import safe_row, safe_xlsx_cell, safe_xlsx_row
from bot.present.dossier_view import status_label
from bot.present.i18n import _
from bot.present.names import channel_name
from bot.present.reports import figure_names, inclusion_line, indicator_names, unit_names
from complaints.case import Status as CaseStatus
from complaints.directory import Directory
from complaints.dossiers import Dossier, Status, on_time
from complaints.privacy import scrub
from surveys.indicators import Indicators, Rate
from surveys.questionnaire import Question
from surveys.report import Report

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Progress = Callable[[int], None]
PROGRESS_EVERY = 10_000
CHUNK = 64 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(moment: datetime | None, timezone: ZoneInfo) -> datetime | None:
    """Spreadsheets know no time zones: local time, without one."""
    return moment.astimezone(timezone).replace(tzinfo=None) if moment else None


def case_header() -> list[str]:
    return [_("Code"), _("Received"), _("Unit"), _("Field"), _("Area"), _("Channel"),
            _("Status"), _("Due"), _("New date after apology"), _("Resolved on"),
            _("On time"), _("Transfers"), _("Rating of the handling"),
            # The codes again, for programs that read the file.
            _("Channel (code)"), _("Status (code)")]


def _case_values(row: tuple[Any, ...], names: dict[str, dict[str, str]],
                 timezone: ZoneInfo) -> list[Any]:
    (code, received, unit, field, area, channel, status, due, extended, resolved, transfers,
     score) = row
    on_time = None if resolved is None else resolved <= due
    return [code, _local(received, timezone), names["unit"].get(unit, unit),
            names["field"].get(field, field), names["area"].get(area or "", area or ""),
            channel_name(channel), _case_status(status), _local(due, timezone),
            _local(extended, timezone), _local(resolved, timezone),
            None if on_time is None else (_("yes") if on_time else _("no")), transfers, score,
            channel, status]


def _case_status(code: str) -> str:
    """The status in words; an imported history's own status as it came."""
    return case_status_label(CaseStatus(code)) if code in set(CaseStatus) else code


def rating_header(questions: list[Question], language: str) -> list[str]:
    return [_("Rated"), _("Unit"), _("Field"), _("Procedure"), _("Channel"),
            _("Verified (a known dossier)"), _("Score"),
            *[q.text.in_language(language) for q in questions], _("Comment"),
            _("Procedure (code)"), _("Channel (code)")]


def _rating_values(row: tuple[Any, ...], names: dict[str, dict[str, str]],
                   timezone: ZoneInfo, questions: list[Question]) -> list[Any]:
    rated, unit, field, procedure, channel, verified, score, answers, comment = row
    return [_local(rated, timezone), names["unit"].get(unit, unit),
            names["field"].get(field, field), names["procedure"].get(procedure, procedure),
            channel_name(channel), _yes_no(verified), score,
            *[(answers or {}).get(q.id) for q in questions], scrub(comment), procedure, channel]


def dossier_header() -> list[str]:
    return [_("Dossier code"), _("Procedure"), _("Unit"), _("Field"), _("Status"),
            _("Received"), _("Due"), _("New date after apology"), _("Finished"),
            _("Returned"), _("On time"), _("Apology sent"), _("Apology in time")]


def _dossier_values(row: tuple[Any, ...], names: dict[str, dict[str, str]],
                    timezone: ZoneInfo, now: datetime) -> list[Any]:
    (code, procedure, unit, field, status, received, due, extended, finished, returned,
     apologised, owed_by) = row
    dossier = Dossier(code, procedure, unit, field, Status(status), received, due, finished,
                      returned)
    return [code, names["procedure"].get(procedure, procedure),
            names["unit"].get(unit, unit), names["field"].get(field, field),
            status_label(Status(status)), _local(received, timezone), _local(due, timezone),
            _local(extended, timezone), _local(finished, timezone),
            _local(returned, timezone), _yes_no(on_time(dossier, now)),
            _local(apologised, timezone),
            None if apologised is None else _yes_no(apologised <= owed_by)]


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else _("yes") if value else _("no")


def _names(directory: Directory, language: str) -> dict[str, dict[str, str]]:
    return {"unit": unit_names(directory, language),
            "field": {f.code: f.name.in_language(language) for f in directory.fields},
            "area": {a.code: a.name.in_language(language) for a in directory.areas},
            "procedure": {p.code: p.name.in_language(language) for p in directory.procedures}}


def _verdict(rate: Rate) -> str | None:
    if rate.target is None:
        return None
    return {True: _("met"), False: _("not met"), None: _("not enough data")}[rate.met]


def _rate_cells(rate: Rate) -> list[Any]:
    low, high = rate.interval or (None, None)
    return [rate.numerator, rate.denominator, rate.rate, rate.target, _verdict(rate), low,
            high]


def _rate_header() -> list[str]:
    return [_("Satisfied / on time"), _("Counted"), _("Rate"), _("Target"), _("Verdict"),
            _("95% CI low"), _("95% CI high")]


async def write_xlsx(target: str | IO[bytes], report: Report, source: ExportSource,
                     directory: Directory, language: str, timezone: ZoneInfo, now: datetime,
                     progress: Progress | None = None) -> int:
    """Write the workbook; returns the number of case and rating rows written."""
    questions = [q for q in questionnaire().questions if q.kind == "scale"]
    start, end = report.period.bounds(timezone)
    names = _names(directory, language)
    # openpyxl (with numpy) takes a fifth of a second to import: loaded by the first export.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet: WriteOnlyWorksheet, cells: list[str]) -> None:
        row = []
        for value in cells:
            cell = WriteOnlyCell(sheet, value=safe_xlsx_cell(value))
            cell.font = bold
            row.append(cell)
        sheet.append(row)

    summary = book.create_sheet(_("Summary"))
    _append(summary, [_("Indicators for {label} ({first} to {last})").format(
        label=report.period.label, first=report.period.first.strftime("%d/%m/%Y"),
        last=report.period.last.strftime("%d/%m/%Y"))])
    header(summary, [_("Indicator"), *_rate_header(), _("Points on the previous period")])
    trends = report.trends()
    for key, name in indicator_names().items():
        _append(summary, [name, *_rate_cells(report.overall[key]), trends[key]])
    for key, name in figure_names().items():
        _append(summary, [name, *_rate_cells(report.overall[key])])
    for inclusion in report.inclusions:
        _append(summary, [inclusion_line(inclusion, directory, timezone)])

    for group, title in (("unit", _("By unit")), ("field", _("By field"))):
        sheet = book.create_sheet(title)
        header(sheet, [_("Code"), _("Name of the unit or field"),
                       *[f"{name}: {column}" for name in indicator_names().values()
                         for column in (_("Rate"), _("Counted"), _("Verdict"))]])
        for code, indicators in report.groups.get(group, {}).items():
            _append(sheet, [code, names[group].get(code, code), *_group_cells(indicators)])

    written = 0
    cases = book.create_sheet(_("Cases"))
    header(cases, case_header())
    async for row in source.cases(start, end, report.scope.unit, report.scope.field):
        _append(cases, _case_values(row, names, timezone))
        written = _tick(written, progress)

    dossiers = book.create_sheet(_("Dossiers"))
    header(dossiers, dossier_header())
    async for row in source.dossiers(start, end, report.scope.unit, report.scope.field):
        _append(dossiers, _dossier_values(row, names, timezone, now))
        written = _tick(written, progress)

    ratings = book.create_sheet(_("Ratings"))
    header(ratings, rating_header(questions, language))
    async for row in source.ratings(start, end, report.scope.unit, report.scope.field):
        _append(ratings, _rating_values(row, names, timezone, questions))
        written = _tick(written, progress)
    book.save(target)
    return written


def _append(sheet: WriteOnlyWorksheet, values: list[Any]) -> None:
    """A row of cells that a spreadsheet shows, never runs (bot.present.cells)."""
    sheet.append(safe_xlsx_row(values))


def _group_cells(indicators: Indicators) -> list[Any]:
    cells: list[Any] = []
    for key in indicator_names():
        rate = indicators[key]
        cells += [rate.rate, rate.denominator, _verdict(rate)]
    return cells


async def cases_csv(rows: AsyncIterator[tuple[Any, ...]], directory: Directory,
                    language: str, timezone: ZoneInfo, progress: Progress | None = None,
                    counted: list[int] | None = None) -> AsyncIterator[str]:
    """The case list as CSV text, a chunk at a time (about CHUNK characters), so that a
    file or a download gets rows as they come from the database; the number of rows
    written is appended to `counted` at the end."""
    names = _names(directory, language)
    buffer = StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(case_header()))
    written = 0
    async for row in rows:
        values = _case_values(row, names, timezone)
        writer.writerow(safe_row([v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime)
                                  else "" if v is None else v for v in values]))
        written = _tick(written, progress)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
    if counted is not None:
        counted.append(written)


async def write_cases_csv(target: IO[str], rows: AsyncIterator[tuple[Any, ...]],
                          directory: Directory, language: str, timezone: ZoneInfo,
                          progress: Progress | None = None) -> int:
    """The case list as CSV (UTF-8; the caller writes a BOM for spreadsheet programs)."""
    counted: list[int] = []
    async for chunk in cases_csv(rows, directory, language, timezone, progress, counted):
        target.write(chunk)
    return counted[0]


def _tick(written: int, progress: Progress | None) -> int:
    written += 1
    if progress is not None and written % PROGRESS_EVERY == 0:
        progress(written)
    return written
