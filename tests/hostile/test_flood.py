"""Flood control: one chat sending hundreds of messages a minute is slowed down with one
polite message, cannot fill the database, and leaves other chats alone; messages it
did not take are never acknowledged as received."""

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.channels.webchat import chat_id_of
from bot.runtime.settings import Settings, SettingsError
from storage.models import InboundRow, OutboxRow
from tests.clock import Clock
from tests.fakes import updates
from tests.fakes.updates import User
from tests.hostile.stage import Stage

FLOODER, NEIGHBOUR = User(7101, "Flood", language_code="en"), User(7102, "Calm")
NOTICE = "faster than I can read them"
NOTICE_VI = "nhanh hơn mức tôi có thể đọc"


async def inbound(stage: Stage, chat: str) -> int:
    async with stage.service.database.reading() as session:
        return int((await session.execute(select(func.count()).select_from(InboundRow)
                                          .where(InboundRow.chat_id == chat))).scalar_one())


async def notices(stage: Stage, chat: str) -> list[str]:
    async with stage.service.database.reading() as session:
        bodies = (await session.execute(select(OutboxRow.body).where(
            OutboxRow.chat_id == chat).order_by(OutboxRow.id))).scalars()
        return [body["text"] for body in bodies
                if NOTICE in body["text"] or NOTICE_VI in body["text"]]


async def test_three_hundred_messages_in_a_minute(stage: Stage, clock: Clock) -> None:
    settings = stage.settings
    calm_sent = 0
    for second_fifth in range(300):  # one message every 0.2 s, for a minute
        status = await stage.telegram_update(updates.text(FLOODER, f"spam {second_fifth}"))
        assert status == 200, "taken or not, the update is answered: no redelivery"
        if second_fifth % 25 == 0:  # someone else, every five seconds
            assert await stage.telegram_update(updates.text(NEIGHBOUR, "/trogiup")) == 200
            calm_sent += 1
        clock.advance(seconds=0.2)

    stored = await inbound(stage, str(FLOODER.id))
    # The burst, and what trickled in while it was spent; nothing after.
    assert settings.flood_burst <= stored <= settings.flood_burst + 3, stored
    told = await notices(stage, str(FLOODER.id))
    assert len(told) == 1, told
    assert "not take your last messages" in told[0] and "send them again after" in told[0]
    assert await inbound(stage, str(NEIGHBOUR.id)) == calm_sent, "other chats unaffected"
    assert not await notices(stage, str(NEIGHBOUR.id))

    # A minute after the first refusal the chat is open again.
    clock.advance(seconds=5)
    assert await stage.telegram_update(updates.text(FLOODER, "/trogiup")) == 200
    assert await inbound(stage, str(FLOODER.id)) == stored + 1, "open again after the minute"
    assert len(await notices(stage, str(FLOODER.id))) == 1


@pytest.fixture
async def tight(database_url: str, clock: Clock) -> AsyncIterator[Stage]:
    running = await Stage(database_url, clock, flood_per_minute=6, flood_burst=3).start()
    yield running
    await running.close()


async def test_the_notice_is_delivered_once_in_the_persons_language(tight: Stage) -> None:
    for n in range(40):
        assert await tight.telegram_update(updates.text(FLOODER, f"spam {n}")) == 200
    await tight.delivered()
    notices_sent = [c for c in tight.telegram.sent_to(FLOODER.id) if NOTICE in c.text]
    assert len(notices_sent) == 1
    assert "after 09:01" in notices_sent[0].text, "the local time the chat opens again"


async def test_web_chat_acknowledges_only_what_it_took(tight: Stage, clock: Clock) -> None:
    visitor = await tight.visitor()
    try:
        await visitor.open()
        answers = []
        for n in range(8):
            client_id = f"flood-{n:04d}"
            answer = await visitor.frame(json.dumps({"type": "text", "client_id": client_id,
                                                     "text": f"message {n}"}))
            answers.append((client_id, answer["type"]))
        assert [kind for _, kind in answers] == ["ack"] * 3 + ["refused"] * 5
        chat = chat_id_of(visitor.token)
        async with tight.service.database.reading() as session:
            keys = set((await session.execute(select(InboundRow.update_key).where(
                InboundRow.chat_id == chat))).scalars())
        # Every message acknowledged is in the database; none refused is.
        assert keys == {f"{chat}:{client_id}" for client_id, kind in answers if kind == "ack"}
        assert len(await notices(tight, chat)) == 1

        clock.advance(minutes=1, seconds=1)
        again = await visitor.frame(json.dumps({"type": "text", "client_id": "flood-9999",
                                                "text": "/trogiup"}))
        assert again["type"] == "ack"
    finally:
        await visitor.close()


def test_the_limits_are_settings() -> None:
    defaults = Settings.from_env({}, dotenv=None)
    assert (defaults.flood_per_minute, defaults.flood_burst) == (30, 20)
    chosen = Settings.from_env({"PAKN_FLOOD_PER_MINUTE": "0", "PAKN_FLOOD_BURST": "5"},
                               dotenv=None)
    assert (chosen.flood_per_minute, chosen.flood_burst) == (0, 5)
    for name, value in (("PAKN_FLOOD_PER_MINUTE", "many"), ("PAKN_FLOOD_PER_MINUTE", "-1"),
                        ("PAKN_FLOOD_BURST", "0")):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({name: value}, dotenv=None)


async def test_no_flood_control_when_switched_off(database_url: str, clock: Clock) -> None:
    stage = await Stage(database_url, clock, flood_per_minute=0).start()
    try:
        for n in range(60):
            assert await stage.telegram_update(updates.text(FLOODER, f"spam {n}")) == 200
        assert await inbound(stage, str(FLOODER.id)) == 60
        assert not await notices(stage, str(FLOODER.id))
    finally:
        await stage.close()
