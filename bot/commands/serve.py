"""`pakn serve` and `pakn migrate`."""

from __future__ import annotations

import argparse
import asyncio
import errno
import re
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate, reachable, warn
from bot.present.i18n import _

if TYPE_CHECKING:
    from aiohttp import web

    from bot.runtime.settings import Settings

MAX_WORKERS = 64


def register(commands: Any) -> None:
    parser = commands.add_parser("serve", help=_("migrate, then serve the web chat and Telegram"))
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help=_("serve with N processes on one port (PostgreSQL only)"))
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.set_defaults(run=serve)
    parser = commands.add_parser("migrate", help=_("bring the database schema up to date"))
    parser.add_argument("--wait", type=int, default=0, metavar="SECONDS",
                        help=_("wait up to SECONDS for the database to answer (at a start)"))
    parser.set_defaults(run=migrate_command)


def serve(settings: Settings, args: argparse.Namespace) -> int:
    workers = getattr(args, "workers", 1)
    number = getattr(args, "worker", None)
    if not 1 <= workers <= MAX_WORKERS:
        return fail(_("--workers must be between 1 and {count}.").format(count=MAX_WORKERS), 2)
    if workers > 1 and settings.database_url.startswith("sqlite"):
        return fail(_("--workers needs PostgreSQL: SQLite takes one writing process. Set "
                      "PAKN_DATABASE_URL to a postgresql+asyncpg:// database, or serve with "
                      "one worker."), 2)
    if workers > 1 and settings.public_url is None and (settings.telegram_token
                                                        or settings.zalo_bot_token):
        return fail(_("--workers needs webhooks: Telegram and the Zalo bot give updates to "
                      "one polling process at a time. Set PAKN_PUBLIC_URL, or serve with one "
                      "worker."), 2)
    from functools import partial

    from bot.app import Service
    from bot.runtime.workers import Pool
    from bot.web.server import listen, run
    # The port is taken first, so that a port in use is one line before anything starts;
    # the workers of a pool each bind it too (the kernel spreads the connections).
    try:
        sock = listen(settings, reuse_port=workers > 1)
    except OSError as exc:
        return fail(cannot_listen(settings, exc))
    if number is None:  # a pool's worker: the pool's parent migrated and greeted
        migrate(settings)
    if not settings.database_url.startswith("sqlite"):
        fitted = fit_pools(settings, workers, tell=number is None)
        if isinstance(fitted, str):
            return fail(fitted, 2)
        settings = fitted
    if number is None and workers > 1:
        sock.close()
        print(banner(settings), flush=True)
        return Pool(workers, getattr(args, "lang", None)).run()
    app = Service(settings, workers=workers).web_app()
    if number is not None:
        app.on_response_prepare.append(partial(_tag, str(number)))
    ready = (lambda: None) if number is not None else \
        (lambda: print(banner(settings), flush=True))
    run(app, settings, sock, ready=ready)
    return 0


def fit_pools(settings: Settings, workers: int, tell: bool) -> Settings | str:
    """The settings with each worker's pool as large as PostgreSQL's connections allow
    (bot.runtime.connections); the reason not to start when not even a pool of 1 fits.
    `tell`: warn when a pool is made smaller (the pool's parent does, once)."""
    from dataclasses import replace

    from sqlalchemy.exc import SQLAlchemyError

    from bot.runtime.connections import SPARE, available, connections_of, pool_size_within
    try:
        room = asyncio.run(available(settings.database_url))
    except (OSError, SQLAlchemyError):
        return settings  # the database away: the service waits for it as it always does
    wanted = settings.database_pool_size
    size = pool_size_within(wanted, workers, room)
    if size is None:
        return _("{workers} workers need at least {needed} connections to PostgreSQL, which "
                 "allows {room}: serve with fewer workers, or raise its max_connections."
                 ).format(workers=workers, needed=connections_of(1, workers) + SPARE,
                          room=room)
    if size < wanted and tell:
        warn(_("with PAKN_DATABASE_POOL_SIZE={wanted}, {workers} worker(s) could open "
               "{needed} connections to PostgreSQL, which allows {room}: each pool holds "
               "{size} instead. Raise max_connections to keep {wanted}.").format(
            wanted=wanted, workers=workers, needed=connections_of(wanted, workers),
            room=room, size=size))
    return replace(settings, database_pool_size=size)


async def _tag(number: str, request: web.Request, response: web.StreamResponse) -> None:
    from bot.runtime.workers import WORKER_HEADER
    response.headers[WORKER_HEADER] = number


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
    if args.wait > 0 and not asyncio.run(reachable(settings.database_url, args.wait)):
        return fail(_("The database did not answer within {seconds} seconds.").format(
            seconds=args.wait))
    migrate(settings)
    print(_("The database schema is up to date."))
    return 0
