"""`pakn doctor`: is the deployment healthy? One line per check with ok, warning or
error and what to do; exit code 0 when all are ok, 1 with warnings only, 2 with an
error."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from bot.present.i18n import _

if TYPE_CHECKING:
    from bot.runtime.settings import Settings


def register(commands: Any) -> None:
    parser = commands.add_parser("doctor", help=_("check the configuration, database, "
                                 "channels, disk and backups"))
    parser.add_argument("--workers", type=_positive, metavar="N",
                        default=os.environ.get("PAKN_WORKERS", "1"),
                        help=_("the processes the service is served with, whose database "
                               "connections must fit (default: PAKN_WORKERS, else 1)"))
    parser.set_defaults(run=doctor_command)


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(_("a whole number of 1 or more"))
    return number


def doctor_command(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    import aiohttp

    from bot.runtime.doctor import Checkup, as_line, examine, worst
    from bot.spine.dispatch import utcnow
    from storage.db import Database
    from storage.uow import Store

    async def run() -> list[Any]:
        database = Database(settings.database_url, pool_timeout=5)
        try:
            async with aiohttp.ClientSession() as http:
                return await examine(Checkup(settings, Store(database), http, utcnow(),
                                             workers=args.workers))
        finally:
            await database.dispose()
    findings = asyncio.run(run())
    for finding in findings:
        print(as_line(finding))
    return int(worst(findings))
