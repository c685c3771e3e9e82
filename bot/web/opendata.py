"""Open data, no sign-in: the indicators of a period (overall, by unit, field, procedure,
channel and month) and the published PAKN as JSON and CSV; described by the OpenAPI file
at /api/openapi.json.

The indicators' JSON is the report `pakn stats --json` prints, with the names of the
codes added; the cases are those whose texts a person approved for publication, with
the texts as approved (bot.core.publication), as on the public pages."""

import csv
import io
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from aiohttp import web

from bot.core.errors import StorageError
from bot.present.cells import safe_row
from bot.present.i18n import _, use_locale
from bot.present.names import area_name, field_name, procedure_name, unit_name
from bot.present.reports import make_report, unit_names
from bot.runtime.settings import Settings
from bot.web.openapi import openapi
from bot.web.outage import noted
from bot.web.published import (
    READ_HEADERS,
    Published,
    clean,
    publish,
    reader_language,
    w3c,
)
from complaints.directory import Directory
from storage.uow import Store
from surveys.errors import PeriodError
from surveys.indicators import Indicators, Rate, figures, judged
from surveys.periods import Period, parse_period
from surveys.report import GROUPS, Report, Scope

CSV_GROUPS = ("overall", *GROUPS, "month")
INDICATOR_COLUMNS = ("period", "group", "code", "name", "indicator", "numerator",
                     "denominator", "rate", "target", "met", "ci_low", "ci_high")
CASE_COLUMNS = ("code", "field", "field_name", "procedure", "procedure_name", "unit",
                "unit_name", "area", "area_name", "received_at", "due_at", "resolved_at",
                "on_time", "question", "answer", "published_at")
DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET = 100, 1000, 10**9

log = logging.getLogger(__name__)


class BadRequest(Exception):
    """Answered 400 with its description, in the same format as Open311's errors."""


