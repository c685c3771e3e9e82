"""PostgreSQL stops and comes back during a load of PAKN intake (a proxy in front of the
shared server drops every connection and refuses new ones for a while): a few quick
restarts, then an outage of some seconds.

While the database is away the webhook answers 503, so Telegram delivers again; no case
is half written; the same process recovers by itself (no restart), and its background
tasks survive: the outbox delivers and the scheduler reminds afterwards."""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.models import AttachmentRow, CaseEventRow, CaseRow, InboundRow, OutboxRow
from tests.e2e.office_hours import office_all_day
from tests.fakes import updates
from tests.fakes.updates import User
from tests.faults.bot_api import FaultyBotApi
from tests.faults.citizens import citizens, field_of, file_pakn
from tests.faults.conftest import MakeWorker
from tests.faults.ledger import Ledger, owed
from tests.faults.office import (
    declare_today_a_working_day,
    set_due,
    staff_desks,
    words,
)
from tests.faults.proxy import DatabaseProxy
from tests.faults.waiting import eventually
from tests.faults.webhook import Webhook

pytestmark = pytest.mark.e2e
CITIZENS = 16
RESTARTS = 3
DOWN_SECONDS = 6
NEWCOMER = User(839998, "Mới", "Phan")


async def health(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/healthz") as response:
        return response.status


async def test_database_stops_and_comes_back(postgres_url: str, bot_api: FaultyBotApi,
                                            workers: MakeWorker) -> None:
    target = make_url(postgres_url)
    proxy = DatabaseProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    office = office_all_day()
    await declare_today_a_working_day(postgres_url, office["PAKN_TIMEZONE"])
    worker = workers(target.set(host="127.0.0.1", port=proxy.port).render_as_string(False),
                     **office)
    try:
        await worker.start()
        staff = await staff_desks(postgres_url, worker, bot_api, 930000)
        bot_api.latency = 0.2  # messages are under way when the database goes
        people = citizens(CITIZENS, 830000)
        # Updates come back four times a second: however often an update the service
        # could not take is delivered again, it must not count as the chat flooding.
        async with Webhook([worker.url], retry=(0.25, 0.25)) as webhook:
            filing = [asyncio.create_task(file_pakn(webhook, bot_api, p)) for p in people]
            await eventually(lambda: len(webhook.acknowledged) >= 3 * CITIZENS,
                             "the intake under way")
            for _restart in range(RESTARTS):  # the database restarts in quick succession
                await proxy.stop()
                await asyncio.sleep(0.7)
                await proxy.start()
                await asyncio.sleep(1.3)
            await proxy.stop()
            # Someone writes meanwhile, and is answered once the database is back.
            asking = asyncio.create_task(webhook.deliver(updates.text(NEWCOMER, "/trogiup")))
            await eventually(lambda: webhook.answers["503"] >= 3,
                             "webhooks refused while the database is away")
            assert await health(worker.url) == 503
            await asyncio.sleep(DOWN_SECONDS)  # how long the database stays away
            await proxy.start()
            codes = await asyncio.gather(*filing)
            await asking
            await bot_api.wait_for(lambda calls: bot_api.received[NEWCOMER.id], timeout=60)
            assert worker.running, "recovered without a restart"
            assert await health(worker.url) == 200

            # The background tasks survived: a new PAKN goes through end to end ...
            latecomer = User(839999, "Muộn", "Lê")
            code = await file_pakn(webhook, bot_api, latecomer)
            desk = staff[field_of(latecomer)]
            await bot_api.wait_for(lambda calls: any(
                code in text for text in bot_api.received[desk.id]), timeout=60)
        # ... and the scheduler reminds of a case due soon.
        await set_due(postgres_url, {code: datetime.now(UTC) + timedelta(minutes=30)})
        reminder = words("Reminder: {code} is due today ({date}).")
        await bot_api.wait_for(lambda calls: any(
            code in text and reminder in text for text in bot_api.received[desk.id]),
            timeout=60)

        async def all_sent() -> bool:
            return not Ledger(await owed(postgres_url), []).not_sent()
        await eventually(all_sent, "every owed message sent")
        ledger = Ledger(await owed(postgres_url), bot_api.delivered())
    finally:
        await proxy.close()

    assert webhook.answers["503"] > 0 and set(webhook.answers) <= {"200", "503"}, \
        webhook.answers
    errors = [line for line in worker.output if "Traceback" in line or " ERROR " in line]
    assert not errors, "every failure was handled as the outage it was:\n" + worker.log()
    assert not ledger.lost() and not ledger.unlinked(), "nothing lost"
    assert not ledger.extra(), "nothing twice, though messages were sent as it went"
    assert not ledger.out_of_order()

    # No half-written case: each has its event, its photo, its receipt and its card.
    database = Database(postgres_url)
    try:
        async with database.reading() as session:
            cases = (await session.execute(select(CaseRow))).scalars().all()
            events = Counter((await session.execute(select(CaseEventRow.case_id))).scalars())
            photos = Counter((await session.execute(select(AttachmentRow.case_id))).scalars())
            messages = Counter((await session.execute(select(OutboxRow.case_id))).scalars())
            keys = set((await session.execute(select(InboundRow.update_key))).scalars())
    finally:
        await database.dispose()
    assert sorted(c.code for c in cases) == sorted([*codes, code])
    assert Counter(c.chat_id for c in cases) == Counter(str(p.id) for p in [*people, latecomer])
    for case in cases:
        assert events[case.id] >= 1 and photos[case.id] == 1 and messages[case.id] >= 3, case.code
    assert photos[None] == 0, "every photo belongs to its case"
    assert {str(u) for u in webhook.acknowledged} <= keys
    print(f"\ndatabase restarted {RESTARTS} times, then away {DOWN_SECONDS} s: answers "
          f"{dict(webhook.answers)}, {len(webhook.redelivered)} updates delivered again; "
          f"{len(ledger.rows)} messages delivered once and in order")
