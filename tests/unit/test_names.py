"""Every channel a person can see in a filter, table or file has a name in words."""

import importlib
import pkgutil

import pytest

import bot.channels
from bot.present.i18n import use_locale
from bot.present.names import CHANNELS, channel_name
from bot.spine.capabilities import Capabilities
from bot.spine.messages import OPEN311
from complaints.intake import Origin


def declared_channels() -> set[str]:
    found = {OPEN311, "paper", "import", *(origin.value for origin in Origin)}
    for module in pkgutil.iter_modules(bot.channels.__path__):
        names = vars(importlib.import_module(f"bot.channels.{module.name}"))
        if isinstance(names.get("CHANNEL"), str):
            found.add(names["CHANNEL"])
        found.update(value.channel for value in names.values()
                     if isinstance(value, Capabilities))
    return found


def test_the_list_holds_every_channel_the_code_declares() -> None:
    assert declared_channels() <= set(CHANNELS)
    assert len(declared_channels()) >= 8


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_channel_has_a_name_in_each_language(language: str) -> None:
    with use_locale(language):
        names = {code: channel_name(code) for code in CHANNELS}
    assert all(name and name != code for code, name in names.items()), names
    assert len(set(names.values())) == len(names)


def test_an_unknown_channel_keeps_its_code() -> None:
    assert channel_name("fax") == "fax"
