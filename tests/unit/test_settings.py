"""Configuration from the environment: defaults, validation, webhook mode and .env files."""

from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.runtime.home import database_url_in, home_of
from bot.runtime.settings import Settings, SettingsError, read_dotenv
from complaints.calendar import END_OF_CIVIL_DAY

TOKEN = "123456:ABC-def_ghi"
WEBHOOK = {
    "PAKN_TELEGRAM_TOKEN": TOKEN,
    "PAKN_PUBLIC_URL": "https://pakn.example.vn",
    "PAKN_TELEGRAM_WEBHOOK_SECRET": "s3cret_-X",
}


def load(**env: str) -> Settings:
    return Settings.from_env(env, dotenv=None)


def refused(**env: str) -> str:
    with pytest.raises(SettingsError) as caught:
        load(**env)
    return str(caught.value)


def defaults(**env: str) -> Settings:
    """The defaults, with the data folder those variables give (bot.runtime.home)."""
    home = home_of(env)
    return Settings(home=home, database_url=database_url_in(home), backup_dir=home / "backups")


def test_defaults() -> None:
    settings = load(HOME="/home/operator")
    assert settings == defaults(HOME="/home/operator")
    assert settings.database_url.startswith("sqlite+aiosqlite:////")
    assert settings.database_url.endswith("/pakn.db")
    assert settings.backup_dir == Path("/home/operator/.local/share/pakn/backups")
    assert settings.log_format == "text" and settings.metrics_token is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.telegram_token is None
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.public_url is None
    assert settings.telegram_webhook_secret is None
    assert settings.default_language == "vi"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.tz == ZoneInfo("Asia/Ho_Chi_Minh")
    assert settings.cutoff == time(15, 0)
    assert settings.end_of_day == time(17, 0)
    assert settings.invite_days == 7
    assert not settings.webhook_mode


def test_unrelated_variables_are_ignored() -> None:
    assert load(PATH="/usr/bin", HOME="/root", PAKN_UNKNOWN="x") == defaults(HOME="/root")


def test_blank_values_count_as_unset() -> None:
    assert load(PAKN_PORT="", PAKN_DATABASE_URL="   ", PAKN_TELEGRAM_TOKEN=" ") == defaults()


def test_the_end_of_a_due_day_is_office_hours_or_the_civil_code() -> None:
    assert load().end_of_day == time(17, 0)
    assert load(PAKN_END_OF_DAY="17:00").end_of_day == time(17, 0)
    assert load(PAKN_END_OF_DAY="24:00").end_of_day == END_OF_CIVIL_DAY == time.max


def test_every_setting_is_read() -> None:
    settings = load(
        PAKN_DATABASE_URL="postgresql+asyncpg://pakn@db/pakn",
        PAKN_HOST="192.0.2.10",
        PAKN_PORT=" 9000 ",
        PAKN_TELEGRAM_API_URL="http://127.0.0.1:8081/",
        PAKN_DEFAULT_LANGUAGE="en",
        PAKN_TIMEZONE="Asia/Bangkok",
        PAKN_CUTOFF="16:30",
        PAKN_END_OF_DAY="17:30",
        PAKN_INVITE_DAYS="30",
        PAKN_OUTBOX_LEASE="30",
        PAKN_SIMILAR_DAYS="0",
        PAKN_TELEGRAM_PER_SECOND="1000",
        PAKN_TELEGRAM_CHAT_INTERVAL_MS="0",
        PAKN_ZALO_CHAT_INTERVAL_MS="250",
        **WEBHOOK,
    )
    assert settings.database_url == "postgresql+asyncpg://pakn@db/pakn"
    assert (settings.host, settings.port) == ("192.0.2.10", 9000)
    assert settings.telegram_api_url == "http://127.0.0.1:8081"   # trailing slash dropped
    assert settings.telegram_token == TOKEN
    assert settings.public_url == "https://pakn.example.vn"
    assert settings.telegram_webhook_secret == "s3cret_-X"
    assert settings.default_language == "en"
    assert settings.timezone == "Asia/Bangkok"
    assert (settings.cutoff, settings.end_of_day) == (time(16, 30), time(17, 30))
    assert settings.invite_days == 30
    assert settings.outbox_lease == 30
    assert settings.similar_days == 0
    assert (settings.telegram_per_second, settings.telegram_chat_interval_ms) == (1000, 0)
    assert settings.zalo_chat_interval_ms == 250


def test_the_public_url_loses_its_trailing_slash() -> None:
    assert load(PAKN_PUBLIC_URL="https://pakn.example.vn/bot/").public_url == (
        "https://pakn.example.vn/bot")


