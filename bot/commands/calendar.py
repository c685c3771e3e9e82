"""`pakn calendar add-holiday|add-workday DATE "reason"`, `pakn calendar show YEAR` (a year
or day without a government decision marked as estimated) and `pakn calendar confirm
YEAR` (an administrator's word that the year is right as it stands)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate, open_store
from bot.present.i18n import _

if TYPE_CHECKING:
    from bot.runtime.settings import Settings


def register(commands: Any) -> None:
    calendar = commands.add_parser("calendar",
                                   help=_("the working calendar: holidays and declared days"))
    sub = calendar.add_subparsers(title=_("calendar commands"), required=True)
    for name, kind, what in (("add-holiday", "off", _("declare a day off")),
                             ("add-workday", "work", _("declare a working day (a swapped "
                                                       "Saturday)"))):
        adding = sub.add_parser(name, help=what)
        adding.add_argument("day", type=iso_day, help=_("YYYY-MM-DD"))
        adding.add_argument("reason", help=_("the decision, e.g. 'Công văn 123/VPCP-KGVX'"))
        adding.set_defaults(run=add, kind=kind)
    showing = sub.add_parser("show", help=_("the days off of a year, estimates marked"))
    showing.add_argument("year", type=year_number)
    showing.set_defaults(run=show)
    confirming = sub.add_parser("confirm", help=_("confirm a year's calendar as it stands: "
                                                "it is no longer shown as estimated"))
    confirming.add_argument("year", type=year_number)
    confirming.add_argument("--by", default="pakn CLI",
                            help=_("who confirms (kept with the confirmation)"))
    confirming.set_defaults(run=confirm)


def year_number(text: str) -> int:
    from bot.core import calendar as use_cases
    try:
        year = int(text)
    except ValueError:
        year = 0
    if use_cases.FIRST_YEAR <= year <= use_cases.LAST_YEAR:
        return year
    raise argparse.ArgumentTypeError(
        _("'{text}' is not a year from {first} to {last}").format(
            text=text, first=use_cases.FIRST_YEAR, last=use_cases.LAST_YEAR))


def iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("'{text}' is not a date like 2026-09-01").format(text=text)) from None


def add(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core.records import Override
    from bot.spine.dispatch import utcnow
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
    import asyncio

    from bot.core import calendar as use_cases
    from bot.core.calendars import YearStatus, bundled, calendar_text
    from bot.core.records import Override
    migrate(settings)

    async def load() -> tuple[YearStatus, list[Override]]:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            return await use_cases.status_of(uow, args.year), await uow.calendar.overrides()
    status, overrides = asyncio.run(load())
    print("\n".join(calendar_text(status, bundled(), overrides, settings.tz)))
    return 0


def confirm(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core import calendar as use_cases
    from bot.spine.dispatch import utcnow
    by = args.by.strip()
    if not by:
        return fail(_("say who confirms the calendar"), 2)
    migrate(settings)

    async def store_it() -> bool:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            return await use_cases.confirm(uow, by, args.year, utcnow())
    if asyncio.run(store_it()):
        print(_("The calendar of {year} is confirmed: it is no longer shown as estimated.")
              .format(year=args.year))
    else:
        print(_("The calendar of {year} was confirmed before.").format(year=args.year))
    return 0
