"""`pakn directory import FILE [--effective DATE] [--mapping MAP.csv]` and
`pakn directory show [--json]`."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate, open_store
from bot.present.i18n import _, current_language
from bot.present.names import unit_name

if TYPE_CHECKING:
    from bot.runtime.settings import Settings
    from complaints.directory import Choice, Directory


def register(commands: Any) -> None:
    directory = commands.add_parser("directory", help=_("units, areas, fields, procedures"))
    sub = directory.add_subparsers(title=_("directory commands"), required=True)
    importing = sub.add_parser("import", help=_("load a directory file (YAML)"))
    importing.add_argument("file", type=Path)
    importing.add_argument("--effective", type=date.fromisoformat, metavar="DATE",
                           help=_("the day the organisation took effect (YYYY-MM-DD; default "
                                "today): units that end get the day before as their last"))
    importing.add_argument("--mapping", type=Path, metavar="MAP.csv",
                           help=_("CSV with the header old,new: the successor(s) of each unit "
                                "that ends"))
    importing.set_defaults(run=import_directory)
    showing = sub.add_parser("show", help=_("print the directory in use"))
    showing.add_argument("--json", action="store_true", help=_("machine-readable output"))
    showing.set_defaults(run=show)


def import_directory(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core.directory import Loaded, load_directory
    from bot.spine.dispatch import utcnow
    from complaints.directory_file import parse_directory, parse_mapping
    from complaints.errors import DirectoryError
    try:
        directory = parse_directory(args.file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return fail(_("cannot read {file}: {error}").format(file=args.file, error=exc))
    except DirectoryError as exc:
        return fail(_("{file}: {error} (nothing was imported)").format(file=args.file,
                                                                      error=exc))
    mapping_text = None
    if args.mapping is not None:
        try:
            mapping_text = args.mapping.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return fail(_("cannot read {file}: {error}").format(file=args.mapping, error=exc))
    now = utcnow()
    today = now.astimezone(settings.tz).date()
    effective = args.effective or today
    if effective > today:
        return fail(_("the effective date {date} is in the future (nothing was imported)")
                    .format(date=effective.isoformat()))
    migrate(settings)

    async def load() -> tuple[Loaded, Directory]:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            successors = None
            if mapping_text is not None:
                successors = parse_mapping(mapping_text, await uow.directory.load(),
                                           directory)
            loaded = await load_directory(uow, now, directory, effective, successors)
            return loaded, await uow.directory.load()
    try:
        loaded, merged = asyncio.run(load())
    except DirectoryError as exc:
        return fail(_("{file}: {error} (nothing was imported)").format(file=args.mapping,
                                                                      error=exc))
    print(_("Imported {name}: {areas} areas, {units} units, {fields} fields, {procedures} "
            "procedures, {rules} routing rules.").format(
        name=directory.name.in_language(current_language()), areas=len(directory.areas),
        units=len(directory.units), fields=len(directory.fields),
        procedures=len(directory.procedures), rules=len(directory.rules)))
    for moved in loaded.moved:
        print(_("Case {case} moved from {old} to {new} ({why}).").format(
            case=moved.case, old=unit_name(merged, moved.from_unit),
            new=unit_name(merged, moved.to_unit),
            why=choice_text(moved.chosen_by)))

    return 0


def choice_text(choice: Choice) -> str:
    from complaints.directory import Choice
    return {Choice.ONLY: _("its only successor"),
            Choice.AREA: _("the successor governing the case's area"),
            Choice.FIELD: _("the successor handling the case's field"),
            Choice.MAIN: _("no area or field told the successors apart: the main one")}[choice]


def show(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.present.directory_view import as_json, as_text
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