def test_a_sqlite_file_url_is_accepted() -> None:
    url = "sqlite+aiosqlite:////var/lib/pakn/pakn.db"
    assert load(PAKN_DATABASE_URL=url).database_url == url


# --- webhook mode ------------------------------------------------------------------------

def test_token_and_public_url_mean_webhook_mode() -> None:
    assert load(**WEBHOOK).webhook_mode


def test_a_token_alone_means_polling() -> None:
    settings = load(PAKN_TELEGRAM_TOKEN=TOKEN)
    assert settings.telegram_token == TOKEN
    assert not settings.webhook_mode


def test_a_public_url_alone_is_not_webhook_mode_and_needs_no_secret() -> None:
    settings = load(PAKN_PUBLIC_URL="https://pakn.example.vn")
    assert not settings.webhook_mode
    assert settings.telegram_webhook_secret is None


def test_the_property_follows_the_fields() -> None:
    assert Settings(telegram_token=TOKEN, public_url="https://x.vn").webhook_mode
    assert not Settings(telegram_token=TOKEN).webhook_mode
    assert not Settings(public_url="https://x.vn").webhook_mode


# --- each invalid setting names its variable ---------------------------------------------

@pytest.mark.parametrize(("env", "variable"), [
    ({"PAKN_PORT": "http"}, "PAKN_PORT"),
    ({"PAKN_PORT": "80.5"}, "PAKN_PORT"),
    ({"PAKN_PORT": "0"}, "PAKN_PORT"),
    ({"PAKN_PORT": "65536"}, "PAKN_PORT"),
    ({"PAKN_PORT": "-1"}, "PAKN_PORT"),
    ({"PAKN_DATABASE_URL": "mysql://pakn@db/pakn"}, "PAKN_DATABASE_URL"),
    ({"PAKN_LOG_FORMAT": "xml"}, "PAKN_LOG_FORMAT"),
    ({"PAKN_METRICS_TOKEN": "short"}, "PAKN_METRICS_TOKEN"),
    ({"PAKN_DATABASE_URL": "sqlite:///pakn.db"}, "PAKN_DATABASE_URL"),
    ({"PAKN_DATABASE_URL": "postgresql://pakn@db/pakn"}, "PAKN_DATABASE_URL"),
    ({"PAKN_TELEGRAM_API_URL": "ftp://api.telegram.org"}, "PAKN_TELEGRAM_API_URL"),
    ({"PAKN_TELEGRAM_API_URL": "api.telegram.org"}, "PAKN_TELEGRAM_API_URL"),
    ({"PAKN_TELEGRAM_API_URL": "https://"}, "PAKN_TELEGRAM_API_URL"),
    ({"PAKN_PUBLIC_URL": "pakn.example.vn"}, "PAKN_PUBLIC_URL"),
    ({"PAKN_PUBLIC_URL": "ws://pakn.example.vn"}, "PAKN_PUBLIC_URL"),
    ({"PAKN_PUBLIC_URL": "https:///path-only"}, "PAKN_PUBLIC_URL"),
    ({"PAKN_TELEGRAM_TOKEN": "123456ABC"}, "PAKN_TELEGRAM_TOKEN"),
    ({"PAKN_TELEGRAM_TOKEN": TOKEN, "PAKN_PUBLIC_URL": "https://pakn.example.vn"},
     "PAKN_TELEGRAM_WEBHOOK_SECRET"),
    ({**WEBHOOK, "PAKN_TELEGRAM_WEBHOOK_SECRET": "has space"}, "PAKN_TELEGRAM_WEBHOOK_SECRET"),
    ({**WEBHOOK, "PAKN_TELEGRAM_WEBHOOK_SECRET": "a/b"}, "PAKN_TELEGRAM_WEBHOOK_SECRET"),
    ({**WEBHOOK, "PAKN_TELEGRAM_WEBHOOK_SECRET": "x" * 257}, "PAKN_TELEGRAM_WEBHOOK_SECRET"),
    ({"PAKN_DEFAULT_LANGUAGE": "fr"}, "PAKN_DEFAULT_LANGUAGE"),
    ({"PAKN_DEFAULT_LANGUAGE": "VI"}, "PAKN_DEFAULT_LANGUAGE"),
    ({"PAKN_TIMEZONE": "Asia/Hanoi_City"}, "PAKN_TIMEZONE"),
    ({"PAKN_TIMEZONE": "Mars/Olympus"}, "PAKN_TIMEZONE"),
    ({"PAKN_TIMEZONE": "../etc/passwd"}, "PAKN_TIMEZONE"),
    ({"PAKN_CUTOFF": "3pm"}, "PAKN_CUTOFF"),
    ({"PAKN_CUTOFF": "25:00"}, "PAKN_CUTOFF"),
    ({"PAKN_CUTOFF": "15h00"}, "PAKN_CUTOFF"),
    ({"PAKN_END_OF_DAY": "5pm"}, "PAKN_END_OF_DAY"),
    ({"PAKN_END_OF_DAY": "24:01"}, "PAKN_END_OF_DAY"),
    ({"PAKN_END_OF_DAY": "25:00"}, "PAKN_END_OF_DAY"),
    ({"PAKN_INVITE_DAYS": "0"}, "PAKN_INVITE_DAYS"),
    ({"PAKN_INVITE_DAYS": "366"}, "PAKN_INVITE_DAYS"),
    ({"PAKN_INVITE_DAYS": "a week"}, "PAKN_INVITE_DAYS"),
    ({"PAKN_OUTBOX_LEASE": "9"}, "PAKN_OUTBOX_LEASE"),
    ({"PAKN_OUTBOX_LEASE": "a minute"}, "PAKN_OUTBOX_LEASE"),
    ({"PAKN_SIMILAR_DAYS": "-1"}, "PAKN_SIMILAR_DAYS"),
    ({"PAKN_SIMILAR_DAYS": "3651"}, "PAKN_SIMILAR_DAYS"),
    ({"PAKN_SIMILAR_DAYS": "a month"}, "PAKN_SIMILAR_DAYS"),
    ({"PAKN_TELEGRAM_PER_SECOND": "0"}, "PAKN_TELEGRAM_PER_SECOND"),
    ({"PAKN_TELEGRAM_PER_SECOND": "1001"}, "PAKN_TELEGRAM_PER_SECOND"),
    ({"PAKN_TELEGRAM_CHAT_INTERVAL_MS": "-1"}, "PAKN_TELEGRAM_CHAT_INTERVAL_MS"),
    ({"PAKN_TELEGRAM_CHAT_INTERVAL_MS": "1.5"}, "PAKN_TELEGRAM_CHAT_INTERVAL_MS"),
    ({"PAKN_ZALO_CHAT_INTERVAL_MS": "-1"}, "PAKN_ZALO_CHAT_INTERVAL_MS"),
    ({"PAKN_ZALO_CHAT_INTERVAL_MS": "60001"}, "PAKN_ZALO_CHAT_INTERVAL_MS"),
])
def test_an_invalid_setting_is_refused_naming_its_variable(
        env: dict[str, str], variable: str) -> None:
    message = refused(**env)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message


