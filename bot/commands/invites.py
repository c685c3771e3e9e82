"""`pakn invite --role staff|head|admin [--unit CODE]`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate, open_store, site_url
from bot.present.i18n import _
from bot.present.names import role_name, unit_name
from complaints.people import Role

if TYPE_CHECKING:
    from bot.runtime.settings import Settings


def register(commands: Any) -> None:
    invite = commands.add_parser("invite", help=_("make a one-time invite for staff or admins"))
    invite.add_argument("--role", required=True,
                        choices=[r.value for r in Role if r is not Role.CITIZEN])
    invite.add_argument("--unit", help=_("unit code (required for staff and head)"))
    invite.set_defaults(run=make_invite)


def make_invite(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core.invites import create_invite, telegram_link
    from bot.core.keys import BOT_USERNAME_KEY
    from bot.spine.dispatch import utcnow
    role = Role(args.role)
    unit = None if role is Role.ADMIN else args.unit
    if role is not Role.ADMIN and not unit:
        return fail(_("--unit is required for staff and head"), 2)
    migrate(settings)

    async def make() -> tuple[str | None, str | None, str]:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            directory = await uow.directory.load()
            if unit is not None and not directory.has_unit(unit):
                return None, None, ""
            token = await create_invite(uow.invites, role, unit, None, utcnow(),
                                        settings.invite_days)
            named = f" · {unit_name(directory, unit)}" if unit else ""
            return token, await uow.meta.get(BOT_USERNAME_KEY), named
    token, username, named = asyncio.run(make())
    if token is None:
        return fail(_("unknown unit '{unit}' (see: pakn directory show)").format(unit=unit), 2)
    print(_("Invite for {role}{unit}, valid once for {days} days:").format(
        role=role_name(role), unit=named, days=settings.invite_days))
    if username:
        print("  " + _("Telegram: {link}").format(link=telegram_link(username, token)))
    else:
        print("  " + _("Telegram: start the service once with PAKN_TELEGRAM_TOKEN set to get "
                       "a link"))
    print("  " + _("Web chat: open {url} and send: /start {token}").format(
        url=f"{site_url(settings)}/", token=token))
    return 0
