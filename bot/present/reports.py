"""The indicators report: counted by the database, computed by the domain, written out
for a chat, a terminal or JSON."""

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent

from bot.core.ports import IndicatorSource
from bot.present.i18n import _, current_language, format_date
from bot.present.names import CHANNELS, channel_name, unit_name
from complaints.directory import Directory
from surveys.indicators import Counts, Indicators, Rate, Targets, figures, judged
from surveys.periods import Period
from surveys.report import AsOf, Inclusion, Report, Scope, build_report


def targets_of(directory: Directory) -> Targets:
    """The directory's targets: its `targets` entry named as the indicator, a field's
    `<indicator>_target`; the definition's own where it sets none."""
    rates, by_field = {}, {}
    for definition in judged():
        key = definition.key
        if (rate := getattr(directory.targets, key, None)) is not None:
            rates[key] = rate
        by_field[key] = {f.code: target for f in directory.fields
                         if (target := getattr(f, f"{key}_target", None)) is not None}
    return Targets(rates, by_field, directory.targets.minimum_responses)


class AsOrganisedNow:
    """Counts with every record under the unit of today that took over from its unit
    (transitively; a unit split in two under its main successor, so totals do not
    change). A unit's figures add up those of the units rolled into it."""

    def __init__(self, source: IndicatorSource, directory: Directory) -> None:
        self.source = source
        self.directory = directory

    async def counts(self, start: datetime, end: datetime, now: datetime, scope: Scope,
                     group: str | None, timezone: ZoneInfo) -> dict[str | None, Counts]:
        units = self.directory.rolled_into(scope.unit) if scope.unit else (None,)
        result: dict[str | None, Counts] = {}
        for unit in units:
            part = await self.source.counts(start, end, now,
                                            dataclasses.replace(scope, unit=unit), group,
                                            timezone)
            for key, counts in part.items():
                if group == "unit" and key is not None:
                    key = self.directory.current_unit(str(key))
                result[key] = result.get(key, Counts()) + counts
        return result

    async def inclusions(self) -> list[Inclusion]:
        return [dataclasses.replace(i, unit=self.directory.current_unit(i.unit))
                for i in await self.source.inclusions()]


async def make_report(source: IndicatorSource, directory: Directory, period: Period,
                      scope: Scope, now: datetime, timezone: ZoneInfo,
                      groups: tuple[str, ...] = ("unit", "field"),
                      as_of: AsOf = AsOf.NOW) -> Report:
    """The report of a period against the previous one, both counted under the same
    organisation (`as_of`)."""
    if as_of is AsOf.NOW and directory.former_units:
        source = AsOrganisedNow(source, directory)
    start, end = period.bounds(timezone)
    before_start, before_end = period.previous().bounds(timezone)
    total = await source.counts(start, end, now, scope, None, timezone)
    previous = await source.counts(before_start, before_end, now, scope, None, timezone)
    by_group = {group: await source.counts(start, end, now, scope, group, timezone)
                for group in groups}
    months = await source.counts(start, end, now, scope, "month", timezone)
    return build_report(period, scope, targets_of(directory), total.get(None, Counts()),
                        previous.get(None, Counts()), by_group,
                        sorted((str(k), v) for k, v in months.items() if k is not None),
                        tuple(await source.inclusions()), as_of)


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return format_percent(value, "#,##0.0%", locale=current_language())


def rate_line(rate: Rate) -> str:
    """92,5% (185/200) · target 92% · met · 95% CI 88,1–95,7%; a figure with no target
    only its value, count and interval."""
    target = ([_("target {target}").format(target=percent(rate.target))]
              if rate.target is not None else [])
    if rate.denominator == 0:
        return " · ".join([_("no data yet"), *target])
    interval = rate.interval
    assert interval is not None
    verdict = ([{True: _("met"), False: _("not met"), None: _("not enough data")}[rate.met]]
               if rate.target is not None else [])
    return " · ".join([
        f"{percent(rate.rate)} ({rate.numerator}/{rate.denominator})", *target, *verdict,
        _("95% CI {low}–{high}").format(low=percent(interval[0]), high=percent(interval[1])),
    ])


def indicator_names() -> dict[str, str]:
    """The indicators' names, in the registry's order (surveys.indicators)."""
    return {d.key: _(d.name) for d in judged()}


def figure_names() -> dict[str, str]:
    """The figures shown beside the indicators, which meet no target."""
    return {d.key: _(d.name) for d in figures()}


def inclusion_line(inclusion: Inclusion, directory: Directory, timezone: ZoneInfo) -> str:
    return _("Unverified ratings of {unit} from {first} to {last} are counted, by an "
             "administrator's decision of {date}.").format(
        unit=unit_name(directory, inclusion.unit), first=inclusion.first.strftime("%d/%m/%Y"),
        last=inclusion.last.strftime("%d/%m/%Y"),
        date=format_date(inclusion.included_at, timezone))


def report_text(report: Report, directory: Directory, language: str,
                timezone: ZoneInfo) -> str:
    """The compact table of /thongke and `pakn stats`."""
    period = report.period
    lines = [_("Indicators for {label} ({first} to {last})").format(
        label=period.label, first=period.first.strftime("%d/%m/%Y"),
        last=period.last.strftime("%d/%m/%Y"))]
    if directory.former_units:
        lines[0] += f" · {as_of_text(report.as_of)}"
    trends = report.trends()
    labels = figure_names()
    for key, name in indicator_names().items():
        line = f"{name}: {rate_line(report.overall[key])}"
        change = trends[key]
        if change is not None:
            points = format_decimal(change, "+#,##0.0;-#,##0.0", locale=language)
            line += " · " + _("{points} points on the previous period").format(points=points)
        lines.append(line)
        lines += [f"  {labels[figure.key]}: {rate_line(report.overall[figure.key])}"
                  for figure in figures() if figure.beside == key
                  and report.overall[figure.key].denominator]
    lines += [inclusion_line(inclusion, directory, timezone) for inclusion in report.inclusions]
    names = {"unit": unit_names(directory, language),
             "field": {f.code: f.name.in_language(language) for f in directory.fields},
             "procedure": {p.code: p.name.in_language(language) for p in directory.procedures},
             "channel": {code: channel_name(code) for code in CHANNELS}}
    headings = {"unit": _("By unit"), "field": _("By field"), "procedure": _("By procedure"),
                "channel": _("By channel")}
    for group, values in report.groups.items():
        rows = [(names.get(group, {}).get(code, code), indicators)
                for code, indicators in values.items() if _has_data(indicators)]
        if not rows:
            continue
        lines += ["", headings[group] + ":"]
        for label, indicators in rows:
            lines.append(f"• {label}: " + "; ".join(
                f"{short} {_short(indicators[key])}"
                for key, short in _short_names().items() if indicators[key].denominator))
    return "\n".join(lines)


def unit_names(directory: Directory, language: str) -> dict[str, str]:
    """The names of the current units and of those that have ended (a report as
    organised then lists them)."""
    return {u.code: u.name.in_language(language)
            for u in (*directory.former_units, *directory.units)}


def as_of_text(as_of: AsOf) -> str:
    return {AsOf.NOW: _("as organised now"), AsOf.THEN: _("as organised then")}[as_of]


def _short_names() -> dict[str, str]:
    return {d.key: _(d.short) for d in judged()}


def _short(rate: Rate) -> str:
    mark = {True: "✓", False: "✗", None: "…"}[rate.met]
    return f"{percent(rate.rate)} ({rate.numerator}/{rate.denominator}) {mark}"


def _has_data(indicators: Indicators) -> bool:
    return any(indicators[key].denominator for key in _short_names())
