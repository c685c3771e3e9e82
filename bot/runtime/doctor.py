"""Whether the deployment is healthy, one small check at a time: each says ok, warning or
error, what it found and what to do. `pakn doctor` runs them all; its exit code is the
worst level found (0 all ok, 1 warnings only, 2 an error)."""

import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from pathlib import Path
from typing import Any

import aiohttp
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.core import calendar as calendar_use_cases
from bot.core.errors import StorageError
from bot.present.i18n import _
from bot.runtime.connections import SPARE, available, connections_of, pool_size_within
from bot.runtime.maintenance import last_backup
from bot.runtime.settings import Settings
from storage.backup import backend, sqlite_path
from storage.migrate import alembic_config
from storage.uow import Store

TIMEOUT = aiohttp.ClientTimeout(total=10)
PENDING_UPDATES = 100
"""More updates than this waiting at Telegram: the webhook is not keeping up."""
RECENT_ERROR = timedelta(hours=24)
DISK_WARNING, DISK_ERROR = 1 << 30, 256 << 20
DISK_SHARE = 0.05
ZALO_REFRESH_DAYS = 90
"""Zalo's refresh tokens last three months; one used last longer ago is dead."""


class Level(IntEnum):
    OK = 0
    WARNING = 1
    ERROR = 2


@dataclass(frozen=True)
class Finding:
    subject: str
    level: Level
    found: str
    todo: str = ""


@dataclass(frozen=True)
class Checkup:
    """What the checks look at."""

    settings: Settings
    store: Store
    http: aiohttp.ClientSession
    now: datetime
    workers: int = 1
    """The processes the service is served with (`pakn serve --workers`)."""


Check = Callable[[Checkup], Awaitable[Finding]]


def level_name(level: Level) -> str:
    return {Level.OK: _("ok"), Level.WARNING: _("warning"), Level.ERROR: _("error")}[level]


async def configuration(c: Checkup) -> Finding:
    subject, s = _("Configuration"), c.settings
    if s.public_url and s.public_url.startswith("http://"):
        return Finding(subject, Level.WARNING, _("PAKN_PUBLIC_URL is not HTTPS"),
                       _("Telegram and Zalo deliver webhooks to HTTPS addresses only; put "
                         "the service behind a TLS proxy and set an https:// address"))
    if s.pseudonym_key is None:
        return Finding(subject, Level.WARNING, _("PAKN_PSEUDONYM_KEY is not set"),
                       _("set it to a secret of 32 characters or more, so that a copy of "
                         "the database alone cannot undo the pseudonyms of erased people"))
    return Finding(subject, Level.OK, _("read and valid"))


async def database(c: Checkup) -> Finding:
    subject = _("Database")
    if not await c.store.database.ping():
        return Finding(subject, Level.ERROR, _("not reachable"),
                       _("check PAKN_DATABASE_URL and that the database server runs"))
    head = ScriptDirectory.from_config(alembic_config(c.settings.database_url)
                                       ).get_current_head()
    try:
        async with c.store.database.reading() as session:
            current = (await session.execute(text("SELECT version_num FROM alembic_version"))
                       ).scalar_one_or_none()
    except StorageError:
        current = None
    if current != head:
        return Finding(subject, Level.ERROR, _("schema at {current}, this version needs "
                                               "{head}").format(current=current or "—",
                                                                head=head),
                       _("run `pakn migrate` (the service migrates when it starts)"))
    return Finding(subject, Level.OK, _("reachable, schema up to date ({head})").format(
        head=head))


async def connections(c: Checkup) -> Finding:
    """Whether the workers' pools fit in PostgreSQL's connections: the service makes
    them smaller at start when they do not, and does not start when not even one fits
    (bot.commands.serve, bot.runtime.connections)."""
    subject = _("Database connections")
    if c.store.database.is_sqlite:
        return Finding(subject, Level.OK, _("SQLite: no server connections to count"))
    room = await available(c.settings.database_url)
    workers, wanted = c.workers, c.settings.database_pool_size
    size = pool_size_within(wanted, workers, room)
    if size is None:
        return Finding(subject, Level.ERROR, _(
            "{workers} worker(s) need at least {needed} connections; PostgreSQL allows "
            "{room}").format(workers=workers, needed=connections_of(1, workers) + SPARE,
                             room=room),
            _("serve with fewer workers, or raise PostgreSQL's max_connections"))
    if size < wanted:
        return Finding(subject, Level.WARNING, _(
            "{workers} worker(s) with pools of {wanted} could open {needed} connections; "
            "PostgreSQL allows {room}, so each pool will hold {size}").format(
                workers=workers, wanted=wanted, needed=connections_of(wanted, workers),
                room=room, size=size),
            _("raise PostgreSQL's max_connections, or set PAKN_DATABASE_POOL_SIZE={size}"
              ).format(size=size))
    return Finding(subject, Level.OK, _(
        "{workers} worker(s) with pools of {size} open at most {needed} connections; "
        "PostgreSQL allows {room}").format(workers=workers, size=size,
                                           needed=connections_of(size, workers), room=room))


