"""The updates a service gets before it has read the key of erased people's pseudonyms
(bot.spine.dispatch) wait for the one reading it: one transaction reads or makes it, not
one per update, however many people write at once after a start."""

import asyncio

import pytest

from bot.spine import dispatch
from tests.conversation.harness import Harness


async def test_people_writing_at_once_after_a_start_read_the_key_once(
        bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = 0
    read = dispatch.pseudonym_key

    async def counted(*args: object) -> bytes:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.05)  # long enough for all the others to arrive meanwhile
        return await read(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(dispatch, "pseudonym_key", counted)
    chats = [f"first-{n}" for n in range(12)]
    batches = await asyncio.gather(*(bot.text(chat, "/start") for chat in chats))
    assert reads == 1
    answered = {out.chat for batch in batches for out in batch}
    assert answered | {out.chat for out in await bot.new_messages()} == set(chats), \
        "everyone is answered"
