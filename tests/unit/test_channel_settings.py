"""The SMS and email settings: what they default to, and one clear line for a bad one."""

import pytest

from bot.runtime.settings import Settings, SettingsError

SMS = {"PAKN_SMS_API_KEY": "key", "PAKN_SMS_SECRET_KEY": "secret", "PAKN_SMS_BRAND": "UBND"}


def settings(**env: str) -> Settings:
    return Settings.from_env(env, dotenv=None)


def test_defaults_send_nothing_and_write_without_diacritics() -> None:
    found = settings()
    assert (found.sms_api_key, found.smtp_host) == (None, None)
    assert (found.sms_ascii, found.sms_max_segments, found.smtp_port) == (True, 3, 587)
    assert found.sms_url.startswith("https://rest.esms.vn/")


@pytest.mark.parametrize(("raw", "value"), [("0", False), ("off", False), ("No", False),
                                             ("1", True), ("on", True), ("TRUE", True)])
def test_switches(raw: str, value: bool) -> None:
    found = settings(**SMS, PAKN_SMS_ASCII=raw, PAKN_SMTP_STARTTLS=raw)
    assert (found.sms_ascii, found.smtp_starttls) == (value, value)


@pytest.mark.parametrize(("env", "named"), [
    ({"PAKN_SMS_API_KEY": "key"}, "PAKN_SMS_SECRET_KEY"),
    ({"PAKN_SMS_API_KEY": "key", "PAKN_SMS_SECRET_KEY": "s"}, "PAKN_SMS_BRAND"),
    ({**SMS, "PAKN_SMS_ASCII": "maybe"}, "PAKN_SMS_ASCII"),
    ({**SMS, "PAKN_SMS_MAX_SEGMENTS": "0"}, "PAKN_SMS_MAX_SEGMENTS"),
    ({**SMS, "PAKN_SMS_MAX_SEGMENTS": "11"}, "PAKN_SMS_MAX_SEGMENTS"),
    ({**SMS, "PAKN_SMS_CALLBACK_SECRET": "short"}, "PAKN_SMS_CALLBACK_SECRET"),
    ({**SMS, "PAKN_SMS_CALLBACK_SECRET": "a/b" * 10}, "PAKN_SMS_CALLBACK_SECRET"),
    ({**SMS, "PAKN_SMS_URL": "not a url"}, "PAKN_SMS_URL"),
    ({"PAKN_SMTP_HOST": "mail.example.vn"}, "PAKN_MAIL_FROM"),
    ({"PAKN_SMTP_HOST": "h", "PAKN_MAIL_FROM": "nobody"}, "PAKN_MAIL_FROM"),
    ({"PAKN_SMTP_HOST": "h", "PAKN_MAIL_FROM": "a@b.vn", "PAKN_SMTP_PORT": "x"},
     "PAKN_SMTP_PORT"),
])
def test_a_bad_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=f"^{named}:"):
        settings(**env)


def test_a_sender_with_a_display_name() -> None:
    found = settings(PAKN_SMTP_HOST="h", PAKN_MAIL_FROM="UBND xã Xuân Bắc <pakn@xuanbac.vn>")
    assert found.mail_from == "UBND xã Xuân Bắc <pakn@xuanbac.vn>"
