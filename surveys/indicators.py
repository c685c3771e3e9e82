"""The indicators of the administrative-reform plan, as DOMAIN.md defines them.

- Satisfaction rate: ratings of Hài lòng or Rất hài lòng ÷ all ratings given in the
  period (a rating belongs to the period it was given in, local time).
- PAKN on-time rate: cases whose original deadline falls in the period and were
  resolved no later than it ÷ cases whose deadline falls in the period and whose outcome
  is known (resolved, or the deadline has passed). A new date given with an apology
  does not move a case: it stays late. A case staff closed as a duplicate of another
  (merged, with the reason recorded) is left out: the problem counts once, in the case
  that goes on.
- PAKN handling satisfaction: ratings of the handling of cases resolved in the period
  that are satisfied ÷ all such ratings.
- Dossier on-time rate: dossiers whose original due date falls in the period and that
  were finished (or returned, where no finish time is given) no later than it ÷ those
  whose outcome is known (settled, or past due); withdrawn and rejected ones left out.

Satisfaction counts verified ratings (tied to a known dossier, one per dossier), and the
unverified ones only where an administrator included them for a unit and period; the
unverified ones are reported beside it and never decide whether a target is met. Beside
the dossier rate: how many late dossiers had their apology in time (a figure, no target).

Each rate comes with its count, its target, pass or fail, and a 95% Wilson interval;
under the minimum number of responses it is "not enough data" (met is None).

Storage counts (in SQL); this module owns the formulas and the targets.
"""

import math
from dataclasses import dataclass, field
from enum import StrEnum

Z95 = 1.959963984540054
SATISFIED_FROM = 4
"""Scores counted as satisfied: 4 (Hài lòng) and 5 (Rất hài lòng)."""


class Indicator(StrEnum):
    """The keys of the plan's indicators (their definitions: DEFINITIONS)."""

    SATISFACTION = "satisfaction"
    PAKN_ON_TIME = "pakn_on_time"
    PAKN_SATISFACTION = "pakn_satisfaction"
    DOSSIER_ON_TIME = "dossier_on_time"


UNVERIFIED = "satisfaction_unverified"
"""Satisfaction from the unverified ratings: shown beside the indicator, never judged."""
APOLOGISED = "dossier_apologised_in_time"
"""Late dossiers whose apology was sent in time ÷ late dossiers: a figure, no target."""


def N_(message: str) -> str:
    """Marks a label for the catalogs (babel.cfg reads this package); the bot translates
    it where it shows it, in the reader's language."""
    return message


@dataclass(frozen=True)
class Chart:
    """A bar chart of an indicator by unit or field, against its target."""

    slug: str
    """Its address on the pages: bieu-do/<slug>.svg."""
    group: str
    """What its bars are: "unit" or "field"."""
    title: str
    """With {period}."""
    alt: str
    """Its text alternative on the pages."""
    in_chat: bool = False
    """Drawn in the picture `/thongke` sends to a chat too."""


@dataclass(frozen=True)
class Definition:
    """An indicator (or a figure shown beside one): the counts its rate divides, its
    target and its words. Storage registers the statement that counts them
    (storage.indicators.QUERIES); every report, chart, export, page and API lists what
    is registered here, in this order."""

    key: str
    """Its name in JSON, CSV and on the pages."""
    numerator: str
    denominator: str
    """The names of the counts (Counts) it divides."""
    name: str
    short: str = ""
    """In the report's tables, by unit or field; figures have none."""
    target: float | None = None
    """The plan's target where the directory sets none (its `targets` entry of the same
    name; a field's `<key>_target`); None: a figure, which is never judged."""
    beside: str | None = None
    """A figure: the indicator it is shown beside."""
    chart: Chart | None = None
    api_note: str = ""
    """What the OpenAPI description says of it (English, not translated)."""

    @property
    def judged(self) -> bool:
        return self.target is not None


DEFINITIONS: list[Definition] = [
    Definition(
        Indicator.SATISFACTION, "satisfied", "rated", N_("Satisfaction with procedures"),
        N_("satisfaction"), 0.92,
        chart=Chart("fields", "field", N_("Satisfaction with procedures by field ({period})"),
                    N_("Satisfaction with procedures by field, against each field target; "
                       "the same figures are in the table below."), in_chat=True),
        api_note="satisfaction counts verified ratings (tied to a known dossier, one per "
                 "dossier), and unverified ones only where an administrator included them "
                 "(unverified_included)"),
    Definition(
        Indicator.PAKN_ON_TIME, "on_time", "known", N_("PAKN handled on time"), N_("on time"),
        0.95,
        chart=Chart("units", "unit", N_("PAKN handled on time by unit ({period})"),
                    N_("PAKN handled on time by unit, against the target; the same figures "
                       "are in the table below."), in_chat=True)),
    Definition(
        Indicator.PAKN_SATISFACTION, "handling_satisfied", "handling_rated",
        N_("Satisfaction with PAKN handling"), N_("PAKN satisfaction"), 0.90),
    Definition(
        Indicator.DOSSIER_ON_TIME, "dossiers_on_time", "dossiers_known",
        N_("Dossiers settled on time"), N_("dossiers on time"), 0.96,
        chart=Chart("dossiers", "field", N_("Dossiers settled on time by field ({period})"),
                    N_("Dossiers settled on time by field, against each field target; the "
                       "same figures are in the table below."))),
    Definition(UNVERIFIED, "unverified_satisfied", "unverified_rated",
               N_("Unverified ratings (not counted toward the target)"),
               beside=Indicator.SATISFACTION),
    Definition(APOLOGISED, "apologised_in_time", "late_dossiers",
               N_("Late dossiers apologised for in time"), beside=Indicator.DOSSIER_ON_TIME),
]
"""The registry. Adding an indicator: its definition here, its count in
storage.indicators.QUERIES, its words in the catalogs."""


