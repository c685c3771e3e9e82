"""The figures /metrics reads from the database (storage/health.py) follow real traffic:
messages owed by channel and their age, cases open and overdue by unit, the scheduler's
last round."""

from datetime import timedelta

from bot.runtime.metrics import Snapshot, exposition
from storage.health import read_figures
from tests.conversation.harness import Harness
from tests.conversation.test_pakn_flow import file_pakn


async def figures(bot: Harness):  # type: ignore[no-untyped-def]
    async with bot.database.reading() as session:
        return await read_figures(session, bot.clock())


async def test_the_figures_follow_the_traffic(bot: Harness) -> None:
    before = await figures(bot)
    assert before.cases_open == {} and before.scheduler_round_at is None
    code = await file_pakn(bot, field="dat_dai")
    unit = (await bot.case(code)).unit_code
    bot.clock.advance(minutes=5)
    after = await figures(bot)
    assert after.cases_open == {unit: 1} and after.cases_overdue == {unit: 0}
    assert after.outbox_depth[bot.channel] > 0, "nothing delivers in this harness"
    assert bot.clock() - after.outbox_oldest[bot.channel] >= timedelta(minutes=5)

    case = await bot.case(code)
    bot.clock.set(case.due_at + timedelta(minutes=1))
    late = await figures(bot)
    assert late.cases_overdue == {unit: 1}

    await bot.tick()
    ticked = await figures(bot)
    assert ticked.scheduler_round_at == bot.clock()
    text = exposition(Snapshot(ticked, bot.clock() + timedelta(seconds=90), (2, 5), 60)
                      ).decode()
    assert f'pakn_cases_overdue{{unit="{unit}"}} 1.0' in text
    assert f'pakn_cases_open{{unit="{unit}"}} 1.0' in text
    assert "pakn_scheduler_lag_seconds 30.0" in text, "90 s since the round, 60 s expected"
    assert "pakn_db_pool_checked_out 2.0" in text
    assert f'pakn_outbox_depth{{channel="{bot.channel}"}} {after.outbox_depth[bot.channel]}' \
           ".0" in text
