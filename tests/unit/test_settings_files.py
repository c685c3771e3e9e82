"""Settings read from files (PAKN_X_FILE), as containers and systemd hand secrets over."""

from pathlib import Path

import pytest

from bot.runtime.settings import Settings, SettingsError

SECRETS = {
    "PAKN_DATABASE_URL": ("database_url", "postgresql+asyncpg://pakn:pw@db/pakn"),
    "PAKN_TELEGRAM_TOKEN": ("telegram_token", "123456:ABC-def_ghi"),
    "PAKN_TELEGRAM_WEBHOOK_SECRET": ("telegram_webhook_secret", "s3cret_-X"),
    "PAKN_PSEUDONYM_KEY": ("pseudonym_key", "k" * 40),
    "PAKN_ZALO_BOT_TOKEN": ("zalo_bot_token", "zalo-bot-token"),
}


def load(**env: str) -> Settings:
    return Settings.from_env(env, dotenv=None)


@pytest.mark.parametrize("ending", ["", "\n", "\r\n", "  \n\n"])
@pytest.mark.parametrize("name", sorted(SECRETS))
def test_a_secret_is_read_from_its_file(tmp_path: Path, name: str, ending: str) -> None:
    field, value = SECRETS[name]
    path = tmp_path / name.lower()
    path.write_text(value + ending, encoding="utf-8")
    env = {f"{name}_FILE": str(path)}
    if name == "PAKN_TELEGRAM_WEBHOOK_SECRET":
        env |= {"PAKN_TELEGRAM_TOKEN": SECRETS["PAKN_TELEGRAM_TOKEN"][1],
                "PAKN_PUBLIC_URL": "https://pakn.example.vn"}
    assert getattr(load(**env), field) == value


def test_a_value_from_a_file_is_checked_like_any_other(tmp_path: Path) -> None:
    path = tmp_path / "url"
    path.write_text("mysql://nope\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="PAKN_DATABASE_URL"):
        load(PAKN_DATABASE_URL_FILE=str(path))


def test_an_empty_file_is_an_unset_setting(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_text("\n", encoding="utf-8")
    assert load(PAKN_TELEGRAM_TOKEN_FILE=str(path)).telegram_token is None


@pytest.mark.parametrize("make", ["missing", "directory", "binary"])
def test_an_unreadable_file_is_named(tmp_path: Path, make: str) -> None:
    path = tmp_path / "secret"
    if make == "directory":
        path.mkdir()
    elif make == "binary":
        path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(SettingsError) as caught:
        load(PAKN_TELEGRAM_TOKEN_FILE=str(path))
    assert str(caught.value).startswith(f"PAKN_TELEGRAM_TOKEN_FILE: cannot read {path}")


def test_both_the_value_and_its_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("123456:ABC", encoding="utf-8")
    with pytest.raises(SettingsError, match="PAKN_TELEGRAM_TOKEN: set it or "
                                            "PAKN_TELEGRAM_TOKEN_FILE, not both"):
        load(PAKN_TELEGRAM_TOKEN="123456:DEF", PAKN_TELEGRAM_TOKEN_FILE=str(path))