def test_messages_show_the_bad_value() -> None:
    assert refused(PAKN_PORT="http") == "PAKN_PORT: must be a whole number, got 'http'"
    assert refused(PAKN_PORT="70000") == "PAKN_PORT: must be between 1 and 65535, got 70000"
    assert refused(PAKN_TIMEZONE="Mars/Olympus") == (
        "PAKN_TIMEZONE: unknown time zone 'Mars/Olympus'")
    assert refused(PAKN_CUTOFF="3pm") == "PAKN_CUTOFF: must be a local time like 15:00, got '3pm'"
    assert refused(PAKN_PUBLIC_URL="pakn.example.vn") == (
        "PAKN_PUBLIC_URL: must be an http(s) URL, got 'pakn.example.vn'")


def test_a_bad_token_message_does_not_repeat_the_token() -> None:
    assert "123456ABC" not in refused(PAKN_TELEGRAM_TOKEN="123456ABC")


@pytest.mark.parametrize("port", ["1", "65535"])
def test_port_limits_are_inclusive(port: str) -> None:
    assert load(PAKN_PORT=port).port == int(port)


@pytest.mark.parametrize("secret", ["a", "x" * 256, "AZaz09_-"])
def test_webhook_secrets_of_the_allowed_alphabet(secret: str) -> None:
    assert load(**{**WEBHOOK, "PAKN_TELEGRAM_WEBHOOK_SECRET": secret}).telegram_webhook_secret \
        == secret


@pytest.mark.parametrize("secret", ["bí_mật", "secret\u00b2", "ｓｅｃｒｅｔ"])
def test_a_secret_with_non_ascii_letters_is_refused(secret: str) -> None:
    message = refused(**{**WEBHOOK, "PAKN_TELEGRAM_WEBHOOK_SECRET": secret})
    assert message.startswith("PAKN_TELEGRAM_WEBHOOK_SECRET: ")


@pytest.mark.parametrize(("raw", "parsed"), [
    ("15:00", time(15, 0)), ("15:00:00", time(15, 0)), ("1430", time(14, 30)), ("16", time(16)),
])
def test_cutoff_accepts_iso_times(raw: str, parsed: time) -> None:
    assert load(PAKN_CUTOFF=raw).cutoff == parsed


