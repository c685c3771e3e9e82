"""`pakn serve` and `pakn migrate`."""

import argparse
import re
from typing import Any

from bot.app import Service
from bot.commands.base import migrate
from bot.i18n import _
from bot.settings import Settings
from bot.web.server import run


def register(commands: Any) -> None:
    commands.add_parser("serve", help="migrate, then serve the web chat and Telegram"
                        ).set_defaults(run=serve)
    commands.add_parser("migrate", help="bring the database schema up to date"
                        ).set_defaults(run=migrate_command)


def serve(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings)
    service = Service(settings)
    print(banner(settings), flush=True)
    run(service.web_app(), settings)
    return 0


def banner(settings: Settings) -> str:
    base = f"http://{settings.host}:{settings.port}"
    if not settings.telegram_token:
        telegram = _("not configured (set PAKN_TELEGRAM_TOKEN to connect a bot)")
    elif settings.webhook_mode:
        telegram = _("webhook at {url}").format(url=f"{settings.public_url}/webhook/telegram")
    else:
        telegram = _("long polling")
    return "\n".join([
        _("PAKN bot is starting"),
        "  " + _("web chat: {url}").format(url=f"{base}/"),
        "  " + _("health: {url}").format(url=f"{base}/healthz"),
        "  " + _("telegram: {state}").format(state=telegram),
        "  " + _("database: {url}").format(url=without_password(settings.database_url)),
        _("Make the first administrator: {command}").format(
            command=".venv/bin/pakn invite --role admin"),
        _("then open the Telegram link it prints, or send its /start code in the web chat."),
    ])


def without_password(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def migrate_command(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings)
    print(_("The database schema is up to date."))
    return 0
