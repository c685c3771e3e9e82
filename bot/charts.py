"""Charts of a report: satisfaction by field against each field's target, the on-time
rate of PAKN by unit and of dossiers by field against their targets, and the months of
the period. Rates with too few
responses are drawn pale and marked, not ranked. PNG for chats, SVG for the web."""

from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.i18n import _
from bot.reports import indicator_names, unit_names
from complaints.directory import Directory
from surveys.indicators import Rate
from surveys.report import Report

GOOD, BAD, PALE, TARGET = "#1a7f37", "#cf222e", "#8c959f", "#0b5cad"
Rows = list[tuple[str, Rate]]


def by_field(report: Report, directory: Directory, language: str) -> Rows:
    names = {f.code: f.name.in_language(language) for f in directory.fields}
    return [(names.get(code, code), indicators.satisfaction)
            for code, indicators in report.groups.get("field", {}).items()
            if indicators.satisfaction.denominator]


def by_unit(report: Report, directory: Directory, language: str) -> Rows:
    names = unit_names(directory, language)
    return [(names.get(code, code), indicators.pakn_on_time)
            for code, indicators in report.groups.get("unit", {}).items()
            if indicators.pakn_on_time.denominator]


def dossiers_by_field(report: Report, directory: Directory, language: str) -> Rows:
    names = {f.code: f.name.in_language(language) for f in directory.fields}
    return [(names.get(code, code), indicators.dossier_on_time)
            for code, indicators in report.groups.get("field", {}).items()
            if indicators.dossier_on_time.denominator]


def report_chart(report: Report, directory: Directory, language: str) -> bytes:
    """Both bar charts in one PNG, for a chat."""
    fields, units = by_field(report, directory, language), by_unit(report, directory, language)
    figure = _figure(10, 4 + 0.3 * (len(fields) + len(units)))
    panels = figure.subplots(2, 1, height_ratios=[max(len(fields), 1), max(len(units), 1)])
    _bars(panels[0], fields, _("Satisfaction with procedures by field ({period})").format(
        period=report.period.label))
    _bars(panels[1], units, _("PAKN handled on time by unit ({period})").format(
        period=report.period.label))
    return _render(figure, "png")


def bar_chart(rows: Rows, title: str, kind: str = "svg") -> bytes:
    figure = _figure(9, 1.5 + 0.35 * max(len(rows), 1))
    _bars(figure.subplots(), rows, title)
    return _render(figure, kind)


def trend_chart(report: Report, kind: str = "svg") -> bytes:
    """The indicators month by month."""
    figure = _figure(9, 3.6)
    axes = figure.subplots()
    axes.set_title(_("Month by month ({period})").format(period=report.period.label),
                   fontsize=11, loc="left")
    labels = [label for label, _indicators in report.months]
    for key, name in indicator_names().items():
        values = [100 * rate.rate if (rate := ind[key]).rate is not None else None
                  for _label, ind in report.months]
        axes.plot(labels, [v if v is not None else float("nan") for v in values], marker="o",
                  label=name)
    axes.set_ylim(0, 100)
    axes.set_ylabel("%")
    if not labels:
        axes.text(0.5, 0.5, _("no data yet"), ha="center", va="center",
                  transform=axes.transAxes, color="#4d5761")
    else:
        axes.legend(fontsize=8, loc="lower left")
    return _render(figure, kind)


def _figure(width: float, height: float) -> Figure:
    # The object API with the Agg canvas: no display, no global pyplot state.
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def _render(figure: Figure, kind: str) -> bytes:
    figure.tight_layout()
    out = BytesIO()
    figure.savefig(out, format=kind)
    return out.getvalue()


def _bars(axes: Axes, rows: Rows, title: str) -> None:
    axes.set_title(title, fontsize=11, loc="left")
    axes.set_xlim(0, 100)
    axes.set_xlabel("%")
    if not rows:
        axes.text(50, 0, _("no data yet"), ha="center", va="center", color="#4d5761")
        axes.set_yticks([])
        return
    labels = [label for label, _rate in rows]
    values = [100 * (rate.rate or 0) for _label, rate in rows]
    colours = [PALE if rate.met is None else GOOD if rate.met else BAD for _l, rate in rows]
    positions = range(len(rows))
    axes.barh(positions, values, color=colours)
    axes.set_yticks(list(positions), labels, fontsize=9)
    axes.invert_yaxis()
    for position, (_label, rate) in zip(positions, rows, strict=True):
        if rate.target is not None:
            axes.plot([100 * rate.target] * 2, [position - 0.4, position + 0.4], color=TARGET,
                      linewidth=2)
        note = f"{100 * (rate.rate or 0):.1f}% ({rate.numerator}/{rate.denominator})"
        if rate.met is None:
            note += " · " + _("not enough data")
        axes.text(min(100 * (rate.rate or 0), 60) + 1, position, note, va="center",
                  fontsize=8)
