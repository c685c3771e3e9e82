"""Charts of a report: each indicator that has a chart (surveys.indicators.Chart) by unit
or field against its targets, and the months of the period. Each bar carries its 95%
interval and its figures in words; a rate with too few responses gets no bar, only "not
enough data". Numbers follow the locale. PNG for chats, SVG for the web."""

import textwrap
from io import BytesIO

from babel.numbers import format_percent
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.present.i18n import _, current_language
from bot.present.reports import indicator_names, percent, unit_names
from complaints.directory import Directory
from surveys.indicators import Definition, Rate, charted, judged
from surveys.report import Report

GOOD, BAD, PALE, TARGET = "#1a7f37", "#cf222e", "#8c959f", "#0b5cad"
INTERVAL, INK, MUTED = "#24292f", "#1f2328", "#4d5761"
Rows = list[tuple[str, Rate]]


def chart_rows(report: Report, directory: Directory, language: str,
               definition: Definition) -> Rows:
    """The bars of an indicator's chart: each unit or field that has something counted."""
    assert definition.chart is not None
    group = definition.chart.group
    names = (unit_names(directory, language) if group == "unit" else
             {f.code: f.name.in_language(language) for f in directory.fields})
    return [(names.get(code, code), indicators[definition.key])
            for code, indicators in report.groups.get(group, {}).items()
            if indicators[definition.key].denominator]


def chart_title(report: Report, definition: Definition) -> str:
    assert definition.chart is not None
    return _(definition.chart.title).format(period=report.period.label)


def report_chart(report: Report, directory: Directory, language: str) -> bytes:
    """The bar charts meant for a chat (Chart.in_chat) in one PNG."""
    shown = [d for d in judged() if d.chart is not None and d.chart.in_chat]
    rows = [chart_rows(report, directory, language, d) for d in shown]
    figure = _figure(WIDTH, 1.6 + ROW * (sum(map(len, rows)) + len(rows)))
    panels = figure.subplots(len(rows), 1, height_ratios=[max(len(r), 1) for r in rows],
                             squeeze=False)[:, 0]
    for panel, definition, bars in zip(panels, shown, rows, strict=True):
        _bars(panel, bars, chart_title(report, definition))
    return _render(figure, "png")


def indicator_chart(slug: str, report: Report, directory: Directory, language: str,
                    kind: str = "svg") -> bytes | None:
    """The chart at `slug` (an indicator's, or "trend"); None if there is none."""
    if slug == "trend":
        return trend_chart(report, kind)
    definition = charted(slug)
    if definition is None:
        return None
    return bar_chart(chart_rows(report, directory, language, definition),
                     chart_title(report, definition), kind)


def bar_chart(rows: Rows, title: str, kind: str = "svg") -> bytes:
    figure = _figure(WIDTH, 1.2 + ROW * max(len(rows), 1))
    _bars(figure.subplots(), rows, title)
    return _render(figure, kind)


def trend_chart(report: Report, kind: str = "svg") -> bytes:
    """The indicators month by month."""
    figure = _figure(WIDTH, 4.2)
    axes = figure.subplots()
    axes.set_title(_wrap(_("Month by month ({period})").format(period=report.period.label),
                         TITLE_CHARACTERS), fontsize=TITLE_SIZE, loc="left")
    labels = [label for label, _indicators in report.months]
    if not labels:
        _nothing(axes)
        return _render(figure, kind)
    for key, name in indicator_names().items():
        values = [100 * rate.rate if (rate := ind[key]).rate is not None else float("nan")
                  for _label, ind in report.months]
        axes.plot(labels, values, marker="o", label=name)
    axes.set_ylim(0, 100)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: _whole(value)))
    axes.tick_params(axis="x", labelrotation=45, labelsize=TEXT_SIZE)
    axes.legend(fontsize=TEXT_SIZE - 1, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=1,
                frameon=False)
    return _render(figure, kind)


# Sized for a phone: a 5-inch figure is drawn at about its natural size in a 360 px column,
# so 9-10 pt text stays readable there and in print.
WIDTH, ROW, TEXT_SIZE, TITLE_SIZE = 4.0, 0.6, 10, 11
LABEL_CHARACTERS, TITLE_CHARACTERS = 16, 38


def _figure(width: float, height: float) -> Figure:
    # The object API with the Agg canvas: no display, no global pyplot state.
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def _render(figure: Figure, kind: str) -> bytes:
    figure.tight_layout()
    out = BytesIO()
    # Text stays text in SVG: searchable, read by screen readers, sharp when zoomed.
    with rc_context({"svg.fonttype": "none"}):
        figure.savefig(out, format=kind, bbox_inches="tight")
    return out.getvalue()


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _whole(value: float) -> str:
    return format_percent(value / 100, "#,##0%", locale=current_language())


def _nothing(axes: Axes) -> None:
    """No axes to collide with: the message stands alone in the panel."""
    axes.set_axis_off()
    axes.text(0.5, 0.5, _("no data yet"), ha="center", va="center", transform=axes.transAxes,
              color=MUTED, fontsize=TEXT_SIZE + 1)


def _bars(axes: Axes, rows: Rows, title: str) -> None:
    axes.set_title(_wrap(title, TITLE_CHARACTERS), fontsize=TITLE_SIZE, loc="left")
    if not rows:
        _nothing(axes)
        return
    axes.set_xlim(0, 100)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _position: _whole(value)))
    axes.tick_params(axis="x", labelsize=TEXT_SIZE - 1)
    positions = range(len(rows))
    axes.set_yticks(list(positions), [_wrap(label, LABEL_CHARACTERS) for label, _r in rows],
                    fontsize=TEXT_SIZE)
    axes.set_ylim(len(rows) - 0.1, -0.5)  # room under the last bar for its figures
    for position, (_label, rate) in zip(positions, rows, strict=True):
        counts = f"({rate.numerator}/{rate.denominator})"
        if not rate.enough:
            # Too few answers to rank: no bar, the words in its place.
            axes.text(1, position, f"{_('not enough data')} {counts}", va="center",
                      fontsize=TEXT_SIZE - 1, color=MUTED)
            continue
        value = 100 * (rate.rate or 0)
        colour = PALE if rate.met is None else GOOD if rate.met else BAD
        low, high = rate.interval or (value / 100, value / 100)
        axes.barh(position - 0.1, value, color=colour, height=0.45,
                  xerr=[[value - 100 * low], [100 * high - value]],
                  error_kw={"ecolor": INTERVAL, "capsize": 3, "linewidth": 1})
        if rate.target is not None:
            axes.plot([100 * rate.target] * 2, [position - 0.4, position + 0.2], color=TARGET,
                      linewidth=2)
        axes.text(1, position + 0.17, f"{percent(rate.rate)} {counts}", va="top",
                  fontsize=TEXT_SIZE - 1, color=INK)
