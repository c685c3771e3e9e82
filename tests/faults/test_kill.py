"""kill -9 in the middle of a load of PAKN intake, and a restart on the same database.

What this proves: every PAKN whose tracking code reached its sender is stored once, and
every update Telegram had to deliver again (under way at the kill, or taken but its 200
lost) had one effect; every message owed at the kill is delivered after the restart.
Telegram gives no way to send a message idempotently, so a message can arrive twice in
one case only: the API took it before the kill while its row was still pending (its
"sent" not yet committed). The test proves each extra copy is of a message still owed
at the kill, made by the killed process, one copy at most per such message; every other
message arrives exactly once, in order.
"""

import asyncio
import contextlib
import time
from collections import Counter

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import CaseEventRow, CaseRow, InboundRow
from tests.faults.bot_api import FaultyBotApi
from tests.faults.citizens import citizens, file_pakn, pakn_steps
from tests.faults.conftest import MakeWorker
from tests.faults.ledger import Ledger, owed
from tests.faults.office import staff_desks
from tests.faults.waiting import eventually
from tests.faults.webhook import Webhook

pytestmark = pytest.mark.e2e
CITIZENS = 24
LEASE = 10
"""Seconds: how soon the messages the killed worker held are sent again."""


async def test_kill_during_intake_loses_and_doubles_nothing(
        database_url: str, bot_api: FaultyBotApi, workers: MakeWorker) -> None:
    worker = workers(database_url, PAKN_OUTBOX_LEASE=str(LEASE))
    await worker.start()
    await staff_desks(database_url, worker, bot_api, 910000)
    bot_api.latency = 0.2  # messages are under way, taken but not yet answered
    people = citizens(CITIZENS, 810000)
    updates_in_all = CITIZENS * len(pakn_steps(people[0]))

    async with Webhook([worker.url], losing=0.05) as webhook:
        filing = [asyncio.create_task(file_pakn(webhook, bot_api, p)) for p in people]
        await eventually(lambda: len(webhook.acknowledged) >= updates_in_all // 3,
                         "a third of the intake")
        # Updates under way die with the process: two if that comes soon, else one.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(webhook.busy(2), 2)
        await asyncio.wait_for(webhook.busy(1), 60)
        await worker.kill()
        at_kill = Ledger(await owed(database_url), bot_api.delivered())
        stored_at_kill = await update_keys(database_url)
        restarted = time.monotonic()
        await worker.start()
        codes = await asyncio.gather(*filing)

    async def all_sent() -> bool:
        return not Ledger(await owed(database_url), []).not_sent()
    await eventually(all_sent, "every owed message sent")
    ledger = Ledger(await owed(database_url), bot_api.delivered())

    # Every PAKN whose code was sent is stored, once, complete; one per citizen.
    assert len(set(codes)) == CITIZENS
    database = Database(database_url)
    try:
        async with database.reading() as session:
            cases = (await session.execute(select(CaseRow))).scalars().all()
            events = Counter((await session.execute(select(CaseEventRow.case_id))).scalars())
    finally:
        await database.dispose()
    assert sorted(c.code for c in cases) == sorted(codes)
    assert Counter(c.chat_id for c in cases) == Counter(str(p.id) for p in people)
    assert all(events[c.id] >= 1 and c.contact_phone and c.latitude for c in cases)
    # Each update acknowledged is stored, and had one effect, though some came again
    # (under way at the kill, or their 200 lost): each citizen was answered each step
    # once.
    stored = await update_keys(database_url)
    assert {str(u) for u in webhook.acknowledged} <= set(stored)
    assert webhook.lost
    answered = Counter(r.chat_id for r in ledger.rows)
    assert all(answered[p.id] == sum(n for _make, n in pakn_steps(p)) for p in people)

    # Every message owed at the kill was delivered after the restart.
    assert at_kill.pending(), "the kill left messages owed"
    assert not ledger.not_sent() and not ledger.unlinked() and not ledger.lost()
    # A copy only of a message in doubt at the kill, made by the killed process.
    in_doubt = Counter(r.key for r in at_kill.pending())
    assert ledger.extra() <= in_doubt, ledger.extra() - in_doubt
    assert all(c.at < restarted for c in ledger.extra_calls())
    assert not ledger.out_of_order()
    taken = sum(str(u) in stored_at_kill for u in webhook.redelivered - webhook.lost)
    print(f"\nkill -9 after {len(at_kill.delivered)} messages: {len(at_kill.pending())} owed "
          f"at the kill, {sum(ledger.extra().values())} of them delivered twice; "
          f"{len(webhook.redelivered - webhook.lost)} updates under way delivered again "
          f"({taken} had been taken), {len(webhook.lost)} whose 200 was lost")


async def update_keys(url: str) -> Counter[str]:
    database = Database(url)
    try:
        async with database.reading() as session:
            return Counter((await session.execute(select(InboundRow.update_key))).scalars())
    finally:
        await database.dispose()
