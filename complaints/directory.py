"""The directory of a jurisdiction: areas, units, fields, procedures and routing rules.

A deployment loads its own directory as data; nothing here names a real place.
"""

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property


@dataclass(frozen=True)
class Name:
    vi: str
    en: str | None = None

    def in_language(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.vi


class UnitKind(StrEnum):
    DISTRICT_OFFICE = "district_office"
    COMMUNE = "commune"
    BRANCH = "branch"


@dataclass(frozen=True)
class Area:
    code: str
    name: Name


@dataclass(frozen=True)
class Unit:
    code: str
    name: Name
    kind: UnitKind
    area: str | None = None
    """For a commune people's committee: the area it governs."""


@dataclass(frozen=True)
class Field:
    code: str
    name: Name
    satisfaction_target: float = 0.92
    resolve_days: int = 10
    transfer_days: int = 5
    dossier_on_time_target: float | None = None
    """The field's own target for dossiers settled on time; None: the directory's."""


@dataclass(frozen=True)
class Procedure:
    code: str
    name: Name
    field: str
    level: str


@dataclass(frozen=True)
class RoutingRule:
    """Send PAKN of `field` (None: any field) about `area` (None: any area) to `unit`.

    With `to_area_unit`, a PAKN about a specific area goes to that area's commune unit;
    `unit` then receives only those filed at district level ("not sure").
    """

    field: str | None
    area: str | None
    unit: str
    to_area_unit: bool = False


@dataclass(frozen=True)
class Targets:
    """The plan's yearly targets; a field's own satisfaction target is on the field."""

    satisfaction: float = 0.92
    pakn_on_time: float = 0.95
    pakn_satisfaction: float = 0.90
    dossier_on_time: float = 0.96
    minimum_responses: int = 30
    """Below this many responses a rate is "not enough data", not pass or fail."""


@dataclass(frozen=True)
class Directory:
    code: str
    name: Name
    focal_unit: str
    place: str = ""
    """The place papers are dated at ("Xuân Lộc, ngày ..."); the name if not given."""
    targets: Targets = dataclasses.field(default_factory=Targets)
    areas: tuple[Area, ...] = ()
    units: tuple[Unit, ...] = ()
    fields: tuple[Field, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    rules: tuple[RoutingRule, ...] = ()

    @cached_property
    def _units_by_code(self) -> dict[str, Unit]:
        return {unit.code: unit for unit in self.units}

    def unit(self, code: str) -> Unit:
        return self._units_by_code[code]

    def has_unit(self, code: str) -> bool:
        return code in self._units_by_code

    @cached_property
    def _fields_by_code(self) -> dict[str, Field]:
        return {f.code: f for f in self.fields}

    @cached_property
    def _areas_by_code(self) -> dict[str, Area]:
        return {a.code: a for a in self.areas}

    @cached_property
    def _units_by_area(self) -> dict[str, Unit]:
        return {u.area: u for u in self.units if u.area is not None}

    def field(self, code: str) -> Field:
        return self._fields_by_code[code]

    def has_field(self, code: str) -> bool:
        return code in self._fields_by_code

    @cached_property
    def _procedures_by_code(self) -> dict[str, Procedure]:
        return {p.code: p for p in self.procedures}

    def procedure(self, code: str) -> Procedure:
        return self._procedures_by_code[code]

    def has_procedure(self, code: str) -> bool:
        return code in self._procedures_by_code

    def area(self, code: str) -> Area:
        return self._areas_by_code[code]

    def has_area(self, code: str) -> bool:
        return code in self._areas_by_code

    def unit_for_area(self, area: str) -> Unit | None:
        return self._units_by_area.get(area)

    def route(self, field_code: str, area_code: str | None) -> Unit:
        """The unit responsible for a PAKN: the most specific rule wins, else the focal point.

        Specificity: (field, area) > (field, area's commune unit) > (field, any area)
        > (any field, area) > (any field, area's commune unit) > (any field, any area).
        """
        best: tuple[int, Unit] | None = None
        for rule in self.rules:
            if rule.field not in (None, field_code):
                continue
            if rule.area is not None and rule.area != area_code:
                continue
            area_unit = self.unit_for_area(area_code) if area_code and rule.to_area_unit else None
            if rule.area is not None:
                score, unit = 2, self._units_by_code.get(rule.unit)
            elif area_unit is not None:
                score, unit = 1, area_unit
            else:
                score, unit = 0, self._units_by_code.get(rule.unit)
            if rule.field is not None:
                score += 4
            if unit is not None and (best is None or score > best[0]):
                best = (score, unit)
        return best[1] if best else self.unit(self.focal_unit)
