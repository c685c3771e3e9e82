"""The limits' settings: COUNT/PERIOD with a unit, 0 for none, anything else refused with
the variable's name."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.settings import LIMIT_SETTINGS, Limits, Rate, Settings, SettingsError

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def limits(**env: str) -> Limits:
    return Settings.from_env(env, dotenv=None).limits


@given(name=st.sampled_from(sorted(LIMIT_SETTINGS)), count=st.integers(1, 10**6),
       number=st.one_of(st.none(), st.integers(1, 999)), unit=st.sampled_from("smhdSMHD"))
def test_count_per_period(name: str, count: int, number: int | None, unit: str) -> None:
    raw = f"{count}/{'' if number is None else number}{unit}"
    assert getattr(limits(**{name: raw}), LIMIT_SETTINGS[name]) == Rate(
        count, (number or 1) * UNITS[unit.lower()])


def test_defaults_and_none() -> None:
    assert limits() == Limits()
    assert limits(PAKN_LIMIT_PUBLIC="0").public is None
    assert limits(PAKN_LIMIT_SIGN_IN="5/15m").sign_in == Rate(5, 900)


@pytest.mark.parametrize("raw", ["10", "ten/1h", "10/1y", "0/1h", "10/0h", "-1/1h", "1/h/2",
                                 "10/1h extra", "99999999/1h"])
def test_nonsense_is_refused_with_the_name(raw: str) -> None:
    with pytest.raises(SettingsError, match="PAKN_LIMIT_FILINGS: a number of requests"):
        limits(PAKN_LIMIT_FILINGS=raw)


@pytest.mark.parametrize(("name", "raw"), [("PAKN_HEADER_TIMEOUT", "0"),
                                           ("PAKN_BODY_TIMEOUT", "x"),
                                           ("PAKN_MAX_CONNECTIONS_PER_CLIENT", "0"),
                                           ("PAKN_PUBLIC_CACHE_SECONDS", "-1")])
def test_timeouts_and_caps_are_checked(name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: raw}, dotenv=None)
