"""The indicators of the administrative-reform plan, as DOMAIN.md defines them.

- Satisfaction rate: ratings of Hài lòng or Rất hài lòng ÷ all ratings given in the
  period (a rating belongs to the period it was given in, local time).
- PAKN on-time rate: cases whose original deadline falls in the period and were
  resolved no later than it ÷ cases whose deadline falls in the period and whose outcome
  is known (resolved, or the deadline has passed). A new date given with an apology
  does not move a case: it stays late.
- PAKN handling satisfaction: ratings of the handling of cases resolved in the period
  that are satisfied ÷ all such ratings.

Each rate comes with its count, its target, pass or fail, and a 95% Wilson interval;
under the minimum number of responses it is "not enough data" (met is None).

Storage counts (in SQL); this module owns the formulas and the targets.
"""

import math
from dataclasses import dataclass, field

Z95 = 1.959963984540054
SATISFIED_FROM = 4
"""Scores counted as satisfied: 4 (Hài lòng) and 5 (Rất hài lòng)."""


@dataclass(frozen=True)
class Targets:
    satisfaction: float = 0.92
    pakn_on_time: float = 0.95
    pakn_satisfaction: float = 0.90
    minimum_count: int = 30
    by_field: dict[str, float] = field(default_factory=dict)
    """Satisfaction targets that differ by field (land, construction, investment: 90%)."""

    def satisfaction_for(self, field_code: str | None) -> float:
        if field_code is None:
            return self.satisfaction
        return self.by_field.get(field_code, self.satisfaction)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int
    target: float
    minimum: int

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def enough(self) -> bool:
        return self.denominator >= self.minimum and self.denominator > 0

    @property
    def met(self) -> bool | None:
        """Whether the target is met; None when there is not enough data to say."""
        if not self.enough:
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

    def as_dict(self) -> dict[str, object]:
        return {"satisfaction": self.satisfaction.as_dict(),
                "pakn_on_time": self.pakn_on_time.as_dict(),
                "pakn_satisfaction": self.pakn_satisfaction.as_dict()}


@dataclass(frozen=True)
class Counts:
    """What storage counted for one group (or the whole period)."""

    satisfied: int = 0
    rated: int = 0
    on_time: int = 0
    known: int = 0
    handling_satisfied: int = 0
    handling_rated: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(a + b for a, b in zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[int, ...]:
        return (self.satisfied, self.rated, self.on_time, self.known, self.handling_satisfied,
                self.handling_rated)


def indicators(counts: Counts, targets: Targets, field_code: str | None = None) -> Indicators:
    minimum = targets.minimum_count
    return Indicators(
        satisfaction=Rate(counts.satisfied, counts.rated, targets.satisfaction_for(field_code),
                          minimum),
        pakn_on_time=Rate(counts.on_time, counts.known, targets.pakn_on_time, minimum),
        pakn_satisfaction=Rate(counts.handling_satisfied, counts.handling_rated,
                               targets.pakn_satisfaction, minimum),
    )


def trend(current: Rate, previous: Rate) -> float | None:
    """Change of the rate against the previous period, in percentage points."""
    if current.rate is None or previous.rate is None:
        return None
    return (current.rate - previous.rate) * 100
