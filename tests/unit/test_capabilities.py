"""The registry of channels: each declares what it can do once, and the rest of the
code reads a chat's channel from it."""

from dataclasses import replace

import pytest

from bot.channels import email, open311, sms, telegram, webchat, zalo
from bot.spine.capabilities import Capabilities, capabilities, file_ids_channel, register
from bot.spine.messages import FileRef, kept_file, stored_file_id


def test_every_channel_package_is_registered() -> None:
    for declared in (telegram.CAPABILITIES, zalo.BOT_PLATFORM, zalo.OFFICIAL_ACCOUNT,
                     webchat.CAPABILITIES, sms.CAPABILITIES, email.CAPABILITIES,
                     open311.CAPABILITIES):
        assert capabilities(declared.channel) is declared


def test_a_channel_without_a_declaration_has_no_controls_and_no_limits() -> None:
    assert capabilities("paper") == Capabilities("paper")
    assert capabilities("paper").text_limit is None
    assert not capabilities("paper").numbered_options


def test_a_name_is_declared_once() -> None:
    register(telegram.CAPABILITIES)  # the same declaration again: nothing changes
    with pytest.raises(ValueError, match="already registered"):
        register(replace(telegram.CAPABILITIES, text_limit=10))
    assert capabilities(telegram.CHANNEL).text_limit == 4096


def test_one_channel_keeps_its_file_ids_with_the_attachments() -> None:
    assert file_ids_channel() == telegram.CHANNEL
    with pytest.raises(ValueError, match="file ids"):
        register(Capabilities("fax", keeps_file_ids=True))
    assert capabilities("fax") == Capabilities("fax")


def test_file_references_map_to_the_kept_id_and_back() -> None:
    ref = FileRef(telegram.CHANNEL, "AgACAgIAAxkBAAIC")
    assert stored_file_id(ref) == "AgACAgIAAxkBAAIC"
    assert kept_file("AgACAgIAAxkBAAIC") == ref
    assert stored_file_id(FileRef(zalo.ZALO_BOT, "elsewhere")) is None, \
        "another channel's id is not taken for Telegram's"
    assert stored_file_id(None) is None and kept_file(None) is None
