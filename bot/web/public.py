"""Published results, no sign-in: the indicators against the targets, by unit and field,
with charts; the PAKN whose texts staff approved for publication, with those texts; a
case page by its code (its texts only once approved).
In Vietnamese at /cong-khai, in English at /public."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.numbers import format_percent

from bot.present.i18n import _, use_locale
from bot.present.names import area_name, channel_name, field_name, unit_name
from bot.present.reports import (
    figure_names,
    inclusion_line,
    indicator_names,
    make_report,
    unit_names,
)
from bot.runtime.settings import Settings
from bot.web.filters import Filters, known_units
from bot.web.published import Published, clean, publish
from bot.web.render import day, page, percent
from complaints.directory import Directory
from storage.uow import Store
from surveys.indicators import Indicators, Rate, charts, judged
from surveys.periods import Period
from surveys.report import AsOf, Report, Scope

PREFIXES = {"/cong-khai": "vi", "/public": "en"}
PAGE_SIZE = 20
PAGE_MAX = 10_000


def current_quarter(now: datetime, settings: Settings) -> str:
    local = now.astimezone(settings.tz)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class ShownRate:
    """A rate as a page shows it."""

    rate: str
    counts: str
    target: str
    verdict: str
    """"met", "not_met" or "not_enough"."""
    interval: str


def shown(rate: Rate, language: str) -> ShownRate:
    verdict = {True: "met", False: "not_met", None: "not_enough"}[rate.met]
    low, high = rate.interval or (None, None)
    interval = f"{percent(low, language)}–{percent(high, language)}" if low is not None else ""
    return ShownRate(percent(rate.rate, language), f"{rate.numerator}/{rate.denominator}",
                     percent(rate.target, language), verdict, interval)


def public_case(case: Published, directory: Directory, settings: Settings,
                language: str) -> dict[str, Any]:
    """A case as a page shows it (bot.web.published), dates in local time."""
    with use_locale(language):
        return {
            "code": case.code, "field": field_name(directory, case.field),
            "unit": unit_name(directory, case.unit), "area": area_name(directory, case.area),
            "closed": case.closed, "duplicate": case.status == "duplicate",
            "received": day(case.received_at, settings.tz, language),
            "due": day(case.due_at, settings.tz, language),
            "resolved": day(case.resolved_at, settings.tz, language),
            "question": case.question, "answer": case.answer,
            "published": day(case.published_at, settings.tz, language),
            "raised_by": case.raised_by,
        }


class PublicSite:
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    def install(self, app: web.Application) -> None:
        for prefix in PREFIXES:
            app.router.add_get(prefix, self.overview)
            app.router.add_get(f"{prefix}/bieu-do/{{kind}}.svg", self.chart)
            app.router.add_get(f"{prefix}/pakn", self.cases)
            app.router.add_get(f"{prefix}/pakn/{{code}}", self.case)

    @staticmethod
    def _prefix(request: web.Request) -> str:
        return next(p for p in PREFIXES if request.path.startswith(p))

    def _asked(self, request: web.Request) -> tuple[Filters, Period | None, AsOf]:
        form = Filters(request.query)
        period = form.period("period", current_quarter(self.clock(), self.settings),
                             self.settings.tz)
        as_of = AsOf(form.choice("as_of", tuple(AsOf), AsOf.NOW.value))
        return form, period, as_of

    async def _report(self, period: Period, as_of: AsOf) -> tuple[Report, Directory]:
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            report = await make_report(uow.indicators, directory, period, Scope(), self.clock(),
                                       self.settings.tz, as_of=as_of)
        return report, directory

    async def overview(self, request: web.Request) -> web.Response:
        prefix = self._prefix(request)
        language = PREFIXES[prefix]
        form, period, as_of = self._asked(request)
        local = self.clock().astimezone(self.settings.tz)
        choices = [f"{local.year}-Q{q}" for q in range(1, (local.month - 1) // 3 + 2)]
        choices += [f"{local.year}-H1", f"{local.year}", f"{local.year - 1}"]
        if period is None or form.wrong:
            async with self.store.unit_of_work() as uow:
                directory = await uow.directory.load()
            with use_locale(language):
                errors = form.mistakes()
            return page(request, "public/overview.html", language, status=400, errors=errors,
                        prefix=prefix, period=None, entered=form.entered(), choices=choices,
                        authority=directory.name.in_language(language), as_of=as_of.value,
                        reorganised=bool(directory.former_units),
                        other=_other_language(prefix, request))
        report, directory = await self._report(period, as_of)
        return page(request, "public/overview.html", language, prefix=prefix, period=period,
                    errors={}, entered=form.entered(),
                    overall=overall_cards(report.overall, language),
                    beside=beside_cards(report, directory, language),
                    inclusions=inclusion_notes(report, directory, language,
                                               self.settings.tz),
                    columns=columns(language), charts=chart_links(language),
                    units=group_rows(report, directory, "unit", language),
                    fields=group_rows(report, directory, "field", language), choices=choices,
                    authority=directory.name.in_language(language),
                    confidence=format_percent(0.95, locale=language),
                    as_of=as_of.value, reorganised=bool(directory.former_units),
                    other=_other_language(prefix, request))

    async def chart(self, request: web.Request) -> web.Response:
        language = PREFIXES[self._prefix(request)]
        kind = request.match_info["kind"]
        if kind not in chart_kinds():
            raise web.HTTPNotFound()
        form, period, as_of = self._asked(request)
        form.refuse()
        assert period is not None
        report, directory = await self._report(period, as_of)
        svg = chart_svg(kind, report, directory, language)
        return web.Response(body=svg, content_type="image/svg+xml",
                            headers={"Cache-Control": "public, max-age=300"})

    async def cases(self, request: web.Request) -> web.Response:
        prefix = self._prefix(request)
        language = PREFIXES[prefix]
        form = Filters(request.query)
        number = form.number("page", 1, 1, PAGE_MAX)
        search = form.text("q", 100) or None
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            field = form.choice("field", (f.code for f in directory.fields)) or None
            unit = form.choice("unit", known_units(directory)) or None
            found, total = ([], 0) if form.wrong else await uow.public.cases(
                published_only=True, field=field, unit=unit, search=search, limit=PAGE_SIZE,
                offset=(number - 1) * PAGE_SIZE)
        shown_cases = [publish(c) for c in found]
        with use_locale(language):
            errors = form.mistakes()
        return page(request, "public/cases.html", language, prefix=prefix,
                    status=400 if errors else 200, errors=errors,
                    cases=[public_case(c, directory, self.settings, language)
                           for c in shown_cases],
                    total=total, page=number, pages=max(1, ceil(total / PAGE_SIZE)),
                    query=form.entered(), directory=directory,
                    other=_other_language(prefix, request))

    async def case(self, request: web.Request) -> web.Response:
        prefix = self._prefix(request)
        language = PREFIXES[prefix]
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            found = await uow.public.case(clean(request.match_info["code"], 64).upper())
        if found is None:
            return page(request, "public/missing.html", language, status=404, prefix=prefix,
                        other=_other_language(prefix, request))
        return page(request, "public/case.html", language, prefix=prefix,
                    case=public_case(publish(found), directory, self.settings, language),
                    other=_other_language(prefix, request))


def group_rows(report: Report, directory: Directory, group: str,
               language: str) -> list[dict[str, Any]]:
    """A table's rows: each unit (field, procedure, channel) and its three rates."""
    names = {"unit": unit_names(directory, language),
             "field": {f.code: f.name.in_language(language) for f in directory.fields},
             "procedure": {p.code: p.name.in_language(language)
                           for p in directory.procedures}}.get(group, {})
    with use_locale(language):
        return [{"code": code, "name": channel_name(str(code)) if group == "channel"
                 else names.get(str(code), str(code)),
                 **{d.key: shown(indicators[d.key], language) for d in judged()}}
                for code, indicators in report.groups.get(group, {}).items()]


