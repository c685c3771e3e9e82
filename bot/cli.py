"""The `pakn` command: serve, migrate, manage the directory, invite people."""

import argparse
import asyncio
import json
import logging
import re
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path

import holidays
from aiohttp import web

from bot.app import Service, seed_directory
from bot.calendars import bundled_decisions
from bot.dispatch import utcnow
from bot.handlers.admin import BOT_USERNAME_KEY
from bot.invites import create_invite, telegram_link
from bot.settings import Settings, SettingsError
from complaints.calendar import DayRule, calendar_with_rules
from complaints.directory import Directory
from complaints.directory_file import parse_directory
from complaints.errors import DirectoryError
from complaints.people import Role
from storage.db import Database
from storage.errors import StorageError
from storage.migrate import upgrade
from storage.records import Override
from storage.uow import Store


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    # httpx (used by dependencies) logs full URLs, tokens included.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"pakn: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.run(settings, args) or 0)
    except StorageError as exc:
        print(f"pakn: database error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pakn", description="PAKN citizen feedback bot")
    parser.set_defaults(run=_serve)
    commands = parser.add_subparsers(title="commands")
    commands.add_parser("serve", help="migrate, then serve the web chat and Telegram"
                        ).set_defaults(run=_serve)
    commands.add_parser("migrate", help="bring the database schema up to date"
                        ).set_defaults(run=_migrate)

    directory = commands.add_parser("directory", help="units, areas, fields, procedures")
    directory_commands = directory.add_subparsers(title="directory commands", required=True)
    importing = directory_commands.add_parser("import", help="load a directory file (YAML)")
    importing.add_argument("file", type=Path)
    importing.set_defaults(run=_directory_import)
    showing = directory_commands.add_parser("show", help="print the directory in use")
    showing.add_argument("--json", action="store_true", help="machine-readable output")
    showing.set_defaults(run=_directory_show)

    calendar = commands.add_parser("calendar", help="the working calendar: holidays and "
                                   "declared days")
    calendar_commands = calendar.add_subparsers(title="calendar commands", required=True)
    for name, kind, what in (("add-holiday", "off", "declare a day off"),
                             ("add-workday", "work", "declare a working day (a swapped "
                                                     "Saturday)")):
        adding = calendar_commands.add_parser(name, help=what)
        adding.add_argument("day", type=_iso_day, help="YYYY-MM-DD")
        adding.add_argument("reason", help="the decision, e.g. 'Công văn 123/VPCP-KGVX'")
        adding.set_defaults(run=_calendar_add, kind=kind)
    showing_year = calendar_commands.add_parser("show", help="the days off of a year")
    showing_year.add_argument("year", type=int)
    showing_year.set_defaults(run=_calendar_show)

    invite = commands.add_parser("invite", help="make a one-time invite for staff or admins")
    invite.add_argument("--role", required=True, choices=[r.value for r in Role
                                                          if r is not Role.CITIZEN])
    invite.add_argument("--unit", help="unit code (required for staff and head)")
    invite.set_defaults(run=_invite)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    service = Service(settings)
    print(_banner(settings), flush=True)
    web.run_app(service.web_app(), host=settings.host, port=settings.port, print=None,
                access_log=None)
    return 0


def _banner(settings: Settings) -> str:
    base = f"http://{settings.host}:{settings.port}"
    if not settings.telegram_token:
        telegram = "not configured (set PAKN_TELEGRAM_TOKEN to connect a bot)"
    elif settings.webhook_mode:
        telegram = f"webhook at {settings.public_url}/webhook/telegram"
    else:
        telegram = "long polling"
    return "\n".join([
        "PAKN bot is starting",
        f"  web chat:  {base}/",
        f"  health:    {base}/healthz",
        f"  telegram:  {telegram}",
        f"  database:  {_without_password(settings.database_url)}",
        "Make the first administrator:  .venv/bin/pakn invite --role admin",
        "then open the Telegram link it prints, or send its /start code in the web chat.",
    ])


