"""`pakn calendar add-holiday|add-workday DATE "reason"` and `pakn calendar show YEAR`."""

import argparse
import asyncio
from datetime import date
from typing import Any

from bot.calendars import bundled_decisions, calendar_text
from bot.commands.base import fail, migrate, open_store
from bot.dispatch import utcnow
from bot.i18n import _
from bot.settings import Settings
from storage.records import Override


def register(commands: Any) -> None:
    calendar = commands.add_parser("calendar",
                                   help="the working calendar: holidays and declared days")
    sub = calendar.add_subparsers(title="calendar commands", required=True)
    for name, kind, what in (("add-holiday", "off", "declare a day off"),
                             ("add-workday", "work", "declare a working day (a swapped "
                                                     "Saturday)")):
        adding = sub.add_parser(name, help=what)
        adding.add_argument("day", type=iso_day, help="YYYY-MM-DD")
        adding.add_argument("reason", help="the decision, e.g. 'Công văn 123/VPCP-KGVX'")
        adding.set_defaults(run=add, kind=kind)
    showing = sub.add_parser("show", help="the days off of a year")
    showing.add_argument("year", type=int)
    showing.set_defaults(run=show)


def iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-09-01") from None


def add(settings: Settings, args: argparse.Namespace) -> int:
    reason = args.reason.strip()
    if not reason:
        return fail(_("give the reason (the decision) for the day"), 2)
    migrate(settings)

    async def store_it() -> None:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            await uow.calendar.set(Override(args.day, args.kind, reason), utcnow())
    asyncio.run(store_it())
    what = _("a day off") if args.kind == "off" else _("a working day")
    print(_("{day} is now {what}: {reason}").format(day=args.day.strftime("%d/%m/%Y"),
                                                    what=what, reason=reason))
    print(_("Deadlines already given keep their dates; new ones count with this day."))
    return 0


def show(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings)

    async def load() -> list[Override]:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            return await uow.calendar.overrides()
    print("\n".join(calendar_text(args.year, bundled_decisions(), asyncio.run(load()))))
    return 0