class OpenData:
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    def install(self, app: web.Application) -> None:
        app.router.add_get("/api/openapi.json", self.openapi)
        app.router.add_get("/api/indicators.{format:json|csv}", self._endpoint(self.indicators))
        app.router.add_get("/api/cases.{format:json|csv}", self._endpoint(self.cases))

    def _endpoint(self, handler: Callable[[web.Request, str], Awaitable[web.Response]]
                  ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """The reader's language, refusals in the same format as Open311's errors, and
        open to any web page."""
        async def endpoint(request: web.Request) -> web.Response:
            language = reader_language(request, self.settings.default_language)
            with use_locale(language):
                try:
                    response = await handler(request, language)
                except BadRequest as error:
                    response = web.json_response([{"code": 400, "description": str(error)}],
                                                 status=400, dumps=_dumps)
                except StorageError as exc:
                    noted(request, exc)
                    response = web.json_response([{"code": 503, "description": _(
                        "The service is unavailable for a moment; please try again.")}],
                        status=503, headers={"Retry-After": "30"}, dumps=_dumps)
            response.headers.update(READ_HEADERS)
            return response
        return endpoint

    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(openapi(), headers=READ_HEADERS)

    # --- indicators --------------------------------------------------------------------

    async def indicators(self, request: web.Request, language: str) -> web.Response:
        query = request.query
        period = self._period(query.get("period"))
        group = clean(query.get("group"), 20) or None
        if group is not None and group not in CSV_GROUPS:
            raise BadRequest(_("group must be one of: {groups}").format(
                groups=", ".join(CSV_GROUPS)))
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            scope = _scope(query, directory)
            report = await make_report(uow.indicators, directory, period, scope, self.clock(),
                                       self.settings.tz, GROUPS)
        names = _names(directory, language)
        if request.match_info["format"] == "json":
            return web.json_response({**report.as_dict(), "names": names},
                                     dumps=_dumps)
        rows = (r for r in _indicator_rows(report, names) if group in (None, r[1]))
        return _csv(INDICATOR_COLUMNS, rows, f"indicators-{period.label}.csv")

    def _period(self, text: str | None) -> Period:
        """The period asked for (the current quarter by default), checked so that it and
        the period before it have bounds."""
        text = clean(text, 40)
        if not text:
            local = self.clock().astimezone(self.settings.tz)
            text = f"{local.year}-Q{(local.month - 1) // 3 + 1}"
        try:
            period = parse_period(text)
            period.bounds(self.settings.tz)
            period.previous().bounds(self.settings.tz)
        except (PeriodError, ValueError, OverflowError):
            raise BadRequest(_("period must be written as 2026, 2026-Q1, 2026-H1, 2026-9M, "
                               "2026-03 or 2026-01-01..2026-03-31")) from None
        return period

    # --- cases -------------------------------------------------------------------------

    async def cases(self, request: web.Request, language: str) -> web.Response:
        query = request.query
        limit = _number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = _number(query, "offset", 0, 0, MAX_OFFSET)
        start = self._day(query, "start")
        end = self._day(query, "end", following=True)
        search = clean(query.get("q"), 100) or None
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            scope = _scope(query, directory)
            found, total = await uow.public.cases(
                published_only=True, start=start, end=end, field=scope.field,
                unit=scope.unit, search=search, limit=limit, offset=offset)
        published = [publish(c) for c in found]
        items = [self._case(p, directory) for p in published]
        if request.match_info["format"] == "json":
            return web.json_response({"total": total, "limit": limit, "offset": offset,
                                      "cases": items}, dumps=_dumps)
        response = _csv(CASE_COLUMNS, ([item[c] for c in CASE_COLUMNS] for item in items),
                        "cases.csv")
        response.headers["X-Total-Count"] = str(total)
        return response

    def _day(self, query: Mapping[str, str], name: str,
             following: bool = False) -> datetime | None:
        """Local midnight starting a day written YYYY-MM-DD (or, `following`, ending it),
        in UTC."""
        text = clean(query.get(name), 20)
        if not text:
            return None
        try:
            day = date.fromisoformat(text) + timedelta(days=1 if following else 0)
            return datetime.combine(day, time(0), tzinfo=self.settings.tz).astimezone(UTC)
        except (ValueError, OverflowError):
            raise BadRequest(_("{name} must be a date written as YYYY-MM-DD").format(
                name=name)) from None

    def _case(self, case: Published, directory: Directory) -> dict[str, Any]:
        tz = self.settings.tz
        return {
            "code": case.code,
            "field": case.field, "field_name": field_name(directory, case.field),
            "procedure": case.procedure,
            "procedure_name": procedure_name(directory, case.procedure)
            if case.procedure else None,
            "unit": case.unit, "unit_name": unit_name(directory, case.unit),
            "area": case.area, "area_name": area_name(directory, case.area) if case.area else None,
            "received_at": w3c(case.received_at, tz), "due_at": w3c(case.due_at, tz),
            "resolved_at": w3c(case.resolved_at, tz), "on_time": case.on_time,
            "question": case.question, "answer": case.answer,
            "published_at": w3c(case.published_at, tz),
        }


def _scope(query: Mapping[str, str], directory: Directory) -> Scope:
    unit = clean(query.get("unit"), 64) or None
    field = clean(query.get("field"), 64) or None
    if unit is not None and not directory.has_unit(unit):
        raise BadRequest(_("unit {code} is not in the directory").format(code=unit))
    if field is not None and not directory.has_field(field):
        raise BadRequest(_("field {code} is not in the directory").format(code=field))
    return Scope(unit=unit, field=field)


def _number(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = clean(query.get(name), 20)
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise BadRequest(_("{name} must be a whole number from {low} to {high}").format(
            name=name, low=low, high=high))
    return int(text)


def _names(directory: Directory, language: str) -> dict[str, dict[str, str]]:
    """What the codes of the report stand for, in the reader's language."""
    return {"unit": unit_names(directory, language),
            "field": {f.code: f.name.in_language(language) for f in directory.fields},
            "procedure": {p.code: p.name.in_language(language) for p in directory.procedures}}


def _indicator_rows(report: Report, names: dict[str, dict[str, str]]) -> Iterator[
        list[object]]:
    label = report.period.label
    groups: list[tuple[str, str, Indicators]] = [("overall", "", report.overall)]
    for group, values in report.groups.items():
        groups += [(group, code, indicators) for code, indicators in values.items()]
    groups += [("month", month, indicators) for month, indicators in report.months]
    for group, code, indicators in groups:
        for key in (d.key for d in (*judged(), *figures())):
            rate: Rate = indicators[key]
            low, high = rate.interval or (None, None)
            yield [label, group, code, names.get(group, {}).get(code, code), key,
                   rate.numerator, rate.denominator, rate.rate, rate.target, rate.met, low, high]


def _csv(columns: tuple[str, ...], rows: Iterator[list[object]], filename: str) -> web.Response:
    """UTF-8 CSV with a header row: booleans as true/false, nothing as an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row(list(columns)))
    for row in rows:
        writer.writerow(safe_row([_cell(value) for value in row]))
    return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
