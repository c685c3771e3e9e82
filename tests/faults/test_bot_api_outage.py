"""The Bot API fails for a while (server errors, requests held past our client's timeout
and flood control with retry_after, in turn) while citizens file PAKN, then recovers:
nothing is lost, nothing arrives twice, and each chat gets its messages in order."""

import asyncio
import time

import pytest

from tests.faults.bot_api import ERROR, FLOOD, HANG, FaultyBotApi
from tests.faults.citizens import citizens, file_pakn
from tests.faults.conftest import MakeWorker
from tests.faults.ledger import Ledger, owed
from tests.faults.office import staff_desks
from tests.faults.waiting import eventually
from tests.faults.webhook import Webhook

pytestmark = pytest.mark.e2e
CITIZENS = 12


async def assert_outage_survived(database_url: str, bot_api: FaultyBotApi,
                                 workers: MakeWorker, seconds: float) -> None:
    worker = workers(database_url)
    await worker.start()
    await staff_desks(database_url, worker, bot_api, 920000)
    early, late = citizens(CITIZENS // 2, 820000), citizens(CITIZENS // 2, 821000)

    async with Webhook([worker.url]) as webhook:
        filing = [asyncio.create_task(file_pakn(webhook, bot_api, p)) for p in early]
        await eventually(lambda: len(webhook.acknowledged) >= 3 * len(early),
                         "the first citizens under way")
        filing += [asyncio.create_task(file_pakn(webhook, bot_api, p)) for p in late]
        bot_api.fail(ERROR, HANG, FLOOD)
        await asyncio.sleep(seconds)  # the outage lasts this long
        bot_api.recover()
        recovered = time.monotonic()
        codes = await asyncio.gather(*filing)

    async def all_sent() -> bool:
        return not Ledger(await owed(database_url), []).not_sent()
    await eventually(all_sent, "every owed message sent", timeout=seconds + 180)
    caught_up = time.monotonic() - recovered
    ledger = Ledger(await owed(database_url), bot_api.delivered())

    assert len(set(codes)) == CITIZENS
    assert all(bot_api.refused[f.label] for f in (ERROR, HANG, FLOOD)), bot_api.refused
    assert not ledger.unlinked() and not ledger.lost(), "nothing lost"
    assert not ledger.extra(), "nothing twice"
    assert not ledger.out_of_order(), "each chat's messages in order"
    print(f"\n{seconds:.0f} s outage: {len(ledger.rows)} messages delivered once and in "
          f"order, the last {caught_up:.0f} s after the recovery; refused {dict(bot_api.refused)}")


async def test_a_short_outage(database_url: str, bot_api: FaultyBotApi,
                              workers: MakeWorker) -> None:
    await assert_outage_survived(database_url, bot_api, workers, seconds=6)


# A minute held: on the database of a province's deployment only.
@pytest.mark.soak
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_minute_long_outage(database_url: str, bot_api: FaultyBotApi,
                                    workers: MakeWorker) -> None:
    await assert_outage_survived(database_url, bot_api, workers, seconds=60)