def chart_svg(kind: str, report: Report, directory: Directory, language: str) -> bytes:
    """The chart of a kind chart_kinds() lists."""
    # matplotlib takes a third of a second to import: loaded by the first chart drawn.
    from bot.present.charts import indicator_chart

    with use_locale(language):
        svg = indicator_chart(kind, report, directory, language)
    assert svg is not None
    return svg


def chart_kinds() -> list[str]:
    """The charts a page shows: each indicator's that has one, then month by month."""
    return [*(chart.slug for chart in charts()), "trend"]


def chart_links(language: str) -> list[tuple[str, str]]:
    """The charts as a page shows them: kind and text alternative."""
    with use_locale(language):
        return [*((chart.slug, _(chart.alt)) for chart in charts()),
                ("trend", _("The indicators month by month."))]


def overall_cards(indicators: Indicators, language: str) -> list[tuple[str, str, ShownRate]]:
    """The indicators' cards, in the registry's order."""
    with use_locale(language):
        names = indicator_names()
    return [(key, name, shown(indicators[key], language)) for key, name in names.items()]


def beside_cards(report: Report, directory: Directory,
                 language: str) -> list[tuple[str, str, ShownRate]]:
    """The figures shown beside the indicators (no target), where there is something."""
    with use_locale(language):
        names = figure_names()
    return [(key, name, shown(report.overall[key], language)) for key, name in names.items()
            if report.overall[key].denominator]


def inclusion_notes(report: Report, directory: Directory, language: str,
                    timezone: ZoneInfo) -> list[str]:
    with use_locale(language):
        return [inclusion_line(inclusion, directory, timezone)
                for inclusion in report.inclusions]


def columns(language: str) -> list[tuple[str, str]]:
    """The indicators as table columns: key and name."""
    with use_locale(language):
        return list(indicator_names().items())


def _other_language(prefix: str, request: web.Request) -> str:
    """The same page in the other language."""
    other = next(p for p in PREFIXES if p != prefix)
    return other + request.path_qs[len(prefix):]
