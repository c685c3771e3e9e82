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
    expected = sum(1 for step in transcript.steps for key in step
                   if any(key.endswith(" " + e) for e in ("sees", "does not see",
                                                          "sees buttons", "sees nothing")))
    assert await Player(bot, transcript).play() == expected > 0, "every expectation checked"
