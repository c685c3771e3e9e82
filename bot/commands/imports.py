"""`pakn import ratings FILE.csv` and `pakn import complaints FILE.csv`: history from
before the bot; `pakn import dossiers FILE.csv`: dossiers from the one-stop system. A
bad row rejects the whole file; importing a file twice adds nothing."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate, open_store
from bot.present.i18n import _
from surveys.errors import ImportRejected

if TYPE_CHECKING:
    from bot.runtime.settings import Settings
    from complaints.directory import Directory


def register(commands: Any) -> None:
    importing = commands.add_parser("import", help=_("figures kept before the bot (CSV)"))
    sub = importing.add_subparsers(title=_("what to import"), required=True)
    ratings = sub.add_parser("ratings", help=_("paper survey responses"))
    ratings.add_argument("file", type=Path)
    ratings.add_argument("--source", help=_("name of the source (default: the file's name); "
                                          "ids are unique per source"))
    ratings.set_defaults(run=import_ratings)
    complaints = sub.add_parser("complaints", help=_("PAKN handled before the bot"))
    complaints.add_argument("file", type=Path)
    complaints.set_defaults(run=import_complaints)
    dossiers = sub.add_parser("dossiers", help=_("dossiers from the one-stop system"))
    dossiers.add_argument("file", type=Path)
    dossiers.set_defaults(run=import_dossiers)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def import_ratings(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.spine.dispatch import utcnow
    from surveys.imports import parse_ratings
    text = _read(args.file)
    if text is None:
        return fail(_("cannot read {file} as UTF-8 text").format(file=args.file))
    migrate(settings)
    source = "import:" + (args.source or args.file.name)

    async def run() -> tuple[int, int] | str:
        async with open_store(settings, imports=True) as store, store.unit_of_work() as uow:
            directory = await uow.directory.load()
            try:
                rows = parse_ratings(text, directory, settings.tz)
            except ImportRejected as exc:
                return str(exc)
            added = await uow.imports.ratings(source, [
                {"source_id": r.id, "rated_at": r.rated_at, "unit_code": r.unit,
                 "field_code": r.field, "procedure_code": r.procedure, "channel": "paper",
                 "score": r.score, "answers": {"overall": r.score}, "comment": r.comment,
                 "dossier": r.dossier} for r in rows], utcnow())
            return len(rows), added
    return _report(args.file, asyncio.run(run()))


def import_complaints(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core.calendars import Calendars
    from bot.spine.dispatch import utcnow
    from surveys.imports import parse_complaints
    text = _read(args.file)
    if text is None:
        return fail(_("cannot read {file} as UTF-8 text").format(file=args.file))
    migrate(settings)

    async def run() -> tuple[int, int] | str:
        async with open_store(settings, imports=True) as store, store.unit_of_work() as uow:
            directory = await uow.directory.load()
            try:
                cases = parse_complaints(text, directory, settings.tz)
            except ImportRejected as exc:
                return str(exc)
            calendars, rows = Calendars(), list[dict[str, object]]()
            for case in cases:
                due = case.due_at
                if due is None:
                    calendar = await calendars.around(uow.calendar, case.received_at,
                                                      settings.tz)
                    due = settings.deadline_rules.deadline(
                        calendar, case.received_at, _resolve_days(directory, case.field))
                rows.append({"code": case.code, "channel": "import", "field_code": case.field,
                             "area_code": case.area, "unit_code": case.unit,
                             "text": case.text, "received_at": case.received_at,
                             "routed_at": case.received_at, "due_at": due,
                             "resolved_at": case.resolved_at,
                             "status": "resolved" if case.resolved_at else "in_progress"})
            ratings = {case.code: case.rating for case in cases if case.rating is not None}
            return len(rows), await uow.imports.cases(rows, ratings, utcnow())
    return _report(args.file, asyncio.run(run()))


def _resolve_days(directory: Directory, field: str) -> int:
    return directory.field(field).resolve_days


def _report(path: Path, outcome: tuple[int, int] | str) -> int:
    if isinstance(outcome, str):
        return fail(_("{file}: {error} (nothing was imported)").format(file=path,
                                                                      error=outcome))
    read, added = outcome
    print(_("{file}: {read} rows read, {added} new, {old} already imported.").format(
        file=path, read=read, added=added, old=read - added))
    return 0


def import_dossiers(settings: Settings, args: argparse.Namespace) -> int:
    """Records of the one-stop system: a bad row refuses the file; a row that would move
    a dossier backwards is reported and the others are applied. Exit code 1 when any
    row was not applied."""
    import asyncio

    from bot.core.calendars import Calendars
    from bot.core.dossiers import Outcome, record_dossiers
    from bot.core.work import DoorWork, Runner
    from bot.present.dossier_view import refusal_text
    from bot.spine.dispatch import utcnow
    from complaints.dossiers import LineRefused, read_csv
    text = _read(args.file)
    if text is None:
        return fail(_("cannot read {file} as UTF-8 text").format(file=args.file))
    migrate(settings)

    async def run() -> list[tuple[int, Outcome]] | str:
        async with open_store(settings, imports=True) as store:
            runner = Runner(store, settings, Calendars(), utcnow, on_commit=lambda: None)

            async def record(work: DoorWork) -> list[tuple[int, Outcome]] | str:
                try:
                    rows = read_csv(text, work.directory, settings.tz, settings.end_of_day)
                except LineRefused as exc:
                    return _("line {line}: {reason}").format(line=exc.line,
                                                             reason=refusal_text(exc.refusal))
                outcomes = await record_dossiers(work, [r for _line, r in rows],
                                                 f"import:{args.file.name}"[:200])
                return list(zip([line for line, _r in rows], outcomes, strict=True))
            return await runner.run(record, "cli")
    outcome = asyncio.run(run())
    if isinstance(outcome, str):
        return fail(_("{file}: {error} (nothing was imported)").format(file=args.file,
                                                                      error=outcome))
    counts = Counter(result.result for _line, result in outcome)
    print(_("{file}: {read} rows read, {created} new, {updated} updated, {unchanged} "
            "unchanged, {refused} not applied.").format(
        file=args.file, read=len(outcome), created=counts["created"],
        updated=counts["updated"], unchanged=counts["unchanged"], refused=counts["refused"]))
    for line, result in outcome:
        if result.refusal is not None:
            print(_("line {line}: {code}: {reason}").format(
                line=line, code=result.code, reason=refusal_text(result.refusal)),
                file=sys.stderr)

    return 1 if counts["refused"] else 0
