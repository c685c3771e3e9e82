"""A step that fails leaves nothing of itself: what its handler wrote, the messages it
owed and the conversation's move are undone; the person's message is kept, and they are
told why (a refusal explained and recorded, or a fault of ours said as such)."""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from bot.spine.context import Context
from bot.spine.messages import Reply
from complaints.errors import NotAllowed, ValidationError
from storage.models import InboundRow, Meta, RefusalRow
from tests.conversation.harness import Harness, to

WRITTEN = "written by a step that failed"


def failing_with(error: Exception) -> Any:
    async def step(ctx: Context) -> None:
        await ctx.uow.meta.set("half-done", WRITTEN)
        await ctx.reply(Reply("This answer belongs to a step that failed."))
        ctx.dialog.state = "apology:date"
        raise error
    return step


@pytest.mark.parametrize(("error", "told", "refused"), [
    (NotAllowed("not theirs"), "Sorry, you cannot do that on this case.", True),
    (ValidationError("too short"), None, False),
    (RuntimeError("a fault of ours"), "Sorry, something went wrong on our side.", False),
])
async def test_a_failed_step_leaves_only_the_message_and_the_answer(
        bot: Harness, error: Exception, told: str | None, refused: bool,
        caplog: pytest.LogCaptureFixture) -> None:
    await bot.text("asker", "/start")
    bot.dispatcher.router.command("thu")(failing_with(error))
    before = await bot.dialog_state("asker")
    answers = to("asker", await bot.text("asker", "/thu"))
    assert len(answers) == 1, [a.text for a in answers]
    assert "belongs to a step that failed" not in answers[0].text
    if told is not None:
        assert answers[0].text.startswith(told)
    async with bot.database.reading() as session:
        assert await session.get(Meta, "half-done") is None
        kept = (await session.execute(select(InboundRow.text).where(
            InboundRow.chat_id == "asker"))).scalars().all()
        refusals = (await session.execute(select(RefusalRow.reason))).scalars().all()
    assert kept[-1] == "/thu"
    assert refusals == (["not_allowed:not theirs"] if refused else [])
    assert await bot.dialog_state("asker") == before
    assert ("handler failed" in caplog.text) == isinstance(error, RuntimeError)
    # The conversation goes on from where it was.
    assert to("asker", await bot.text("asker", "/trogiup"))


@pytest.mark.parametrize("concurrent", [
    StaleDataError("UPDATE statement on table 'cases' expected to update 1 row(s); 0 were "
                   "matched."),
    IntegrityError("INSERT INTO ...", {}, Exception("duplicate key value")),
])
async def test_a_step_that_meets_a_concurrent_change_is_taken_again(
        bot: Harness, concurrent: Exception) -> None:
    """A repository that flushes mid-step and finds that another worker changed the row
    first: the step is processed again from the start, not answered as a fault."""
    await bot.text("racer", "/start")
    tries = 0

    async def step(ctx: Context) -> None:
        nonlocal tries
        tries += 1
        await ctx.uow.meta.set("tries", str(tries))
        if tries == 1:
            raise concurrent
        await ctx.reply(Reply("Taken on the second try."))
    bot.dispatcher.router.command("dua")(step)
    answers = to("racer", await bot.text("racer", "/dua"))
    assert [a.text for a in answers] == ["Taken on the second try."]
    async with bot.database.reading() as session:
        assert (await session.get(Meta, "tries")).value == "2"  # type: ignore[union-attr]
        kept = (await session.execute(select(InboundRow.text).where(
            InboundRow.chat_id == "racer"))).scalars().all()
    assert kept.count("/dua") == 1
