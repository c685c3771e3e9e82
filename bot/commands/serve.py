"""`pakn serve` and `pakn migrate`."""

from __future__ import annotations

import argparse
import errno
import re
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate
from bot.i18n import _

if TYPE_CHECKING:
    from bot.settings import Settings


def register(commands: Any) -> None:
    commands.add_parser("serve", help=_("migrate, then serve the web chat and Telegram")
                        ).set_defaults(run=serve)
    commands.add_parser("migrate", help=_("bring the database schema up to date")
                        ).set_defaults(run=migrate_command)


def serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import Service
    from bot.web.server import listen, run
    try:
        sock = listen(settings)
    except OSError as exc:
        return fail(cannot_listen(settings, exc))
    migrate(settings)
    service = Service(settings)
    run(service.web_app(), settings, sock, ready=lambda: print(banner(settings), flush=True))
    return 0


def cannot_listen(settings: Settings, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return _("port {port} on {host} is already in use: is the service running already? "
                 "Stop it, or choose another port with PAKN_PORT.").format(
            port=settings.port, host=settings.host)
    return _("cannot listen on {host}:{port}: {reason}").format(
        host=settings.host, port=settings.port, reason=error.strerror or error)


def banner(settings: Settings) -> str:
    base = f"http://{settings.host}:{settings.port}"
    if not settings.telegram_token:
        telegram = _("not configured (set PAKN_TELEGRAM_TOKEN to connect a bot)")
    elif settings.webhook_mode:
        telegram = _("webhook at {url}").format(url=f"{settings.public_url}/webhook/telegram")
    else:
        telegram = _("long polling")
    return "\n".join([
        _("PAKN bot is running"),
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
