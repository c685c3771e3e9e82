"""`pakn staff list [--unit CODE]`, `pakn staff revoke PERSON` and `pakn staff move PERSON
--unit CODE`: who works where, and taking rights away (bot.core.staff)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate, open_store
from bot.present.i18n import _, ngettext

if TYPE_CHECKING:
    from bot.core.staff import Changed
    from bot.runtime.settings import Settings
    from complaints.errors import NotAllowed


def register(commands: Any) -> None:
    staff = commands.add_parser("staff", help=_("staff and administrators: list, revoke, "
                                                "move to another unit"))
    sub = staff.add_subparsers(title=_("staff commands"), required=True)
    listing = sub.add_parser("list", help=_("staff, heads and administrators, with their "
                                            "number and open cases"))
    listing.add_argument("--unit", help=_("only this unit (code)"))
    listing.set_defaults(run=list_staff)
    revoke = sub.add_parser("revoke", help=_("take a person's rights away at once; their "
                                             "open cases go back to their unit"))
    revoke.add_argument("person", type=int, help=_("their number (see: pakn staff list)"))
    revoke.set_defaults(run=revoke_person)
    move = sub.add_parser("move", help=_("move a member of staff to another unit; their "
                                         "open cases stay with the old unit"))
    move.add_argument("person", type=int, help=_("their number (see: pakn staff list)"))
    move.add_argument("--unit", required=True, help=_("the new unit (code)"))
    move.set_defaults(run=move_person)


def list_staff(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core import staff
    from bot.present.names import unit_name
    migrate(settings)

    async def read() -> list[str] | None:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            directory = await uow.directory.load()
            if args.unit is not None and not directory.has_unit(args.unit):
                return None
            return [_("{number}. {name} · {role} · {unit} · {claimed}").format(
                number=m.account.id, name=m.account.name or "—",
                role=role_label(m.account.role.value),
                unit=unit_name(directory, m.account.unit) if m.account.unit else "—",
                claimed=ngettext("{count} open case claimed", "{count} open cases claimed",
                                 m.claimed).format(count=m.claimed))
                for m in await staff.members(uow, args.unit)]
    lines = asyncio.run(read())
    if lines is None:
        return fail(_("unknown unit '{unit}' (see: pakn directory show)").format(
            unit=args.unit), 2)
    print("\n".join(lines) if lines else _("No staff yet. Invite them with: pakn invite "
                                           "--role staff --unit CODE"))
    return 0


def role_label(role: str) -> str:
    return {"staff": _("staff"), "head": _("head of unit"), "admin": _("administrator")
            }.get(role, role)


def revoke_person(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core import staff
    from bot.spine.dispatch import utcnow
    from complaints.errors import NotAllowed
    migrate(settings)

    async def run() -> Changed:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            return await staff.revoke(uow, None, args.person, utcnow())
    try:
        changed = asyncio.run(run())
    except NotAllowed as exc:
        return fail(refusal(exc, args.person), 2)
    print(_("Number {number} ({name}) is no longer {role}: their buttons and dashboard no "
            "longer work, {sessions} dashboard sessions were ended.").format(
        number=changed.account.id, name=changed.account.name or "—",
        role=role_label(changed.account.role.value), sessions=changed.sessions_ended))
    _released(changed)
    return 0


def move_person(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core import staff
    from bot.spine.dispatch import utcnow
    from complaints.errors import NotAllowed
    migrate(settings)

    async def run() -> Changed:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            return await staff.move(uow, None, args.person, args.unit, utcnow())
    try:
        changed = asyncio.run(run())
    except NotAllowed as exc:
        return fail(refusal(exc, args.person, args.unit), 2)
    print(_("Number {number} ({name}) now works for {unit}.").format(
        number=changed.account.id, name=changed.account.name or "—", unit=args.unit))
    _released(changed)
    return 0


def _released(changed: Changed) -> None:
    if changed.released:
        print(_("Back with their unit, unclaimed: {codes}").format(
            codes=", ".join(changed.released)))


def refusal(exc: NotAllowed, person: int, unit: str | None = None) -> str:
    return {"unknown account": _("no account has the number {number}"),
            "not staff": _("number {number} is not staff or an administrator"),
            "administrators have no unit": _("number {number} is an administrator: "
                                             "administrators have no unit"),
            "unknown unit": _("unknown unit '{unit}' (see: pakn directory show)"),
            }.get(str(exc), str(exc)).format(number=person, unit=unit)