async def directory(c: Checkup) -> Finding:
    subject = _("Directory")
    async with c.store.unit_of_work() as uow:
        if await uow.directory.is_empty():
            return Finding(subject, Level.ERROR, _("no directory loaded"),
                           _("start the service once, or load one with `pakn directory "
                             "import FILE`"))
        loaded = await uow.directory.load()
    return Finding(subject, Level.OK, _("{units} units, {fields} fields").format(
        units=len(loaded.units), fields=len(loaded.fields)))


async def calendar(c: Checkup) -> Finding:
    subject = _("Working calendar")
    year = c.now.astimezone(c.settings.tz).year
    async with c.store.unit_of_work() as uow:
        guessed = [status.year for status in
                   [await calendar_use_cases.status_of(uow, y) for y in (year, year + 1)]
                   if status.guessing]
    if guessed:
        return Finding(subject, Level.WARNING, _("estimated for {years}").format(
            years=", ".join(map(str, guessed))),
            _("enter the Government's decision on the days off, or confirm the year "
              "(`pakn calendar`, or the dashboard's calendar page)"))
    return Finding(subject, Level.OK, _("decided for {year} and {next}").format(
        year=year, next=year + 1))


async def public_url(c: Checkup) -> Finding:
    subject, url = _("Public address"), c.settings.public_url
    if url is None:
        return Finding(subject, Level.WARNING, _("PAKN_PUBLIC_URL is not set"),
                       _("set it to the address people reach the service at: links, Zalo "
                         "and Telegram webhooks need it"))
    try:
        async with c.http.get(f"{url}/healthz", timeout=TIMEOUT) as response:
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Finding(subject, Level.ERROR, _("{url} cannot be reached from here: "
                                               "{error}").format(url=url, error=_error(exc)),
                       _("check the DNS name, the proxy and the firewall"))
    if status != 200:
        return Finding(subject, Level.ERROR, _("{url}/healthz answered {status}").format(
            url=url, status=status), _("check that the proxy forwards to this service"))
    return Finding(subject, Level.OK, _("{url} answers").format(url=url))


async def telegram(c: Checkup) -> Finding:
    subject, s = _("Telegram"), c.settings
    if s.telegram_token is None:
        return Finding(subject, Level.OK, _("not configured"))
    try:
        async with c.http.get(f"{s.telegram_api_url}/bot{s.telegram_token}/getWebhookInfo",
                              timeout=TIMEOUT) as response:
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return Finding(subject, Level.ERROR, _("the Bot API cannot be reached: {error}").format(
            error=_error(exc)), _("check the network and PAKN_TELEGRAM_API_URL"))
    if not isinstance(body, dict) or not body.get("ok"):
        return Finding(subject, Level.ERROR, _("the Bot API refused the token"),
                       _("check PAKN_TELEGRAM_TOKEN with @BotFather"))
    info: dict[str, Any] = body.get("result") or {}
    expected = f"{s.public_url}/webhook/telegram" if s.webhook_mode else ""
    if info.get("url", "") != expected:
        return Finding(subject, Level.ERROR, _("the webhook is “{url}”, not “{expected}”")
                       .format(url=info.get("url", ""), expected=expected),
                       _("restart the service: it sets the webhook when it starts"))
    pending = int(info.get("pending_update_count") or 0)
    error_at = info.get("last_error_date")
    if error_at and c.now - datetime.fromtimestamp(int(error_at), UTC) < RECENT_ERROR:
        return Finding(subject, Level.WARNING, _("last delivery error: {error} ({pending} "
                                                 "updates waiting)").format(
            error=info.get("last_error_message", "?"), pending=pending),
            _("check that the public address reaches this service"))
    if pending > PENDING_UPDATES:
        return Finding(subject, Level.WARNING, _("{pending} updates waiting").format(
            pending=pending), _("the service is not keeping up: see its log and load"))
    return Finding(subject, Level.OK, _("webhook set, {pending} updates waiting").format(
        pending=pending) if expected else _("long polling, {pending} updates waiting").format(
        pending=pending))