@pytest.mark.parametrize("variable", ["PAKN_CUTOFF", "PAKN_END_OF_DAY"])
@pytest.mark.parametrize("raw", ["15:00+07:00", "15:00Z"])
def test_a_clock_time_with_an_offset_is_refused(variable: str, raw: str) -> None:
    assert refused(**{variable: raw}).startswith(f"{variable}: ")


def test_a_secret_is_kept_in_polling_mode_without_being_checked() -> None:
    settings = load(PAKN_TELEGRAM_TOKEN=TOKEN, PAKN_TELEGRAM_WEBHOOK_SECRET="any thing")
    assert settings.telegram_webhook_secret == "any thing"
    assert not settings.webhook_mode


# --- .env files --------------------------------------------------------------------------

DOTENV = """\
# Settings for the test deployment

PAKN_PORT=9001
export PAKN_HOST = 192.0.2.10
PAKN_DEFAULT_LANGUAGE="en"
PAKN_TIMEZONE='Asia/Bangkok'
  # an indented comment
PAKN_TELEGRAM_TOKEN=123:abc=def
not a setting line
PAKN_CUTOFF=16:00
"""


def test_read_dotenv_understands_comments_quotes_and_export(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(DOTENV, encoding="utf-8")
    assert read_dotenv(path) == {
        "PAKN_PORT": "9001",
        "PAKN_HOST": "192.0.2.10",
        "PAKN_DEFAULT_LANGUAGE": "en",
        "PAKN_TIMEZONE": "Asia/Bangkok",
        "PAKN_TELEGRAM_TOKEN": "123:abc=def",   # split at the first '=' only
        "PAKN_CUTOFF": "16:00",
    }


def test_settings_come_from_the_dotenv_file(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(DOTENV, encoding="utf-8")
    settings = Settings.from_env({}, dotenv=path)
    assert settings.port == 9001
    assert settings.host == "192.0.2.10"
    assert settings.default_language == "en"
    assert settings.timezone == "Asia/Bangkok"
    assert settings.telegram_token == "123:abc=def"
    assert settings.cutoff == time(16, 0)


def test_the_real_environment_overrides_the_dotenv_file(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(DOTENV, encoding="utf-8")
    settings = Settings.from_env({"PAKN_PORT": "9500", "PAKN_DEFAULT_LANGUAGE": "vi"},
                                 dotenv=path)
    assert settings.port == 9500
    assert settings.default_language == "vi"
    assert settings.timezone == "Asia/Bangkok"          # still from the file


def test_a_missing_dotenv_file_is_ignored(tmp_path: Path) -> None:
    assert Settings.from_env({}, dotenv=tmp_path / "absent.env") == defaults()


def test_a_bad_value_in_the_dotenv_file_names_its_variable(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("PAKN_PORT=eighty\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"^PAKN_PORT: "):
        Settings.from_env({}, dotenv=path)


def test_the_environment_can_fix_a_bad_dotenv_value(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("PAKN_PORT=eighty\n", encoding="utf-8")
    assert Settings.from_env({"PAKN_PORT": "8081"}, dotenv=path).port == 8081


def test_a_dotenv_file_in_utf8_with_vietnamese_comments(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# Cấu hình máy chủ Xuân Lộc\nPAKN_INVITE_DAYS=14\n", encoding="utf-8")
    assert Settings.from_env({}, dotenv=path).invite_days == 14


def test_the_window_of_zalo_oa_events() -> None:
    assert load().zalo_oa_event_minutes == 5
    assert load(PAKN_ZALO_OA_EVENT_MINUTES="15").zalo_oa_event_minutes == 15
    for wrong in ("0", "61", "five", "-3"):
        assert "PAKN_ZALO_OA_EVENT_MINUTES" in refused(PAKN_ZALO_OA_EVENT_MINUTES=wrong)


def test_embed_origins_are_read_from_a_list() -> None:
    assert load().embed_origins == ()
    settings = load(PAKN_EMBED_ORIGINS=" https://xuanloc.dongnai.gov.vn/,http://127.0.0.1:8090 "
                                       "https://dongnai.gov.vn https://dongnai.gov.vn")
    assert settings.embed_origins == ("https://xuanloc.dongnai.gov.vn", "http://127.0.0.1:8090",
                                      "https://dongnai.gov.vn")


@pytest.mark.parametrize("raw", [
    "dongnai.gov.vn", "https://dongnai.gov.vn/pakn", "https://*.gov.vn", "javascript:x",
    "https://a.vn; script-src *", "'unsafe-inline'", "https://a.vn?x=1", "ftp://a.vn"])
def test_an_embed_origin_is_only_scheme_host_and_port(raw: str) -> None:
    message = refused(PAKN_EMBED_ORIGINS=raw)
    assert message.startswith("PAKN_EMBED_ORIGINS:")
