"""Reading a directory from its human-edited YAML file, with line numbers in every error.

A file is accepted whole or rejected whole: the first problem found is reported with
the line of the entry it concerns.
"""

import csv
import dataclasses
import io
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import yaml

from complaints.directory import (
    Area,
    Directory,
    Field,
    Name,
    Procedure,
    RoutingRule,
    Targets,
    Unit,
    UnitKind,
)
from complaints.errors import DirectoryError

T = TypeVar("T")
_LEVELS = ("commune", "district", "province")


class _Entry:
    """A YAML mapping with the line it starts on, and strict key checking."""

    def __init__(self, node: yaml.Node, what: str) -> None:
        if not isinstance(node, yaml.MappingNode):
            raise DirectoryError(f"{what} must be a mapping", _line(node))
        self.line = _line(node)
        self.what = what
        self.values: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in self.values:
                raise DirectoryError(f"{what}: key '{key}' appears twice", _line(key_node))
            self.values[key] = value_node

    def check_keys(self, allowed: set[str]) -> None:
        for key, node in self.values.items():
            if key not in allowed:
                raise DirectoryError(f"{self.what}: unknown key '{key}'", _line(node))

    def has(self, key: str) -> bool:
        node = self.values.get(key)
        return node is not None and not _is_null(node)

    def text(self, key: str, required: bool = True) -> str | None:
        node = self.values.get(key)
        if node is None or _is_null(node):
            if required:
                raise DirectoryError(f"{self.what}: '{key}' is required", self.line)
            return None
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise DirectoryError(f"{self.what}: '{key}' must be non-empty text", _line(node))
        return str(node.value).strip()

    def required_text(self, key: str) -> str:
        value = self.text(key)
        assert value is not None
        return value

    def number(self, key: str, default: T, convert: Callable[[str], T]) -> T:
        node = self.values.get(key)
        if node is None or _is_null(node):
            return default
        try:
            return convert(str(node.value))
        except ValueError:
            raise DirectoryError(f"{self.what}: '{key}' must be a number", _line(node)) from None

    def day(self, key: str) -> date | None:
        node = self.values.get(key)
        if node is None or _is_null(node):
            return None
        try:
            return date.fromisoformat(str(node.value).strip())
        except ValueError:
            raise DirectoryError(f"{self.what}: '{key}' must be a date (YYYY-MM-DD)",
                                 _line(node)) from None

    def flag(self, key: str) -> bool:
        node = self.values.get(key)
        if node is None:
            return False
        value = str(node.value).lower()
        if value not in ("true", "false"):
            raise DirectoryError(f"{self.what}: '{key}' must be true or false", _line(node))
        return value == "true"

    def name(self) -> Name:
        node = self.values.get("name")
        if node is None:
            raise DirectoryError(f"{self.what}: 'name' is required", self.line)
        if isinstance(node, yaml.ScalarNode):
            return Name(vi=self.required_text("name"))
        entry = _Entry(node, f"{self.what} name")
        entry.check_keys({"vi", "en"})
        return Name(vi=entry.required_text("vi"), en=entry.text("en", required=False))


