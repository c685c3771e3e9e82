"""`pakn directory import FILE` and `pakn directory show [--json]`."""

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from bot.commands.base import fail, migrate, open_store
from bot.dispatch import utcnow
from bot.i18n import _
from bot.settings import Settings
from complaints.directory import Directory, Name
from complaints.directory_file import parse_directory
from complaints.errors import DirectoryError


def register(commands: Any) -> None:
    directory = commands.add_parser("directory", help="units, areas, fields, procedures")
    sub = directory.add_subparsers(title="directory commands", required=True)
    importing = sub.add_parser("import", help="load a directory file (YAML)")
    importing.add_argument("file", type=Path)
    importing.set_defaults(run=import_directory)
    showing = sub.add_parser("show", help="print the directory in use")
    showing.add_argument("--json", action="store_true", help="machine-readable output")
    showing.set_defaults(run=show)


def import_directory(settings: Settings, args: argparse.Namespace) -> int:
    try:
        directory = parse_directory(args.file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return fail(_("cannot read {file}: {error}").format(file=args.file, error=exc))
    except DirectoryError as exc:
        return fail(_("{file}: {error} (nothing was imported)").format(file=args.file,
                                                                      error=exc))
    migrate(settings)

    async def load() -> None:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            await uow.directory.replace(directory, utcnow())
    asyncio.run(load())
    print(_("Imported {name}: {areas} areas, {units} units, {fields} fields, {procedures} "
            "procedures, {rules} routing rules.").format(
        name=directory.name.vi, areas=len(directory.areas), units=len(directory.units),
        fields=len(directory.fields), procedures=len(directory.procedures),
        rules=len(directory.rules)))
    return 0


def show(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings)

    async def load() -> Directory:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            return await uow.directory.load()
    directory = asyncio.run(load())
    if args.json:
        print(json.dumps(as_json(directory), ensure_ascii=False, indent=2))
    else:
        print(as_text(directory))
    return 0


def _name(name: Name) -> dict[str, str | None]:
    return {"vi": name.vi, "en": name.en}


def as_json(directory: Directory) -> dict[str, object]:
    return {
        "code": directory.code, "name": _name(directory.name), "place": directory.place,
        "focal_unit": directory.focal_unit, "targets": vars(directory.targets),
        "areas": [{"code": a.code, "name": _name(a.name)} for a in directory.areas],
        "units": [{"code": u.code, "name": _name(u.name), "kind": u.kind.value, "area": u.area}
                  for u in directory.units],
        "fields": [{"code": f.code, "name": _name(f.name),
                    "satisfaction_target": f.satisfaction_target,
                    "resolve_days": f.resolve_days, "transfer_days": f.transfer_days}
                   for f in directory.fields],
        "procedures": [{"code": p.code, "name": _name(p.name), "field": p.field,
                        "level": p.level} for p in directory.procedures],
        "routing": [{"field": r.field, "area": r.area, "unit": r.unit,
                     "to_area_unit": r.to_area_unit} for r in directory.rules],
    }


def as_text(directory: Directory) -> str:
    lines = [_("{name} ({code}); focal point: {focal}").format(
        name=directory.name.vi, code=directory.code, focal=directory.focal_unit), "",
        _("Areas:")]
    lines += [f"  {a.code:<8} {a.name.vi}" for a in directory.areas]
    lines += ["", _("Units:")]
    lines += [f"  {u.code:<12} {u.name.vi}" for u in directory.units]
    lines += ["", _("Fields (satisfaction target, working days to resolve / to transfer):")]
    lines += [f"  {f.code:<20} {f.name.vi:<32} {f.satisfaction_target:.0%}  "
              f"{f.resolve_days}/{f.transfer_days}" for f in directory.fields]
    lines += ["", _("Procedures:")]
    lines += [f"  {p.code:<10} {p.field:<20} {p.name.vi}" for p in directory.procedures]
    lines += ["", _("Routing (field, area -> unit):")]
    for rule in directory.rules:
        target = (_("{unit}, or the area's commune").format(unit=rule.unit)
                  if rule.to_area_unit else rule.unit)
        lines.append(f"  {rule.field or '*':<20} {rule.area or '*':<8} -> {target}")
    anything_else = _("(anything else)")
    lines.append(f"  {anything_else:<29} -> {directory.focal_unit}")
    return "\n".join(lines)
