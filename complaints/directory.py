"""The directory of a jurisdiction: areas, units, fields, procedures and routing rules.

A deployment loads its own directory as data; nothing here names a real place.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property


@dataclass(frozen=True)
class Name:
    vi: str
    en: str | None = None

    def in_language(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.vi


class UnitKind(StrEnum):
    DEPARTMENT = "department"
    """A department (sở) or office of the province."""
    SERVICE_CENTRE = "service_centre"
    """A Public Administration Service Centre, of the province or of a commune."""
    COMMUNE = "commune"
    BRANCH = "branch"
    DISTRICT_OFFICE = "district_office"
    """An office of a district: the organisation before 1/7/2025 (districts were
    abolished by the 2025 Law on the Organisation of Local Government)."""


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
    effective_from: date | None = None
    """The first day the unit exists; None: since before the service kept track."""
    effective_to: date | None = None
    """The last day it exists; None: it still does."""
    successors: tuple[str, ...] = ()
    """The units that took over its work when it ended, the main one first."""


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
    effective_from: date | None = None
    """The day this organisation took effect (units without their own date start then)."""
    effective_to: date | None = None
    """For a dated past version: its last day."""
    former_units: tuple[Unit, ...] = ()
    """Units that have ended, kept with their successors so that older records can be
    counted as organised now."""

    @cached_property
    def _units_by_code(self) -> dict[str, Unit]:
        return {unit.code: unit for unit in self.units}

    @cached_property
    def _known_units(self) -> dict[str, Unit]:
        return {unit.code: unit for unit in (*self.former_units, *self.units)}

    def known_unit(self, code: str) -> Unit | None:
        """A current or former unit."""
        return self._known_units.get(code)

    def current_unit(self, code: str) -> str:
        """The unit of today that a unit's records count under "as organised now": the
        unit itself if it still exists, else its main successor's, transitively. A unit
        split in two rolls up whole into its first successor, so that totals stay the
        same both ways. A code the directory does not know stays as it is."""
        return _follow(code, {u.code: u.successors for u in self.former_units},
                       self._units_by_code)

    @cached_property
    def rollup(self) -> Mapping[str, str]:
        """Every former unit's current unit."""
        return {u.code: self.current_unit(u.code) for u in self.former_units}

    def rolled_into(self, code: str) -> tuple[str, ...]:
        """The units whose records count under `code` as organised now, itself included."""
        return (code, *(old for old, new in self.rollup.items() if new == code and old != code))

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


class Choice(StrEnum):
    """How a moved case's successor was chosen among several."""

    ONLY = "only"
    AREA = "area"
    """The successor governs the case's area."""
    FIELD = "field"
    """The new directory routes the case's field (and area) to it."""
    MAIN = "main"
    """Nothing told them apart: the main (first) successor."""


def choose_successor(successors: tuple[str, ...], area: str | None, field: str,
                     new: Directory) -> tuple[str, Choice]:
    """The successor an open case of a unit that ended goes to."""
    if len(successors) == 1:
        return successors[0], Choice.ONLY
    for code in successors:
        if area is not None and new.has_unit(code) and new.unit(code).area == area:
            return code, Choice.AREA
    if new.has_field(field):
        routed = new.route(field, area if area is not None and new.has_area(area) else None)
        if routed.code in successors:
            return routed.code, Choice.FIELD
    return successors[0], Choice.MAIN


def _follow(code: str, successors: Mapping[str, tuple[str, ...]],
            current: Mapping[str, Unit]) -> str:
    seen = {code}
    while code not in current and successors.get(code):
        code = successors[code][0]
        if code in seen:  # a cycle in the data: stop where it closes
            break
        seen.add(code)
    return code