def register(definition: Definition) -> None:
    """Add an indicator (or a figure) to the registry, after those there."""
    keys = {d.key for d in DEFINITIONS}
    if definition.key in keys:
        raise ValueError(f"indicator {definition.key} is already registered")
    if definition.beside is not None and definition.beside not in keys:
        raise ValueError(f"{definition.key} is shown beside an unknown indicator")
    if definition.judged == (definition.beside is not None):
        raise ValueError(f"{definition.key}: an indicator has a target, a figure is beside one")
    DEFINITIONS.append(definition)


def judged() -> list[Definition]:
    """The indicators, which have targets, in the order reports show them."""
    return [d for d in DEFINITIONS if d.judged]


def figures() -> list[Definition]:
    """The figures shown beside the indicators, which meet no target."""
    return [d for d in DEFINITIONS if not d.judged]


def charts() -> list[Chart]:
    return [d.chart for d in DEFINITIONS if d.chart is not None]


def charted(slug: str) -> Definition | None:
    """The indicator whose chart is at `slug`."""
    return next((d for d in DEFINITIONS if d.chart is not None and d.chart.slug == slug), None)


@dataclass(frozen=True)
class Targets:
    rates: dict[str, float] = field(default_factory=dict)
    """By indicator, its target where the directory sets one (else its definition's)."""
    by_field: dict[str, dict[str, float]] = field(default_factory=dict)
    """By indicator, the targets that differ by field (satisfaction with land,
    construction, investment: 90%; dossiers on time in land, construction: 95%)."""
    minimum_count: int = 30

    def target(self, definition: Definition, field_code: str | None) -> float | None:
        if definition.target is None:
            return None
        overall = self.rates.get(definition.key, definition.target)
        if field_code is None:
            return overall
        return self.by_field.get(definition.key, {}).get(field_code, overall)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int
    target: float | None
    minimum: int

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def enough(self) -> bool:
        return self.denominator >= self.minimum and self.denominator > 0

    @property
    def met(self) -> bool | None:
        """Whether the target is met; None when there is not enough data to say, or no
        target to meet."""
        if not self.enough or self.target is None:
            return None
        return self.numerator >= self.target * self.denominator - 1e-9

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.numerator, self.denominator) if self.denominator else None

    def as_dict(self) -> dict[str, object]:
        low, high = self.interval or (None, None)
        return {"numerator": self.numerator, "denominator": self.denominator,
                "rate": self.rate, "target": self.target, "met": self.met,
                "ci_low": low, "ci_high": high}


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a proportion: sound near 0 and 1 and with small
    counts, where the normal approximation is not."""
    if total <= 0:
        raise ValueError("no observations")
    if not 0 <= successes <= total:
        raise ValueError("successes must be between 0 and the total")
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Indicators:
    """The rate of every registered indicator and figure, by key (or as an attribute)."""

    rates: dict[str, Rate]

    def __getitem__(self, name: str) -> Rate:
        return self.rates[str(name)]

    def __getattr__(self, name: str) -> Rate:
        try:
            return self.__dict__["rates"][name]  # type: ignore[no-any-return]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, object]:
        return {d.key: self[d.key].as_dict() for d in (*judged(), *figures())}


class Counts:
    """What storage counted for one group (or the whole period): by name (the
    definitions' numerators and denominators), how many; 0 for what was not counted."""

    def __init__(self, **values: int) -> None:
        self.values = values

    def __getitem__(self, name: str) -> int:
        return self.values.get(name, 0)

    def __getattr__(self, name: str) -> int:
        """A registered count by its name (counts.rated)."""
        if any(name in (d.numerator, d.denominator) for d in DEFINITIONS):
            return self[name]
        raise AttributeError(name)

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(**{name: self[name] + other[name]
                         for name in (*self.values, *other.values)})


def indicators(counts: Counts, targets: Targets, field_code: str | None = None) -> Indicators:
    """The rates of the counts, each against its target (a field's own, for a field)."""
    return Indicators({d.key: Rate(counts[d.numerator], counts[d.denominator],
                                   targets.target(d, field_code), targets.minimum_count)
                       for d in DEFINITIONS})


def trend(current: Rate, previous: Rate) -> float | None:
    """Change of the rate against the previous period, in percentage points."""
    if current.rate is None or previous.rate is None:
        return None
    return (current.rate - previous.rate) * 100