def _without_password(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    print("database schema is up to date")
    return 0


def _directory_import(settings: Settings, args: argparse.Namespace) -> int:
    try:
        directory = parse_directory(args.file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"pakn: cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    except DirectoryError as exc:
        print(f"pakn: {args.file}: {exc} (nothing was imported)", file=sys.stderr)
        return 1
    upgrade(settings.database_url)

    async def load() -> None:
        async with _store(settings) as store, store.unit_of_work() as uow:
            await uow.directory.replace(directory, utcnow())
    asyncio.run(load())
    print(f"imported {directory.name.vi}: {len(directory.areas)} areas, "
          f"{len(directory.units)} units, {len(directory.fields)} fields, "
          f"{len(directory.procedures)} procedures, {len(directory.rules)} routing rules")
    return 0


def _directory_show(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)

    async def load() -> Directory:
        async with _store(settings) as store:
            await seed_directory(store, utcnow())
            async with store.unit_of_work() as uow:
                return await uow.directory.load()
    directory = asyncio.run(load())
    if args.json:
        print(json.dumps(directory_json(directory), ensure_ascii=False, indent=2))
    else:
        print(directory_text(directory))
    return 0


def _iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-09-01") from None


def _calendar_add(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    reason = args.reason.strip()
    if not reason:
        print("pakn: give the reason (the decision) for the day", file=sys.stderr)
        return 2

    async def add() -> None:
        async with _store(settings) as store, store.unit_of_work() as uow:
            await uow.calendar.set(Override(args.day, args.kind, reason), utcnow())
    asyncio.run(add())
    what = "a day off" if args.kind == "off" else "a working day"
    print(f"{args.day:%d/%m/%Y} ({args.day:%A}) is now {what}: {reason}")
    print("Deadlines already given keep their dates; new ones count with this day.")
    return 0


def _calendar_show(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    year: int = args.year

    async def load() -> list[Override]:
        async with _store(settings) as store, store.unit_of_work() as uow:
            return await uow.calendar.overrides()
    overrides = asyncio.run(load())
    print("\n".join(calendar_text(year, bundled_decisions(), overrides)))
    return 0


def calendar_text(year: int, decisions: list[DayRule], overrides: list[Override]) -> list[str]:
    """The year's days off and declared working days, with where each comes from, and
    the working days of each month."""
    rules = decisions + [DayRule(o.day, o.kind, o.reason) for o in overrides]
    calendar = calendar_with_rules([year], rules)
    public = holidays.country_holidays("VN", years=[year])
    declared = {rule.day: rule for rule in rules if rule.day.year == year}
    lines = [f"Working calendar {year} (weekends: Saturday, Sunday)", ""]
    days = sorted({d for d in public if d.year == year} | set(declared)
                  | {d for d in calendar.extra_workdays if d.year == year})
    for day in days:
        state = "working day" if calendar.is_working_day(day) else "day off"
        source = declared[day].reason if day in declared else public.get(day) or \
            "swapped working day (public decision)"
        lines.append(f"  {day:%d/%m/%Y} {day:%a}  {state:<11}  {source}")
    lines += ["", "Working days per month:"]
    for month in range(1, 13):
        first = date(year, month, 1)
        last = date(year + month // 12, month % 12 + 1, 1)
        count = sum(1 for n in range((last - first).days)
                    if calendar.is_working_day(first + timedelta(days=n)))
        lines.append(f"  {first:%m/%Y}: {count}")
    return lines


def _invite(settings: Settings, args: argparse.Namespace) -> int:
    role = Role(args.role)
    if role is not Role.ADMIN and not args.unit:
        print("pakn: --unit is required for staff and head", file=sys.stderr)
        return 2
    upgrade(settings.database_url)

    async def make() -> tuple[str, str | None, bool]:
        async with _store(settings) as store:
            await seed_directory(store, utcnow())
            return await _create(store)

    async def _create(store: Store) -> tuple[str, str | None, bool]:
        async with store.unit_of_work() as uow:
            directory = await uow.directory.load()
            if role is not Role.ADMIN and not directory.has_unit(args.unit):
                return "", None, False
            token = await create_invite(uow.invites, role,
                                        None if role is Role.ADMIN else args.unit, None,
                                        utcnow(), settings.invite_days)
            return token, await uow.meta.get(BOT_USERNAME_KEY), True
    token, username, ok = asyncio.run(make())
    if not ok:
        print(f"pakn: unknown unit '{args.unit}' (see: pakn directory show)", file=sys.stderr)
        return 2
    of_unit = f" of {args.unit}" if role is not Role.ADMIN else ""
    print(f"Invite for {role.value}{of_unit} — valid once, for {settings.invite_days} days:")
    if username:
        print(f"  Telegram: {telegram_link(username, token)}")
    else:
        print("  Telegram: (start the service with PAKN_TELEGRAM_TOKEN once to get a link)")
    print(f"  Web chat: open http://{settings.host}:{settings.port}/ and send:  /start {token}")
    return 0


@asynccontextmanager
async def _store(settings: Settings) -> AsyncIterator[Store]:
    """A Store on its own database connection, for one command."""
    database = Database(settings.database_url)
    try:
        yield Store(database)
    finally:
        await database.dispose()


def directory_json(directory: Directory) -> dict[str, object]:
    def name(n: object) -> dict[str, str | None]:
        return {"vi": n.vi, "en": n.en}  # type: ignore[attr-defined]
    return {
        "code": directory.code, "name": name(directory.name), "place": directory.place,
        "focal_unit": directory.focal_unit,
        "areas": [{"code": a.code, "name": name(a.name)} for a in directory.areas],
        "units": [{"code": u.code, "name": name(u.name), "kind": u.kind.value, "area": u.area}
                  for u in directory.units],
        "fields": [{"code": f.code, "name": name(f.name),
                    "satisfaction_target": f.satisfaction_target,
                    "resolve_days": f.resolve_days, "transfer_days": f.transfer_days}
                   for f in directory.fields],
        "procedures": [{"code": p.code, "name": name(p.name), "field": p.field,
                        "level": p.level} for p in directory.procedures],
        "routing": [{"field": r.field, "area": r.area, "unit": r.unit,
                     "to_area_unit": r.to_area_unit} for r in directory.rules],
    }


def directory_text(directory: Directory) -> str:
    lines = [f"{directory.name.vi} ({directory.code}); focal point: {directory.focal_unit}", "",
             "Areas:"]
    lines += [f"  {a.code:<8} {a.name.vi}" for a in directory.areas]
    lines += ["", "Units:"]
    lines += [f"  {u.code:<12} {u.name.vi}" for u in directory.units]
    lines += ["", "Fields (target, days to resolve / to transfer):"]
    lines += [f"  {f.code:<20} {f.name.vi:<32} {f.satisfaction_target:.0%}  "
              f"{f.resolve_days}/{f.transfer_days}" for f in directory.fields]
    lines += ["", "Procedures:"]
    lines += [f"  {p.code:<10} {p.field:<20} {p.name.vi}" for p in directory.procedures]
    lines += ["", "Routing (field, area -> unit):"]
    for rule in directory.rules:
        target = f"{rule.unit}, or the area's commune" if rule.to_area_unit else rule.unit
        lines.append(f"  {rule.field or '*':<20} {rule.area or '*':<8} -> {target}")
    lines.append(f"  {'(anything else)':<29} -> {directory.focal_unit}")
    return "\n".join(lines)
