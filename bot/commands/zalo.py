"""`pakn zalo-oa set-token REFRESH_TOKEN`: the Official Account's first refresh token."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate, open_store
from bot.present.i18n import _

if TYPE_CHECKING:
    from bot.runtime.settings import Settings



def register(commands: Any) -> None:
    oa = commands.add_parser("zalo-oa", help=_("the Zalo Official Account"))
    sub = oa.add_subparsers(title=_("Zalo OA commands"), required=True)
    token = sub.add_parser("set-token", help=_("store the OA's refresh token (from Zalo's "
                                             "developer site); it is renewed from then on"))
    token.add_argument("refresh_token")
    token.set_defaults(run=set_token)


def set_token(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.channels.zalo import ZaloOAuth, ZaloTokenKeeper
    from bot.spine.dispatch import utcnow
    if not (settings.zalo_oa_app_id and settings.zalo_app_secret):
        return fail(_("set PAKN_ZALO_OA_APP_ID, PAKN_ZALO_OA_SECRET_KEY and "
                      "PAKN_ZALO_APP_SECRET first"), 2)
    refresh = args.refresh_token.strip()
    if not refresh:
        return fail(_("the refresh token is empty"), 2)
    migrate(settings)

    async def store_it() -> None:
        async with open_store(settings) as store:
            assert settings.zalo_oa_app_id and settings.zalo_app_secret
            keeper = ZaloTokenKeeper(store, ZaloOAuth(settings.zalo_oauth_url,
                                                      settings.zalo_oa_app_id,
                                                      settings.zalo_app_secret), utcnow)
            await keeper.set_refresh_token(refresh)
    asyncio.run(store_it())
    print(_("The Zalo OA refresh token was stored; the service renews the tokens from now on."))
    return 0
