"""`pakn directory import FILE` and `pakn directory show [--json]`."""

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from bot.commands.base import fail, migrate, open_store
from bot.directory_view import as_json, as_text
from bot.dispatch import utcnow
from bot.i18n import _
from bot.settings import Settings
from complaints.directory import Directory
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
