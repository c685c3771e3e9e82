"""People writing at once while one person's step fails (group commit, storage/db.py):
the failing step is answered with the apology alone, and everyone else's step, undone
with the shared transaction, is taken again and answered once."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.spine import dispatch
from storage.models import InboundRow, OutboxRow
from tests.conversation.harness import Harness

SORRY = "Sorry, something went wrong on our side"


async def test_a_failing_step_among_many_costs_the_others_nothing(
        bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    chats = [f"many-{n}" for n in range(12)]
    await asyncio.gather(*(bot.text(chat, "/start") for chat in chats))
    await bot.new_messages()
    commits: list[int] = []
    event.listen(bot.database.engine.sync_engine, "commit", lambda _c: commits.append(1))
    route = dispatch.Dispatcher._route

    async def failing_once(self: dispatch.Dispatcher, ctx: Any, offered: Any) -> None:
        await route(self, ctx, offered)
        if ctx.message.chat_id == "many-5":
            raise RuntimeError("a fault of ours, after the step had written")

    monkeypatch.setattr(dispatch.Dispatcher, "_route", failing_once)
    async with bot.database.reading() as session:
        before = (await session.execute(select(func.max(OutboxRow.id)))).scalar_one()
    await asyncio.gather(*(bot.text(chat, "/help") for chat in chats))
    async with bot.database.reading() as session:
        answers = (await session.execute(select(OutboxRow.chat_id, OutboxRow.body)
                                         .where(OutboxRow.id > before))).all()
    by_chat = {chat: [body["text"] for to, body in answers if to == chat] for chat in chats}
    assert len(by_chat["many-5"]) == 1 and SORRY in by_chat["many-5"][0]
    for chat in chats:
        if chat != "many-5":
            assert len(by_chat[chat]) == 1 and SORRY not in by_chat[chat][0], chat
    assert await bot.count(InboundRow) == 2 * len(chats), "every update stored once"
    if bot.database.is_sqlite:
        assert len(commits) < len(chats), "steps shared their COMMITs"