async def zalo(c: Checkup) -> Finding:
    subject, s = _("Zalo"), c.settings
    if s.zalo_bot_token is None and s.zalo_oa_app_id is None:
        return Finding(subject, Level.OK, _("not configured"))
    found = []
    if s.zalo_bot_token is not None:
        try:
            async with c.http.post(f"{s.zalo_bot_api_url}/bot{s.zalo_bot_token}/getMe",
                                   timeout=TIMEOUT) as response:
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return Finding(subject, Level.ERROR, _("the Zalo Bot API cannot be reached: "
                                                   "{error}").format(error=_error(exc)),
                           _("check the network and PAKN_ZALO_BOT_API_URL"))
        if not isinstance(body, dict) or not body.get("ok"):
            return Finding(subject, Level.ERROR, _("Zalo refused the bot's token"),
                           _("check PAKN_ZALO_BOT_TOKEN in the Zalo Bot platform"))
        found.append(_("bot token valid"))
    if s.zalo_oa_app_id is not None:
        async with c.store.unit_of_work() as uow:
            tokens = await uow.zalo_tokens.get()
        if tokens is None:
            return Finding(subject, Level.ERROR, _("no Official Account token"),
                           _("set one with `pakn zalo-oa set-token`"))
        if c.now - tokens.updated_at > timedelta(days=ZALO_REFRESH_DAYS):
            return Finding(subject, Level.ERROR, _("the Official Account token was last "
                                                   "renewed more than {days} days ago")
                           .format(days=ZALO_REFRESH_DAYS),
                           _("set a new one with `pakn zalo-oa set-token`"))
        found.append(_("Official Account token renewed {date}").format(
            date=tokens.updated_at.astimezone(s.tz).strftime("%d/%m/%Y")))
    return Finding(subject, Level.OK, "; ".join(found))


async def disk(c: Checkup) -> Finding:
    subject = _("Disk space")
    places = [c.settings.backup_dir]
    if backend(c.settings.database_url) == "sqlite":
        places.append(sqlite_path(c.settings.database_url))
    worst: tuple[int, float, Path] | None = None
    for place in places:
        existing = _existing(place.resolve())
        usage = shutil.disk_usage(existing)
        if worst is None or usage.free < worst[0]:
            worst = (usage.free, usage.free / usage.total, existing)
    assert worst is not None
    free, share, where = worst
    words = _("{free} MB free where {place} is ({share:.0%})").format(
        free=free >> 20, place=where, share=share)
    if free < DISK_ERROR:
        return Finding(subject, Level.ERROR, words, _("free space now: the database and "
                                                      "backups will stop being written"))
    if free < DISK_WARNING or share < DISK_SHARE:
        return Finding(subject, Level.WARNING, words,
                       _("free space, or keep fewer backups (PAKN_BACKUP_KEEP)"))
    return Finding(subject, Level.OK, words)


async def backups(c: Checkup) -> Finding:
    subject, every = _("Backups"), c.settings.backup_every
    last = await last_backup(c.store)
    if last is None:
        return Finding(subject, Level.WARNING, _("no backup recorded"),
                       _("run `pakn backup`, and set PAKN_BACKUP_EVERY for the service to "
                         "take them itself"))
    age = c.now - last
    hours = int(age.total_seconds() // 3600)
    words = _("the last one is {hours} hours old").format(hours=hours)
    if age > timedelta(hours=2 * (every or 24)):
        return Finding(subject, Level.WARNING, words,
                       _("see the service's log for a failed backup, or run `pakn backup`")
                       if every else _("set PAKN_BACKUP_EVERY for the service to take "
                                       "them itself"))
    return Finding(subject, Level.OK, words)


DATABASE_CHECKS: list[Check] = [connections, directory, calendar, zalo, backups]
"""Checks that need the database: skipped when it cannot be reached."""
CHECKS: list[Check] = [configuration, database, connections, directory, calendar, public_url,
                       telegram, zalo, disk, backups]


async def examine(c: Checkup, checks: list[Check] | None = None) -> list[Finding]:
    findings: list[Finding] = []
    reachable = await c.store.database.ping()
    for check in checks or CHECKS:
        if check in DATABASE_CHECKS and not reachable:
            continue
        try:
            finding = await check(c)
        except StorageError as exc:
            finding = Finding(_("Database"), Level.ERROR, _error(exc),
                              _("check PAKN_DATABASE_URL and that the database server runs"))
        findings.append(finding)
    return findings


def worst(findings: list[Finding]) -> Level:
    return max((f.level for f in findings), default=Level.OK)


def as_line(finding: Finding) -> str:
    line = f"[{level_name(finding.level)}] {finding.subject}: {finding.found}"
    return f"{line} — {finding.todo}" if finding.todo and finding.level else line


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _error(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else exc.__class__.__name__

