"""Charts of a report as PNG: satisfaction by field against each field's target, and
the on-time rate by unit against its target. Rates with too few responses are drawn
pale and marked, not ranked."""

from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.i18n import _
from complaints.directory import Directory
from surveys.indicators import Rate
from surveys.report import Report

GOOD, BAD, PALE, TARGET = "#1a7f37", "#cf222e", "#c9d1d9", "#0b5cad"


def report_chart(report: Report, directory: Directory, language: str) -> bytes:
    fields = {f.code: f.name.in_language(language) for f in directory.fields}
    units = {u.code: u.name.in_language(language) for u in directory.units}
    by_field = [(fields.get(code, code), ind.satisfaction)
                for code, ind in report.groups.get("field", {}).items()
                if ind.satisfaction.denominator]
    by_unit = [(units.get(code, code), ind.pakn_on_time)
               for code, ind in report.groups.get("unit", {}).items()
               if ind.pakn_on_time.denominator]
    # The object API with the Agg canvas: no display, no global pyplot state.
    figure = Figure(figsize=(10, 4 + 0.3 * (len(by_field) + len(by_unit))), dpi=100)
    FigureCanvasAgg(figure)
    panels = figure.subplots(2, 1, height_ratios=[max(len(by_field), 1), max(len(by_unit), 1)])
    _bars(panels[0], by_field, _("Satisfaction with procedures by field ({period})").format(
        period=report.period.label))
    _bars(panels[1], by_unit, _("PAKN handled on time by unit ({period})").format(
        period=report.period.label))
    figure.tight_layout()
    out = BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _bars(axes: Axes, rows: list[tuple[str, Rate]], title: str) -> None:
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
        axes.plot([100 * rate.target] * 2, [position - 0.4, position + 0.4], color=TARGET,
                  linewidth=2)
        note = f"{100 * (rate.rate or 0):.1f}% ({rate.numerator}/{rate.denominator})"
        if rate.met is None:
            note += " · " + _("not enough data")
        axes.text(min(100 * (rate.rate or 0), 60) + 1, position, note, va="center",
                  fontsize=8)
