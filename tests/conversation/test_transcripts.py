"""Every transcript in tests/conversation/transcripts, played on every chat channel: the
same conversation must hold whether people press buttons, type numbered options' labels
or type their phone number."""

import pytest

from tests.conversation.harness import Harness
from tests.conversation.transcript import Player, Transcript, all_transcripts

CHANNELS = ("telegram", "webchat", "zalo_bot", "zalo_oa")


@pytest.mark.parametrize("transcript", all_transcripts(), ids=lambda t: t.path.stem)
@pytest.mark.parametrize("channel", CHANNELS)
async def test_transcript(bot: Harness, channel: str, transcript: Transcript) -> None:
    bot.channel = channel
    await Player(bot, transcript).play()
