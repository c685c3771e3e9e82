"""Configuration from the environment (and an optional .env file).

Every setting is validated at start; a bad one stops the service with one line that
names the variable.
"""

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.present.i18n import _
from bot.runtime.dotenv import read_dotenv
from bot.runtime.home import database_url_in, home_of
from complaints.calendar import END_OF_CIVIL_DAY, DeadlineRules
from complaints.deadlines import ReminderPolicy

LANGUAGES = ("vi", "en")


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable. Its text is
    English; `told()` words it in the language the command speaks (the catalogs')."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values))
        self.message, self.values = message, values

    def told(self) -> str:
        return _(self.message).format(**self.values)


@dataclass(frozen=True)
class Rate:
    """A token bucket: `count` at once, refilled over `seconds` (`10/1h`: ten at once,
    then one every six minutes)."""

    count: int
    seconds: float


@dataclass(frozen=True)
class Limits:
    """The limits on doors anyone can knock at, per identity (a chat's person, an API
    key) and per client address; None: no limit. The defaults are far above what a
    person does (a whole family filing from one home network included) and far below
    what a script does."""

    chat_sessions: Rate | None = Rate(60, 3600)
    """New web chat sessions (cookies issued) per address."""
    surveys: Rate | None = Rate(10, 3600)
    """Procedure surveys recorded per person."""
    surveys_address: Rate | None = Rate(60, 3600)
    filings: Rate | None = Rate(10, 3600)
    """PAKN filed per person."""
    filings_address: Rate | None = Rate(30, 3600)
    open311: Rate | None = Rate(600, 3600)
    """Open311 requests filed per API key (an app files for many citizens)."""
    open311_address: Rate | None = Rate(600, 3600)
    sign_in: Rate | None = Rate(5, 900)
    """Sign-in attempts per address; a successful one is given back."""
    public: Rate | None = Rate(120, 60)
    """Uncached requests per address to public pages, open data and Open311 reads."""


LIMIT_SETTINGS = {
    "PAKN_LIMIT_CHAT_SESSIONS": "chat_sessions",
    "PAKN_LIMIT_SURVEYS": "surveys", "PAKN_LIMIT_SURVEYS_ADDRESS": "surveys_address",
    "PAKN_LIMIT_FILINGS": "filings", "PAKN_LIMIT_FILINGS_ADDRESS": "filings_address",
    "PAKN_LIMIT_OPEN311": "open311", "PAKN_LIMIT_OPEN311_ADDRESS": "open311_address",
    "PAKN_LIMIT_SIGN_IN": "sign_in", "PAKN_LIMIT_PUBLIC": "public",
}


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./pakn.db"
    host: str = "127.0.0.1"
    port: int = 8080
    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_per_second: int = 29
    """Messages a second the bot sends in all: Telegram allows 30 (one under, as sends
    spaced exactly 1/30 s apart put 31 in some second), bots with paid broadcasts up to
    1000."""
    telegram_chat_interval_ms: int = 1000
    """Milliseconds between messages to one chat after a burst of 3 (Telegram asks for
    about one a second); 0: no pacing per chat."""
    zalo_chat_interval_ms: int = 1000
    """The same for a Zalo chat (Bot platform and Official Account)."""
    public_url: str | None = None
    telegram_webhook_secret: str | None = None
    default_language: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    cutoff: time = time(15, 0)
    end_of_day: time = time(17, 0)
    invite_days: int = 7
    notice_version: str = "2026-12"
    reminder_days: tuple[int, ...] = (2, 0)
    reminder_hour: time = time(8, 0)
    scheduler_interval: float = 60.0
    """Seconds between two rounds of the scheduler (reminders, escalation)."""
    outbox_lease: float = 60.0
    """Seconds a worker holds a message it is sending (half to send, half to record it):
    the messages held by a worker that died are sent again after this."""
    zalo_bot_token: str | None = None
    zalo_bot_webhook_secret: str | None = None
    zalo_bot_api_url: str = "https://bot-api.zaloplatforms.com"
    zalo_oa_app_id: str | None = None
    zalo_oa_secret_key: str | None = None
    """The OA's secret key: checks the signature of the events Zalo posts."""
    zalo_app_secret: str | None = None
    """The Zalo app's secret: refreshes the OA's access token."""
    zalo_oa_api_url: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_oa_reply_hours: int = 48
    """How long after a person wrote the OA may answer (Zalo: 48 hours free; up to 7 days
    with a paid package)."""
    zalo_oa_free_messages: int = 8
    """How many messages the OA may send in that time (Zalo: 8 free; 0 for no limit)."""
    zalo_oa_event_minutes: int = 5
    """How far from our clock the timestamp of a signed Zalo OA event may be: older or
    newer events are refused (a replay, or a clock badly wrong)."""
    flood_per_minute: int = 30
    """Messages a chat may send a minute after its burst (0: no flood control)."""
    flood_burst: int = 20
    """Messages a chat may send at once: a whole PAKN, however quickly it is tapped."""
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    pseudonym_key: str | None = None
    """The key of the pseudonyms that replace an erased person's chat ids; unset, one is
    made and kept in the database (bot.core.privacy)."""
    """Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are believed."""
    uploads_per_hour: int = 30
    """Files a person, or a client address, may send in one clock hour."""
    upload_bytes_per_hour: int = 50 << 20
    """Bytes of files a person, or a client address, may send in one clock hour."""
    limits: Limits = Limits()
    public_cache_seconds: int = 60
    """How long public pages, open data and Open311 reads are served from memory (per
    address and language, never per person); 0: not cached."""
    header_timeout: float = 15.0
    """Seconds a client has to send a request's headers once it started (or connected)."""
    body_timeout: float = 120.0
    """Seconds a client has to send a request's body once its headers arrived."""
    max_connections_per_client: int = 100
    """Connections open at once from one address (not counting trusted proxies)."""
    embed_origins: tuple[str, ...] = ()
    """Sites (scheme://host[:port]) whose pages may show the web chat in a frame."""
    sms_url: str = "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/"
    sms_api_key: str | None = None
    """The SMS gateway account's key; unset, no SMS is sent."""
    sms_secret_key: str | None = None
    sms_brand: str | None = None
    """The brandname registered with the gateway: the sender the phone shows."""
    sms_ascii: bool = True
    """Texts without Vietnamese diacritics (brandname routes usually take no others)."""
    sms_max_segments: int = 3
    sms_sandbox: bool = False
    sms_callback_secret: str | None = None
    """The secret in the delivery-report address the gateway calls."""
    smtp_host: str | None = None
    """The mail server; unset, no email is sent."""
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str | None = None
    home: Path | None = None
    """The data folder (PAKN_HOME, bot.runtime.home): the SQLite database's place by default."""
    log_format: str = "text"
    """text, or json: one JSON object a line (PAKN_LOG_FORMAT)."""
    metrics_token: str | None = None
    """With it, /metrics answers only `Authorization: Bearer TOKEN`; without it, only
    requests from this machine that no proxy forwarded."""
    backup_dir: Path = Path("backups")
    """Where `pakn backup` and the scheduled backups write."""
    backup_every: int = 0
    """Hours between two backups the service takes itself (0: none)."""
    backup_keep: int = 14
    """Scheduled backups kept in backup_dir; older ones are deleted (0: all kept)."""
    database_pool_size: int = 10
    """Connections each process keeps to PostgreSQL (and as many more at busy times)."""
    database_pool_timeout: float = 10.0
    """Seconds a request waits for a free database connection before it is answered 503."""
    similar_days: int = 30
    """How long after its answer a case is still offered to a citizen filing the same
    problem (open cases always are)."""

    @property
    def zalo_oa_enabled(self) -> bool:
        return self.zalo_oa_app_id is not None

    @property
    def deadline_rules(self) -> DeadlineRules:
        return DeadlineRules(self.timezone, self.cutoff, self.end_of_day)

    @property
    def reminder_policy(self) -> ReminderPolicy:
        return ReminderPolicy(before_days=self.reminder_days)

    @property
    def webhook_mode(self) -> bool:
        return self.telegram_token is not None and self.public_url is not None

    @property
    def site_url(self) -> str:
        """Where people reach the web pages: the public address, or this machine's."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None,
                 dotenv: Path | None = Path(".env")) -> "Settings":
        values = dict(read_dotenv(dotenv)) if dotenv and dotenv.is_file() else {}
        values.update(os.environ if env is None else env)

        def get(name: str) -> str | None:
            value = (values.get(name) or "").strip() or None
            path = (values.get(f"{name}_FILE") or "").strip()
            if path and value is not None:
                raise SettingsError("{name}: set it or {name}_FILE, not both", name=name)
            return _from_file(f"{name}_FILE", path) if path else value

        defaults = cls()
        home = home_of(values)
        database_url = get("PAKN_DATABASE_URL") or database_url_in(home)
        if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise SettingsError("PAKN_DATABASE_URL: use sqlite+aiosqlite:///PATH or "
                                "postgresql+asyncpg://USER@HOST/DB")
        port = _integer("PAKN_PORT", get("PAKN_PORT"), defaults.port, 1, 65535)
        api_url = (get("PAKN_TELEGRAM_API_URL") or defaults.telegram_api_url).rstrip("/")
        _url("PAKN_TELEGRAM_API_URL", api_url)
        public_url = get("PAKN_PUBLIC_URL")
        if public_url:
            public_url = public_url.rstrip("/")
            _url("PAKN_PUBLIC_URL", public_url)
        token = get("PAKN_TELEGRAM_TOKEN")
        if token and ":" not in token:
            raise SettingsError("PAKN_TELEGRAM_TOKEN: not a bot token (expected 123456:ABC...)")
        secret = get("PAKN_TELEGRAM_WEBHOOK_SECRET")
        if token and public_url:
            if not secret:
                raise SettingsError("PAKN_TELEGRAM_WEBHOOK_SECRET: required when "
                                    "PAKN_PUBLIC_URL is set (webhook mode)")
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                raise SettingsError("PAKN_TELEGRAM_WEBHOOK_SECRET: 1-256 characters of "
                                    "A-Z, a-z, 0-9, _ and -")
        language = get("PAKN_DEFAULT_LANGUAGE") or defaults.default_language
        if language not in LANGUAGES:
            raise SettingsError("PAKN_DEFAULT_LANGUAGE: must be one of {choices}",
                                choices=", ".join(LANGUAGES))
        timezone = get("PAKN_TIMEZONE") or defaults.timezone
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError("PAKN_TIMEZONE: unknown time zone '{timezone}'",
                                timezone=timezone) from None
        zalo_bot_token = get("PAKN_ZALO_BOT_TOKEN")
        zalo_bot_secret = get("PAKN_ZALO_BOT_WEBHOOK_SECRET")
        if zalo_bot_token and public_url and not zalo_bot_secret:
            raise SettingsError("PAKN_ZALO_BOT_WEBHOOK_SECRET: required when PAKN_PUBLIC_URL "
                                "is set (webhook mode)")
        if zalo_bot_secret and not re.fullmatch(r"[A-Za-z0-9_-]{8,256}", zalo_bot_secret):
            raise SettingsError("PAKN_ZALO_BOT_WEBHOOK_SECRET: 8-256 characters of A-Z, a-z, "
                                "0-9, _ and -")
        oa_app_id = get("PAKN_ZALO_OA_APP_ID")
        oa_secret, app_secret = get("PAKN_ZALO_OA_SECRET_KEY"), get("PAKN_ZALO_APP_SECRET")
        if oa_app_id and not oa_secret:
            raise SettingsError("PAKN_ZALO_OA_SECRET_KEY: required with PAKN_ZALO_OA_APP_ID "
                                "(it checks the signature of Zalo's events)")
        if oa_app_id and not app_secret:
            raise SettingsError("PAKN_ZALO_APP_SECRET: required with PAKN_ZALO_OA_APP_ID "
                                "(it refreshes the access token)")
        zalo_urls: dict[str, Any] = {}
        for name, key in (("PAKN_ZALO_BOT_API_URL", "zalo_bot_api_url"),
                          ("PAKN_ZALO_OA_API_URL", "zalo_oa_api_url"),
                          ("PAKN_ZALO_OAUTH_URL", "zalo_oauth_url")):
            url = (get(name) or getattr(defaults, key)).rstrip("/")
            _url(name, url)
            zalo_urls[key] = url
        reply_hours = _integer("PAKN_ZALO_OA_REPLY_HOURS", get("PAKN_ZALO_OA_REPLY_HOURS"),
                               defaults.zalo_oa_reply_hours, 1, 7 * 24)
        free_messages = _integer("PAKN_ZALO_OA_FREE_MESSAGES", get("PAKN_ZALO_OA_FREE_MESSAGES"),
                                 defaults.zalo_oa_free_messages, 0, 1000)
        event_minutes = _integer("PAKN_ZALO_OA_EVENT_MINUTES",
                                 get("PAKN_ZALO_OA_EVENT_MINUTES"),
                                 defaults.zalo_oa_event_minutes, 1, 60)
        return cls(
            zalo_oa_event_minutes=event_minutes,
            similar_days=_integer("PAKN_SIMILAR_DAYS", get("PAKN_SIMILAR_DAYS"),
                                  defaults.similar_days, 0, 3650),
            flood_per_minute=_integer("PAKN_FLOOD_PER_MINUTE", get("PAKN_FLOOD_PER_MINUTE"),
                                      defaults.flood_per_minute, 0, 10_000),
            flood_burst=_integer("PAKN_FLOOD_BURST", get("PAKN_FLOOD_BURST"),
                                 defaults.flood_burst, 1, 1000),
            zalo_oa_reply_hours=reply_hours, zalo_oa_free_messages=free_messages,
            zalo_bot_token=zalo_bot_token, zalo_bot_webhook_secret=zalo_bot_secret,
            zalo_oa_app_id=oa_app_id, zalo_oa_secret_key=oa_secret, zalo_app_secret=app_secret,
            **zalo_urls,
            database_url=database_url,
            host=get("PAKN_HOST") or defaults.host,
            port=port,
            telegram_token=token,
            telegram_api_url=api_url,
            telegram_per_second=_integer("PAKN_TELEGRAM_PER_SECOND",
                                         get("PAKN_TELEGRAM_PER_SECOND"),
                                         defaults.telegram_per_second, 1, 1000),
            telegram_chat_interval_ms=_integer("PAKN_TELEGRAM_CHAT_INTERVAL_MS",
                                               get("PAKN_TELEGRAM_CHAT_INTERVAL_MS"),
                                               defaults.telegram_chat_interval_ms, 0, 60_000),
            zalo_chat_interval_ms=_integer("PAKN_ZALO_CHAT_INTERVAL_MS",
                                           get("PAKN_ZALO_CHAT_INTERVAL_MS"),
                                           defaults.zalo_chat_interval_ms, 0, 60_000),
            public_url=public_url,
            telegram_webhook_secret=secret,
            default_language=language,
            timezone=timezone,
            cutoff=_clock("PAKN_CUTOFF", get("PAKN_CUTOFF"), defaults.cutoff),
            end_of_day=_end_of_day(get("PAKN_END_OF_DAY"), defaults.end_of_day),
            invite_days=_integer("PAKN_INVITE_DAYS", get("PAKN_INVITE_DAYS"),
                                 defaults.invite_days, 1, 365),
            reminder_days=_days_list("PAKN_REMINDER_DAYS", get("PAKN_REMINDER_DAYS"),
                                     defaults.reminder_days),
            reminder_hour=_clock("PAKN_REMINDER_HOUR", get("PAKN_REMINDER_HOUR"),
                                 defaults.reminder_hour),
            scheduler_interval=_integer("PAKN_SCHEDULER_INTERVAL",
                                        get("PAKN_SCHEDULER_INTERVAL"),
                                        int(defaults.scheduler_interval), 1, 3600),
            outbox_lease=_integer("PAKN_OUTBOX_LEASE", get("PAKN_OUTBOX_LEASE"),
                                  int(defaults.outbox_lease), 10, 3600),
            trusted_proxies=_networks("PAKN_TRUSTED_PROXIES", get("PAKN_TRUSTED_PROXIES")),
            uploads_per_hour=_integer("PAKN_UPLOADS_PER_HOUR", get("PAKN_UPLOADS_PER_HOUR"),
                                      defaults.uploads_per_hour, 1, 10_000),
            upload_bytes_per_hour=_integer("PAKN_UPLOAD_BYTES_PER_HOUR",
                                           get("PAKN_UPLOAD_BYTES_PER_HOUR"),
                                           defaults.upload_bytes_per_hour, 1 << 20, 1 << 40),
            limits=Limits(**{field: _rate(name, get(name), getattr(defaults.limits, field))
                             for name, field in LIMIT_SETTINGS.items()}),
            public_cache_seconds=_integer("PAKN_PUBLIC_CACHE_SECONDS",
                                          get("PAKN_PUBLIC_CACHE_SECONDS"),
                                          defaults.public_cache_seconds, 0, 3600),
            header_timeout=_integer("PAKN_HEADER_TIMEOUT", get("PAKN_HEADER_TIMEOUT"),
                                    int(defaults.header_timeout), 1, 600),
            body_timeout=_integer("PAKN_BODY_TIMEOUT", get("PAKN_BODY_TIMEOUT"),
                                  int(defaults.body_timeout), 1, 3600),
            max_connections_per_client=_integer(
                "PAKN_MAX_CONNECTIONS_PER_CLIENT", get("PAKN_MAX_CONNECTIONS_PER_CLIENT"),
                defaults.max_connections_per_client, 1, 100_000),
            pseudonym_key=_pseudonym_key(get("PAKN_PSEUDONYM_KEY")),
            embed_origins=_origins("PAKN_EMBED_ORIGINS", get("PAKN_EMBED_ORIGINS")),
            home=home,
            log_format=_choice("PAKN_LOG_FORMAT", get("PAKN_LOG_FORMAT"), ("text", "json")),
            metrics_token=_metrics_token(get("PAKN_METRICS_TOKEN")),
            # Beside the database in the data folder, whatever the current folder.
            backup_dir=Path(get("PAKN_BACKUP_DIR") or (home / "backups" if home
                                                        else defaults.backup_dir)),
            backup_every=_integer("PAKN_BACKUP_EVERY", get("PAKN_BACKUP_EVERY"),
                                  defaults.backup_every, 0, 24 * 31),
            backup_keep=_integer("PAKN_BACKUP_KEEP", get("PAKN_BACKUP_KEEP"),
                                 defaults.backup_keep, 0, 10_000),
            database_pool_size=_integer("PAKN_DATABASE_POOL_SIZE",
                                        get("PAKN_DATABASE_POOL_SIZE"),
                                        defaults.database_pool_size, 1, 1000),
            database_pool_timeout=_integer("PAKN_DATABASE_POOL_TIMEOUT",
                                           get("PAKN_DATABASE_POOL_TIMEOUT"),
                                           int(defaults.database_pool_timeout), 1, 600),
            **_sms(get, defaults), **_mail(get, defaults),
        )


def _sms(get: Callable[[str], str | None], defaults: "Settings") -> dict[str, Any]:
    api_key = get("PAKN_SMS_API_KEY")
    for name in ("PAKN_SMS_SECRET_KEY", "PAKN_SMS_BRAND"):
        if api_key and not get(name):
            raise SettingsError("{name}: required with PAKN_SMS_API_KEY", name=name)
    url = get("PAKN_SMS_URL") or defaults.sms_url
    _url("PAKN_SMS_URL", url)
    secret = get("PAKN_SMS_CALLBACK_SECRET")
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
        raise SettingsError("PAKN_SMS_CALLBACK_SECRET: 16-256 characters of A-Z, a-z, 0-9, "
                            "_ and -")
    return {"sms_url": url, "sms_api_key": api_key,
            "sms_secret_key": get("PAKN_SMS_SECRET_KEY"), "sms_brand": get("PAKN_SMS_BRAND"),
            "sms_ascii": _flag("PAKN_SMS_ASCII", get("PAKN_SMS_ASCII"), defaults.sms_ascii),
            "sms_max_segments": _integer("PAKN_SMS_MAX_SEGMENTS", get("PAKN_SMS_MAX_SEGMENTS"),
                                         defaults.sms_max_segments, 1, 10),
            "sms_sandbox": _flag("PAKN_SMS_SANDBOX", get("PAKN_SMS_SANDBOX"),
                                 defaults.sms_sandbox),
            "sms_callback_secret": secret}


def _mail(get: Callable[[str], str | None], defaults: "Settings") -> dict[str, Any]:
    host, sender = get("PAKN_SMTP_HOST"), get("PAKN_MAIL_FROM")
    if host and not sender:
        raise SettingsError("PAKN_MAIL_FROM: required with PAKN_SMTP_HOST")
    if sender and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+|.*<[^@\s<>]+@[^@\s<>]+>",
                                   sender):
        raise SettingsError("PAKN_MAIL_FROM: not an email address, got '{sender}'",
                            sender=sender)
    return {"smtp_host": host,
            "smtp_port": _integer("PAKN_SMTP_PORT", get("PAKN_SMTP_PORT"),
                                  defaults.smtp_port, 1, 65535),
            "smtp_user": get("PAKN_SMTP_USER"), "smtp_password": get("PAKN_SMTP_PASSWORD"),
            "smtp_starttls": _flag("PAKN_SMTP_STARTTLS", get("PAKN_SMTP_STARTTLS"),
                                   defaults.smtp_starttls),
            "mail_from": sender}


def _flag(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError("{name}: must be on or off (1/0, true/false), got '{raw}'",
                        name=name, raw=raw)


def _from_file(name: str, path: str) -> str | None:
    """A setting kept in a file (a container's or systemd's secret): its text, without
    the line end editors add."""
    try:
        return Path(path).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
        raise SettingsError("{name}: cannot read {path} ({reason})", name=name, path=path,
                            reason=reason) from None


def _integer(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError("{name}: must be a whole number, got '{raw}'", name=name,
                            raw=raw) from None
    if not low <= value <= high:
        raise SettingsError("{name}: must be between {low} and {high}, got {value}", name=name,
                            low=low, high=high, value=value)
    return value


def _days_list(name: str, raw: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    if raw is None:
        return default
    try:
        days = tuple(sorted({int(part) for part in raw.split(",")}, reverse=True))
    except ValueError:
        raise SettingsError("{name}: must be whole numbers of working days separated by "
                            "commas, like 2,0; got '{raw}'", name=name, raw=raw) from None
    if any(day < 0 or day > 30 for day in days):
        raise SettingsError("{name}: days must be between 0 and 30, got '{raw}'", name=name,
                            raw=raw)
    return days


def _clock(name: str, raw: str | None, default: time) -> time:
    if raw is None:
        return default
    try:
        value = time.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is not None:
        # A local hour: the time zone is PAKN_TIMEZONE's.
        raise SettingsError("{name}: must be a local time like 15:00, got '{raw}'", name=name,
                            raw=raw)
    return value


def _end_of_day(raw: str | None, default: time) -> time:
    """When a due day ends: 17:00, the end of office hours (the default), or 24:00, the
    end of the day in Bộ luật Dân sự 2015 art. 148 (kept as the day's last microsecond)."""
    if raw is not None and raw.strip() in ("24:00", "24:00:00"):
        return END_OF_CIVIL_DAY
    return _clock("PAKN_END_OF_DAY", raw, default)


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _origins(name: str, raw: str | None) -> tuple[str, ...]:
    """Origins separated by spaces or commas; each goes into a CSP header as it is, so
    nothing but scheme, host and port is let through."""
    if not raw:
        return ()
    origins = tuple(dict.fromkeys(part.rstrip("/") for part in re.split(r"[\s,]+", raw)
                                  if part))
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise SettingsError("{name}: must be origins like https://portal.example.gov.vn "
                                "separated by spaces or commas, got '{origin}'",
                                name=name, origin=origin)
    return origins


def _url(name: str, value: str) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError("{name}: must be an http(s) URL, got '{value}'", name=name,
                            value=value)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate(name: str, raw: str | None, default: Rate | None) -> Rate | None:
    """COUNT/PERIOD, the period a number and a unit (s, m, h, d): 10/1h, 5/15m; 0: none."""
    if raw is None:
        return default
    if raw == "0":
        return None
    match = re.fullmatch(r"(\d{1,7})\s*/\s*(\d{1,6})?\s*([smhd])", raw.strip().lower())
    if match is None or int(match[1]) < 1 or match[2] == "0":
        raise SettingsError("{name}: a number of requests per period, like 10/1h or "
                            "5/15m (s, m, h, d), or 0 for no limit; got {raw!r}",
                            name=name, raw=raw)
    return Rate(int(match[1]), int(match[2] or 1) * _UNITS[match[3]])


def _networks(name: str, raw: str | None) -> tuple[IPv4Network | IPv6Network, ...]:
    """Addresses or networks separated by commas: 127.0.0.1, 10.0.0.0/8, ::1."""
    try:
        return tuple(ip_network(part.strip(), strict=False)
                     for part in (raw or "").split(",") if part.strip())
    except ValueError:
        raise SettingsError("{name}: addresses or networks separated by commas, "
                            "e.g. 127.0.0.1, 10.0.0.0/8; got {raw!r}", name=name,
                            raw=raw) from None


def _choice(name: str, raw: str | None, choices: tuple[str, ...]) -> str:
    if raw is None:
        return choices[0]
    if raw.lower() not in choices:
        raise SettingsError("{name}: must be one of {choices}, got '{raw}'", name=name,
                            choices=", ".join(choices), raw=raw)
    return raw.lower()


def _metrics_token(value: str | None) -> str | None:
    if value is not None and len(value) < 16:
        raise SettingsError("PAKN_METRICS_TOKEN: at least 16 characters (a random secret)")
    return value


def _pseudonym_key(value: str | None) -> str | None:
    if value is not None and len(value) < 32:
        raise SettingsError("PAKN_PSEUDONYM_KEY: at least 32 characters (a random secret)")
    return value
