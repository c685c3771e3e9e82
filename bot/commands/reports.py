"""`pakn stats --period P [--unit U] [--field F] [--json]` and
`pakn export --period P --format xlsx|csv -o FILE`."""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate, open_store
from bot.present.i18n import _, current_language
from surveys.errors import PeriodError
from surveys.periods import Period, parse_period

if TYPE_CHECKING:
    from bot.runtime.settings import Settings
    from complaints.directory import Directory
    from surveys.report import Scope


def register(commands: Any) -> None:
    from surveys.report import AsOf
    stats = commands.add_parser("stats", help=_("the indicators of a period"))
    _common(stats)
    stats.add_argument("--json", action="store_true", help=_("machine-readable output"))
    stats.add_argument("--as-of", type=AsOf, choices=list(AsOf), default=AsOf.NOW,
                       help=_("count each record under today's successor of its unit (now, "
                            "the default) or under the unit it belonged to (then)"))
    stats.set_defaults(run=stats_command)
    export = commands.add_parser("export", help=_("the indicators and the data as a file"))
    _common(export)
    export.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.set_defaults(run=export_command)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--period", required=True, type=_period,
                        help=_("2026, 2026-Q1, 2026-H1, 2026-9M, 2026-03 or "
                             "2026-01-01..2026-03-31"))
    parser.add_argument("--unit", help=_("only this unit (code)"))
    parser.add_argument("--field", help=_("only this field (code)"))
    parser.add_argument("--procedure", help=_("only this procedure (code): satisfaction only"))
    parser.add_argument("--channel", help=_("only this channel (telegram, webchat, paper...)"))


def _scope(args: argparse.Namespace) -> Scope:
    from surveys.report import Scope
    return Scope(unit=args.unit, field=args.field, procedure=args.procedure,
                 channel=args.channel)


def _period(text: str) -> Period:
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def unwritable(path: Path) -> str | None:
    """Why a file could not be written there, if it could not."""
    if path.is_dir():
        return os.strerror(errno.EISDIR)
    folder = path.parent
    if not folder.is_dir():
        return os.strerror(errno.ENOENT)
    if not os.access(path if path.exists() else folder, os.W_OK):
        return os.strerror(errno.EACCES)
    return None


class UnknownCode(Exception):
    """A unit, field or procedure code the directory does not know (the message says
    which, and where to see the valid ones)."""


def _check_codes(directory: Directory, scope: Scope) -> None:
    see = _("see: pakn directory show")
    if scope.unit and directory.known_unit(scope.unit) is None:
        raise UnknownCode(_("unknown unit '{code}' ({see})").format(code=scope.unit, see=see))
    if scope.field and not directory.has_field(scope.field):
        raise UnknownCode(_("unknown field '{code}' ({see})").format(code=scope.field,
                                                                     see=see))
    if scope.procedure and not directory.has_procedure(scope.procedure):
        raise UnknownCode(_("unknown procedure '{code}' ({see})").format(
            code=scope.procedure, see=see))


def stats_command(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.present.reports import make_report, report_text
    from bot.spine.dispatch import utcnow
    from surveys.report import GROUPS
    migrate(settings)
    scope = _scope(args)

    async def compute() -> str:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            directory = await uow.directory.load()
            _check_codes(directory, scope)
            groups = GROUPS if args.json else ("unit", "field")
            report = await make_report(uow.indicators, directory, args.period, scope,
                                       utcnow(), settings.tz, groups, args.as_of)
            if args.json:
                return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
            return report_text(report, directory, current_language(), settings.tz)
    try:
        print(asyncio.run(compute()))
    except UnknownCode as exc:
        return fail(str(exc), 2)
    return 0


def export_command(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.present.exports import write_cases_csv, write_xlsx
    from bot.present.reports import make_report
    from bot.spine.dispatch import utcnow
    if (problem := unwritable(args.output)) is not None:  # known before the work
        return fail(_("cannot write {file}: {error}").format(file=args.output, error=problem))
    migrate(settings)
    scope = _scope(args)

    def progress(rows: int) -> None:
        print(_("… {rows} rows").format(rows=rows), file=sys.stderr, flush=True)


    async def write() -> int:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            directory = await uow.directory.load()
            _check_codes(directory, scope)
            language = current_language()
            if args.format == "csv":
                start, end = args.period.bounds(settings.tz)
                with args.output.open("w", encoding="utf-8-sig", newline="") as target:
                    return await write_cases_csv(
                        target, uow.exports.cases(start, end, scope.unit, scope.field),
                        directory, language, settings.tz, progress)

            now = utcnow()
            report = await make_report(uow.indicators, directory, args.period, scope, now,
                                       settings.tz)
            return await write_xlsx(str(args.output), report, uow.exports, directory,
                                    language, settings.tz, now, progress)
    try:
        rows = asyncio.run(write())
    except UnknownCode as exc:
        return fail(str(exc), 2)
    except OSError as exc:
        return fail(_("cannot write {file}: {error}").format(file=args.output,
                                                            error=exc.strerror or exc))
    print(_("Wrote {file} ({rows} rows).").format(file=args.output, rows=rows))
    return 0
