"""The directory as data (JSON, and YAML that loads back) and as text for people."""

from datetime import date

from bot.present.i18n import _, current_language
from bot.present.names import area_name, field_name, unit_name
from complaints.directory import Directory, Name, Unit


def _name(name: Name) -> dict[str, str | None]:
    return {"vi": name.vi, "en": name.en}


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _unit(unit: Unit, history: bool) -> dict[str, object]:
    entry: dict[str, object] = {"code": unit.code, "name": _name(unit.name),
                                "kind": unit.kind.value, "area": unit.area,
                                "effective_from": _day(unit.effective_from),
                                "effective_to": _day(unit.effective_to)}
    if history:
        entry["successors"] = list(unit.successors)
    return entry


def as_json(directory: Directory, history: bool = True) -> dict[str, object]:
    """The directory as data. With `history`, each unit's successors and the units that
    have ended (`former_units`); without, a file that `parse_directory` loads back."""
    return {
        "code": directory.code, "name": _name(directory.name), "place": directory.place,
        "effective_from": _day(directory.effective_from),
        "effective_to": _day(directory.effective_to),
        "focal_unit": directory.focal_unit, "targets": vars(directory.targets),
        "areas": [{"code": a.code, "name": _name(a.name)} for a in directory.areas],
        "units": [_unit(u, history) for u in directory.units],
        **({"former_units": [_unit(u, history) for u in directory.former_units]}
           if history else {}),
        "fields": [{"code": f.code, "name": _name(f.name),
                    "satisfaction_target": f.satisfaction_target,
                    "resolve_days": f.resolve_days, "transfer_days": f.transfer_days,
                    **({"dossier_on_time_target": f.dossier_on_time_target}
                       if f.dossier_on_time_target is not None else {})}
                   for f in directory.fields],
        "procedures": [{"code": p.code, "name": _name(p.name), "field": p.field,
                        "level": p.level} for p in directory.procedures],
        "routing": [{"field": r.field, "area": r.area, "unit": r.unit,
                     "to_area_unit": r.to_area_unit} for r in directory.rules],
    }


def as_text(directory: Directory) -> str:
    """The directory in words, in the reader's language; each list has a column of the
    codes the commands and files take, under its heading."""
    language = current_language()
    code, name = _("Code"), _("Name")
    lines = [_("{name} ({code}); focal point: {focal}").format(
        name=directory.name.in_language(language), code=directory.code,
        focal=unit_name(directory, directory.focal_unit)), "", _("Areas:"),
        f"  {code:<8} {name}"]
    lines += [f"  {a.code:<8} {a.name.in_language(language)}" for a in directory.areas]
    lines += ["", _("Units:"), f"  {code:<12} {name}"]
    lines += [f"  {u.code:<12} {u.name.in_language(language)}" for u in directory.units]
    if directory.former_units:
        lines += ["", _("Former units (last day -> successors):"), f"  {code:<12} {name}"]
        lines += [f"  {u.code:<12} {u.name.in_language(language)} "
                  f"({_day(u.effective_to) or '?'} -> "
                  f"{', '.join(unit_name(directory, s) for s in u.successors) or '—'})"
                  for u in directory.former_units]
    lines += ["", _("Fields (satisfaction target, working days to resolve / to transfer):"),
              f"  {code:<20} {name}"]
    lines += [f"  {f.code:<20} {f.name.in_language(language):<32} {f.satisfaction_target:.0%}"
              f"  {f.resolve_days}/{f.transfer_days}" for f in directory.fields]
    lines += ["", _("Procedures:"), f"  {code:<10} {name}"]
    lines += [f"  {p.code:<10} {p.name.in_language(language)} "
              f"({field_name(directory, p.field)})" for p in directory.procedures]
    lines += ["", _("Routing (field, area -> unit):")]
    for rule in directory.rules:
        unit = unit_name(directory, rule.unit)
        target = (_("{unit}, or the area's commune").format(unit=unit)
                  if rule.to_area_unit else unit)
        lines.append("  " + " · ".join((
            field_name(directory, rule.field) if rule.field else _("any field"),
            area_name(directory, rule.area) if rule.area else _("any area"))) + f" -> {target}")
    lines.append("  " + _("(anything else)") + f" -> {unit_name(directory, directory.focal_unit)}")
    return "\n".join(lines)