def parse_directory(text: str) -> Directory:
    """Parse and validate a directory file; raise DirectoryError with the line on any problem."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise DirectoryError(f"not valid YAML: {exc.problem}", line) from None
    if root is None or _is_null(root):
        raise DirectoryError("the file is empty")
    top = _Entry(root, "directory")
    top.check_keys({"code", "name", "place", "focal_unit", "targets", "areas", "units",
                    "fields", "procedures", "routing", "effective_from", "effective_to"})
    effective_from, effective_to = top.day("effective_from"), top.day("effective_to")
    if effective_from and effective_to and effective_to < effective_from:
        raise DirectoryError("effective_to is before effective_from", top.line)

    areas = _items(top, "areas", _area)
    units = _items(top, "units", _unit)
    fields = _items(top, "fields", _field)
    procedures = _items(top, "procedures", _procedure)
    rules = _items(top, "routing", _rule)

    for kind, items in (("area", areas), ("unit", units), ("field", fields),
                        ("procedure", procedures)):
        _unique(kind, items)
    area_codes = {a.code for a, _ in areas}
    unit_codes = {u.code for u, _ in units}
    field_codes = {f.code for f, _ in fields}
    if not fields:
        raise DirectoryError("at least one field is required", top.line)
    governed: dict[str, str] = {}
    for unit, line in units:
        if unit.effective_from and unit.effective_to and unit.effective_to < unit.effective_from:
            raise DirectoryError(f"unit {unit.code}: effective_to is before effective_from",
                                 line)
        if unit.area is not None and unit.area not in area_codes:
            raise DirectoryError(f"unit {unit.code}: unknown area '{unit.area}'", line)
        if unit.kind is UnitKind.COMMUNE and unit.area is None:
            raise DirectoryError(f"unit {unit.code}: a commune unit needs its area", line)
        if unit.area is not None and unit.area in governed:
            raise DirectoryError(f"unit {unit.code}: area '{unit.area}' already belongs to "
                                 f"unit {governed[unit.area]}", line)
        if unit.area is not None:
            governed[unit.area] = unit.code
    for procedure, line in procedures:
        if procedure.field not in field_codes:
            raise DirectoryError(
                f"procedure {procedure.code}: unknown field '{procedure.field}'", line)
    for rule, line in rules:
        if rule.field is not None and rule.field not in field_codes:
            raise DirectoryError(f"routing: unknown field '{rule.field}'", line)
        if rule.area is not None and rule.area not in area_codes:
            raise DirectoryError(f"routing: unknown area '{rule.area}'", line)
        if rule.unit not in unit_codes:
            raise DirectoryError(f"routing: unknown unit '{rule.unit}'", line)

    focal = top.required_text("focal_unit")
    if focal not in unit_codes:
        raise DirectoryError(f"focal_unit '{focal}' is not a unit of the directory",
                             _line(top.values["focal_unit"]))
    name = top.name()
    return Directory(
        code=top.required_text("code"),
        name=name,
        place=top.text("place", required=False) or name.vi,
        targets=_targets(top),
        focal_unit=focal,
        effective_from=effective_from,
        effective_to=effective_to,
        areas=tuple(a for a, _ in areas),
        # A unit without its own dates lives as long as the organisation it is part of.
        units=tuple(dataclasses.replace(u, effective_from=u.effective_from or effective_from,
                                        effective_to=u.effective_to or effective_to)
                    for u, _ in units),
        fields=tuple(f for f, _ in fields),
        procedures=tuple(p for p, _ in procedures),
        rules=tuple(r for r, _ in rules),
    )


def parse_mapping(text: str, old: Directory, new: Directory) -> dict[str, tuple[str, ...]]:
    """Read the CSV that says which units of the new organisation took over from each unit
    of the old one: the header `old,new`, then one row per old unit and successor (a unit
    split in two has two rows, its main successor first).

    Accepted whole or refused whole with the line and reason of the first problem. Every
    old unit that the new directory does not keep needs a successor, so that its records
    can be counted as organised now.
    """
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or [cell.strip() for cell in rows[0]] != ["old", "new"]:
        raise DirectoryError("the mapping's first line must be the header old,new", 1)
    successors: dict[str, list[str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2 or not all(cell.strip() for cell in row):
            raise DirectoryError("a row needs an old unit code and a new one", number)
        before, after = row[0].strip(), row[1].strip()
        if old.known_unit(before) is None:
            raise DirectoryError(f"'{before}' is not a unit of the directory in use", number)
        if not new.has_unit(after):
            raise DirectoryError(f"'{after}' is not a unit of the new directory", number)
        if new.has_unit(before):
            raise DirectoryError(f"'{before}' continues in the new directory: it has no "
                                 "successor", number)
        if after in successors.get(before, []):
            raise DirectoryError(f"the row {before},{after} appears twice", number)
        successors.setdefault(before, []).append(after)
    for unit in old.units:
        if not new.has_unit(unit.code) and unit.code not in successors:
            raise DirectoryError(f"unit {unit.code} ends and the mapping gives it no successor")
    return {code: tuple(after) for code, after in successors.items()}


def _targets(top: _Entry) -> Targets:
    node = top.values.get("targets")
    if node is None or _is_null(node):
        return Targets()
    entry = _Entry(node, "targets")
    entry.check_keys({"satisfaction", "pakn_on_time", "pakn_satisfaction", "dossier_on_time",
                      "minimum_responses"})
    defaults = Targets()
    targets = Targets(
        satisfaction=entry.number("satisfaction", defaults.satisfaction, float),
        pakn_on_time=entry.number("pakn_on_time", defaults.pakn_on_time, float),
        pakn_satisfaction=entry.number("pakn_satisfaction", defaults.pakn_satisfaction, float),
        dossier_on_time=entry.number("dossier_on_time", defaults.dossier_on_time, float),
        minimum_responses=entry.number("minimum_responses", defaults.minimum_responses, int))
    rates = (targets.satisfaction, targets.pakn_on_time, targets.pakn_satisfaction,
             targets.dossier_on_time)
    if not all(0 < rate <= 1 for rate in rates) or targets.minimum_responses < 1:
        raise DirectoryError("targets: rates must be in (0, 1] and minimum_responses at least 1",
                             entry.line)
    return targets


def _items(top: _Entry, key: str, build: Callable[[_Entry], T]) -> list[tuple[T, int]]:
    node = top.values.get(key)
    if node is None or _is_null(node):
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise DirectoryError(f"'{key}' must be a list", _line(node))
    result = []
    for item in node.value:
        entry = _Entry(item, key.rstrip("s") if key != "routing" else "routing rule")
        result.append((build(entry), entry.line))
    return result


def _area(entry: _Entry) -> Area:
    entry.check_keys({"code", "name"})
    return Area(code=entry.required_text("code"), name=entry.name())


def _unit(entry: _Entry) -> Unit:
    entry.check_keys({"code", "name", "kind", "area", "effective_from", "effective_to"})
    kind = entry.required_text("kind")
    if kind not in {k.value for k in UnitKind}:
        allowed = ", ".join(k.value for k in UnitKind)
        raise DirectoryError(f"unit: kind must be one of {allowed}", entry.line)
    return Unit(code=entry.required_text("code"), name=entry.name(), kind=UnitKind(kind),
                area=entry.text("area", required=False),
                effective_from=entry.day("effective_from"),
                effective_to=entry.day("effective_to"))


def _field(entry: _Entry) -> Field:
    entry.check_keys({"code", "name", "satisfaction_target", "resolve_days", "transfer_days",
                      "dossier_on_time_target"})
    field = Field(
        code=entry.required_text("code"),
        name=entry.name(),
        satisfaction_target=entry.number("satisfaction_target", 0.92, float),
        resolve_days=entry.number("resolve_days", 10, int),
        transfer_days=entry.number("transfer_days", 5, int),
        dossier_on_time_target=entry.number("dossier_on_time_target", None, float),
    )
    for name in ("satisfaction_target", "dossier_on_time_target"):
        target = getattr(field, name)
        if target is not None and not 0 < target <= 1:
            raise DirectoryError(f"field {field.code}: {name} must be in (0, 1]", entry.line)
    if field.resolve_days < 1 or field.transfer_days < 1:
        raise DirectoryError(f"field {field.code}: time limits must be at least 1 day",
                             entry.line)
    return field


def _procedure(entry: _Entry) -> Procedure:
    entry.check_keys({"code", "name", "field", "level"})
    level = entry.required_text("level")
    if level not in _LEVELS:
        raise DirectoryError(f"procedure: level must be one of {', '.join(_LEVELS)}",
                             entry.line)
    return Procedure(code=entry.required_text("code"), name=entry.name(),
                     field=entry.required_text("field"), level=level)


def _rule(entry: _Entry) -> RoutingRule:
    entry.check_keys({"field", "area", "unit", "to_area_unit"})
    return RoutingRule(field=entry.text("field", required=False),
                       area=entry.text("area", required=False),
                       unit=entry.required_text("unit"),
                       to_area_unit=entry.flag("to_area_unit"))


def _unique(kind: str, items: list[tuple[Any, int]]) -> None:
    seen: set[str] = set()
    for item, line in items:
        if item.code in seen:
            raise DirectoryError(f"{kind} code '{item.code}' is used twice", line)
        seen.add(item.code)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"
