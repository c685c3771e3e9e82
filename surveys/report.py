"""A report of the indicators for a period: overall, by unit, field, procedure and
channel, against the previous period, and month by month."""

from dataclasses import dataclass, field

from surveys.indicators import Counts, Indicators, Targets, indicators, trend
from surveys.periods import Period

GROUPS = ("unit", "field", "procedure", "channel")


@dataclass(frozen=True)
class Scope:
    """Which ratings and cases a report counts."""

    unit: str | None = None
    field: str | None = None
    procedure: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Report:
    period: Period
    scope: Scope
    overall: Indicators
    previous: Indicators
    groups: dict[str, dict[str, Indicators]] = field(default_factory=dict)
    """By group name ("unit", ...), the indicators of each of its values."""
    months: list[tuple[str, Indicators]] = field(default_factory=list)

    def trends(self) -> dict[str, float | None]:
        """Percentage points gained (or lost) against the previous period."""
        return {name: trend(getattr(self.overall, name), getattr(self.previous, name))
                for name in ("satisfaction", "pakn_on_time", "pakn_satisfaction")}

    def as_dict(self) -> dict[str, object]:
        return {
            "period": {"label": self.period.label, "first": self.period.first.isoformat(),
                       "last": self.period.last.isoformat()},
            "scope": {k: v for k, v in vars(self.scope).items() if v is not None},
            **self.overall.as_dict(),
            "previous": self.previous.as_dict(),
            "trend_points": self.trends(),
            **{f"by_{name}": {key: value.as_dict() for key, value in values.items()}
               for name, values in self.groups.items()},
            "by_month": {label: value.as_dict() for label, value in self.months},
        }


def build_report(period: Period, scope: Scope, targets: Targets, total: Counts,
                 previous: Counts, groups: dict[str, dict[str | None, Counts]],
                 months: list[tuple[str, Counts]]) -> Report:
    """Turn counts into indicators; a field's own satisfaction target applies to it."""
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
                  months=[(label, indicators(c, targets, scope.field)) for label, c in months])
