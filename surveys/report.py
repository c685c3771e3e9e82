"""A report of the indicators for a period: overall, by unit, field, procedure and
channel, against the previous period, and month by month."""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from surveys.indicators import Counts, Indicators, Targets, indicators, judged, trend
from surveys.periods import Period

GROUPS = ("unit", "field", "procedure", "channel")


class AsOf(StrEnum):
    """Which organisation a report counts under."""

    NOW = "now"
    """Each record under the unit of today that took over from its unit."""
    THEN = "then"
    """Each record under the unit it belonged to."""


@dataclass(frozen=True)
class Scope:
    """Which ratings and cases a report counts."""

    unit: str | None = None
    field: str | None = None
    procedure: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Inclusion:
    """An administrator's decision to count a unit's unverified ratings over some days."""

    id: int
    unit: str
    first: date
    last: date
    included_at: datetime

    def overlaps(self, period: Period) -> bool:
        return self.first <= period.last and period.first <= self.last


@dataclass(frozen=True)
class Report:
    period: Period
    scope: Scope
    overall: Indicators
    previous: Indicators
    groups: dict[str, dict[str, Indicators]] = field(default_factory=dict)
    """By group name ("unit", ...), the indicators of each of its values."""
    months: list[tuple[str, Indicators]] = field(default_factory=list)
    inclusions: tuple[Inclusion, ...] = ()
    """The inclusions of unverified ratings that count in this report's period."""
    as_of: AsOf = AsOf.NOW
    """The organisation both the period and the previous one are counted under."""

    def trends(self) -> dict[str, float | None]:
        """Percentage points gained (or lost) against the previous period."""
        return {d.key: trend(self.overall[d.key], self.previous[d.key]) for d in judged()}

    def as_dict(self) -> dict[str, object]:
        return {
            "period": {"label": self.period.label, "first": self.period.first.isoformat(),
                       "last": self.period.last.isoformat()},
            "scope": {k: v for k, v in vars(self.scope).items() if v is not None},
            "as_of": self.as_of.value,
            **self.overall.as_dict(),
            "previous": self.previous.as_dict(),
            "trend_points": self.trends(),
            **{f"by_{name}": {key: value.as_dict() for key, value in values.items()}
               for name, values in self.groups.items()},
            "by_month": {label: value.as_dict() for label, value in self.months},
            "unverified_included": [
                {"unit": i.unit, "first": i.first.isoformat(), "last": i.last.isoformat(),
                 "decided_at": i.included_at.isoformat()} for i in self.inclusions],
        }


def build_report(period: Period, scope: Scope, targets: Targets, total: Counts,
                 previous: Counts, groups: dict[str, dict[str | None, Counts]],
                 months: list[tuple[str, Counts]],
                 inclusions: tuple[Inclusion, ...] = (), as_of: AsOf = AsOf.NOW) -> Report:
    """Turn counts into indicators; a field's own targets apply to it."""
    by_group = {}
    for name, counted in groups.items():
        by_group[name] = {
            str(key): indicators(counts, targets, key if name == "field" else scope.field)
            for key, counts in sorted(counted.items(), key=lambda kv: str(kv[0]))
            if key is not None}
    return Report(period=period, scope=scope,
                  overall=indicators(total, targets, scope.field),
                  previous=indicators(previous, targets, scope.field),
                  groups=by_group,
                  months=[(label, indicators(c, targets, scope.field)) for label, c in months],
                  inclusions=tuple(i for i in inclusions if i.overlaps(period)
                                   and scope.unit in (None, i.unit)),
                  as_of=as_of)
