"""`pakn calendar add-holiday|add-workday DATE "reason"` and `pakn calendar show YEAR`."""

import argparse
import asyncio
from datetime import date, timedelta
from typing import Any

import holidays

from bot.calendars import bundled_decisions
from bot.commands.base import fail, migrate, open_store
from bot.dispatch import utcnow
from bot.i18n import _, current_language
from bot.settings import Settings
from complaints.calendar import DayRule, calendar_with_rules
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


def calendar_text(year: int, decisions: list[DayRule], overrides: list[Override]) -> list[str]:
    """The year's days off and declared working days, with where each comes from, and
    the working days of each month."""
    rules = decisions + [DayRule(o.day, o.kind, o.reason) for o in overrides]
    calendar = calendar_with_rules([year], rules)
    language = "vi" if current_language() == "vi" else "en_US"
    public = holidays.country_holidays("VN", years=[year], language=language)
    declared = {rule.day: rule for rule in rules if rule.day.year == year}
    lines = [_("Working calendar {year} (weekends: Saturday, Sunday)").format(year=year), ""]
    days = sorted({d for d in public if d.year == year} | set(declared)
                  | {d for d in calendar.extra_workdays if d.year == year})
    for day in days:
        state = _("working day") if calendar.is_working_day(day) else _("day off")
        source = (declared[day].reason if day in declared else public.get(day)
                  or _("swapped working day (public decision)"))
        lines.append(f"  {day:%d/%m/%Y}  {state:<16}  {source}")
    lines += ["", _("Working days per month:")]
    for month in range(1, 13):
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        count = sum(1 for n in range((following - first).days)
                    if calendar.is_working_day(first + timedelta(days=n)))
        lines.append(f"  {first:%m/%Y}: {count}")
    return lines
