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
    """The plan's indicators, in the order reports show them."""

    SATISFACTION = "satisfaction"
    PAKN_ON_TIME = "pakn_on_time"
    PAKN_SATISFACTION = "pakn_satisfaction"
    DOSSIER_ON_TIME = "dossier_on_time"


UNVERIFIED = "satisfaction_unverified"
"""Satisfaction from the unverified ratings: shown beside the indicator, never judged."""
APOLOGISED = "dossier_apologised_in_time"
"""Late dossiers whose apology was sent in time ÷ late dossiers: a figure, no target."""


@dataclass(frozen=True)
class Targets:
    satisfaction: float = 0.92
    pakn_on_time: float = 0.95
    pakn_satisfaction: float = 0.90
    dossier_on_time: float = 0.96
    minimum_count: int = 30
    by_field: dict[str, float] = field(default_factory=dict)
    """Satisfaction targets that differ by field (land, construction, investment: 90%)."""
    dossier_by_field: dict[str, float] = field(default_factory=dict)
    """On-time targets for dossiers that differ by field (land, construction: 95%)."""

    def satisfaction_for(self, field_code: str | None) -> float:
        if field_code is None:
            return self.satisfaction
        return self.by_field.get(field_code, self.satisfaction)

    def dossier_on_time_for(self, field_code: str | None) -> float:
        if field_code is None:
            return self.dossier_on_time
        return self.dossier_by_field.get(field_code, self.dossier_on_time)


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
    satisfaction: Rate
    pakn_on_time: Rate
    pakn_satisfaction: Rate
    dossier_on_time: Rate
    satisfaction_unverified: Rate
    dossier_apologised_in_time: Rate

    def __getitem__(self, name: str) -> Rate:
        rate: Rate = getattr(self, str(name))
        return rate

    def as_dict(self) -> dict[str, object]:
        return {name: self[name].as_dict() for name in (*Indicator, UNVERIFIED, APOLOGISED)}


@dataclass(frozen=True)
class Counts:
    """What storage counted for one group (or the whole period)."""

    satisfied: int = 0
    rated: int = 0
    """Ratings counted toward the target: verified, and unverified ones included."""
    on_time: int = 0
    known: int = 0
    handling_satisfied: int = 0
    handling_rated: int = 0
    dossiers_on_time: int = 0
    dossiers_known: int = 0
    unverified_satisfied: int = 0
    unverified_rated: int = 0
    late_dossiers: int = 0
    apologised_in_time: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(a + b for a, b in zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in self.__dataclass_fields__)


def indicators(counts: Counts, targets: Targets, field_code: str | None = None) -> Indicators:
    minimum = targets.minimum_count
    return Indicators(
        satisfaction=Rate(counts.satisfied, counts.rated, targets.satisfaction_for(field_code),
                          minimum),
        pakn_on_time=Rate(counts.on_time, counts.known, targets.pakn_on_time, minimum),
        pakn_satisfaction=Rate(counts.handling_satisfied, counts.handling_rated,
                               targets.pakn_satisfaction, minimum),
        dossier_on_time=Rate(counts.dossiers_on_time, counts.dossiers_known,
                             targets.dossier_on_time_for(field_code), minimum),
        satisfaction_unverified=Rate(counts.unverified_satisfied, counts.unverified_rated,
                                     None, minimum),
        dossier_apologised_in_time=Rate(counts.apologised_in_time, counts.late_dossiers, None,
                                        minimum),
    )


def trend(current: Rate, previous: Rate) -> float | None:
    """Change of the rate against the previous period, in percentage points."""
    if current.rate is None or previous.rate is None:
        return None
    return (current.rate - previous.rate) * 100
