"""`pakn api-key create --name NAME [--scope SCOPE ...]`, `pakn api-key list`,
`pakn api-key revoke NUMBER`: keys for apps using the API (Open311, dossiers)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate, open_store, site_url
from bot.present.i18n import _, format_datetime
from bot.present.names import scope_name

if TYPE_CHECKING:
    from bot.core.records import ApiKey
    from bot.runtime.settings import Settings

NAME_MAX = 200


def register(commands: Any) -> None:
    from bot.core.apikeys import SCOPES
    keys = commands.add_parser("api-key", help=_("keys for apps using the API"))
    sub = keys.add_subparsers(title=_("api-key commands"), required=True)
    create = sub.add_parser("create", help=_("issue a key (shown once)"))
    create.add_argument("--name", required=True, help=_("who the key is for (an app, a body)"))
    create.add_argument("--scope", action="append", choices=SCOPES, dest="scopes",
                        help=_("what it may do: open311 (file PAKN, the default), "
                             "dossiers:write (push dossiers); repeat for both"))
    create.set_defaults(run=create_key)
    listing = sub.add_parser("list", help=_("the keys issued, and whether they still work"))
    listing.set_defaults(run=list_keys)
    revoke = sub.add_parser("revoke", help=_("stop a key from working"))
    revoke.add_argument("number", type=int, help=_("the key's number (see: pakn api-key list)"))
    revoke.set_defaults(run=revoke_key)


def create_key(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core.apikeys import DOSSIERS_SCOPE, OPEN311_SCOPE, issue_key
    from bot.spine.dispatch import utcnow
    name = " ".join(args.name.split())
    if not name or len(name) > NAME_MAX:
        return fail(_("the name must be 1 to {maximum} characters").format(maximum=NAME_MAX), 2)
    migrate(settings)

    scopes = frozenset(args.scopes or (OPEN311_SCOPE,))

    async def issue() -> tuple[str, int]:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            return await issue_key(uow, name, utcnow(), scopes)
    key, number = asyncio.run(issue())
    base = site_url(settings)
    print(_("API key number {number} for {name}. It is shown only this once: keep it "
            "secret.").format(number=number, name=name))
    print(f"  {key}")
    if OPEN311_SCOPE in scopes:
        print(_("The app sends it as api_key to POST {url}").format(
            url=f"{base}/open311/v2/requests.json"))
    if DOSSIERS_SCOPE in scopes:
        print(_("The one-stop system sends it as \"Authorization: Bearer KEY\" to POST "
                "{url}").format(url=f"{base}/api/dossiers"))
    return 0


def list_keys(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    migrate(settings)

    async def read() -> list[ApiKey]:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            return await uow.web.api_keys()
    keys = asyncio.run(read())
    if not keys:
        print(_("No API keys yet. Issue one with: pakn api-key create --name NAME"))
    for key in keys:
        state = (_("revoked {date}").format(date=format_datetime(key.revoked_at, settings.tz))
                 if key.revoked_at else _("active"))
        print(_("{number}. {name} · {scopes} · issued {date} · {state}").format(
            number=key.id, name=key.name,
            scopes=", ".join(scope_name(scope) for scope in sorted(key.scopes)),
            date=format_datetime(key.created_at, settings.tz), state=state))

    return 0


def revoke_key(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.spine.dispatch import utcnow
    migrate(settings)

    async def revoke() -> bool:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            return await uow.web.revoke_api_key(args.number, utcnow())
    if not asyncio.run(revoke()):
        return fail(_("no active API key number {number}").format(number=args.number), 2)
    print(_("API key number {number} was revoked.").format(number=args.number))
    return 0
