"""Two service processes on one PostgreSQL database behind the same webhook: updates go
to either, some to both at once (a redelivery racing the first delivery), two staff
claim the same cases at the same moment through different processes, and both
schedulers run. Each update has one effect, each claim one winner, each message one
delivery, each reminder and digest one sending."""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.spine.callbacks import CaseAction
from complaints.people import Role
from storage.db import Database
from storage.models import CaseEventRow, CaseRow, InboundRow
from tests.e2e.office_hours import office_all_day
from tests.fakes import updates
from tests.fakes.updates import User
from tests.faults.bot_api import FaultyBotApi
from tests.faults.citizens import citizens, field_of, file_pakn, pakn_steps
from tests.faults.conftest import MakeWorker
from tests.faults.ledger import Ledger, owed
from tests.faults.office import (
    DESKS,
    declare_today_a_working_day,
    join,
    set_due,
    staff_desks,
    words,
)
from tests.faults.waiting import eventually
from tests.faults.webhook import Webhook

pytestmark = pytest.mark.e2e
CITIZENS = 15
CONTESTED = "dat_dai"
"""The field whose cases two staff of its unit take at the same moment."""
SECOND_STAFF = User(940100, "Cán bộ hai", "Võ")
ADMIN = User(940200, "Quản trị", "Đỗ")


async def test_two_workers_one_database(postgres_url: str, bot_api: FaultyBotApi,
                                        workers: MakeWorker) -> None:
    office = office_all_day()
    await declare_today_a_working_day(postgres_url, office["PAKN_TIMEZONE"])
    pair = [workers(postgres_url, **office) for _worker in range(2)]
    await asyncio.gather(*(w.start() for w in pair))  # on a new database, both at once
    staff = await staff_desks(postgres_url, pair[0], bot_api, 940000)
    await join(postgres_url, pair[1], bot_api, SECOND_STAFF, Role.STAFF, DESKS[CONTESTED])
    await join(postgres_url, pair[1], bot_api, ADMIN, Role.ADMIN, None)
    people = citizens(CITIZENS, 840000)

    async with Webhook([w.url for w in pair], seed=7, racing=0.3) as webhook:
        codes = dict(zip(people, await asyncio.gather(
            *(file_pakn(webhook, bot_api, p) for p in people)), strict=True))

        # Two staff of one unit take each of its cases at the same moment, one through
        # each process: one takes it, the other is told a colleague has.
        database = Database(postgres_url)
        try:
            async with database.reading() as session:
                contested = (await session.execute(select(CaseRow).where(
                    CaseRow.unit_code == DESKS[CONTESTED]))).scalars().all()
        finally:
            await database.dispose()
        assert len(contested) >= 2
        for case in contested:
            claim = CaseAction("claim", case.id).pack()
            await asyncio.gather(
                webhook.deliver_to(pair[0].url, updates.callback(staff[CONTESTED], claim)),
                webhook.deliver_to(pair[1].url, updates.callback(SECOND_STAFF, claim)))
        took = words("You took {code}.")
        taken_by_other = words("Another colleague is already handling this case.")

        def answers() -> list[str]:
            return [text for user in (staff[CONTESTED], SECOND_STAFF)
                    for text in bot_api.received[user.id]
                    if took in text or taken_by_other in text]
        await bot_api.wait_for(lambda calls: len(answers()) == 2 * len(contested), 60)
        told = {user.id: [text for text in bot_api.received[user.id]
                          if took in text or taken_by_other in text]
                for user in (staff[CONTESTED], SECOND_STAFF)}
        assert sum(taken_by_other in text for text in answers()) == len(contested), told
        for case in contested:
            assert sum(case.code in text for text in answers()) == 1, (case.code, told)

        # Both schedulers run: a case due today and a late one (its unit is told, its
        # sender gets an apology, the administrator the digest); then another due
        # today, whose reminder shows that rounds went on after the first ones.
        first_code = {field: next(codes[p] for p in people if field_of(p) == field)
                      for field in DESKS}
        due_soon, late, later = (first_code["xay_dung"], first_code["dau_tu"],
                                 first_code["lao_dong"])
        now = datetime.now(UTC)
        await set_due(postgres_url, {due_soon: now + timedelta(minutes=30),
                                     late: now - timedelta(hours=1)})
        reminder = words("Reminder: {code} is due today ({date}).")
        late_notice = words("{code} of {unit} is late: it was due {date}.")
        digest = words("Late cases today ({count}):")

        def sent(user: User, *parts: str) -> int:
            return sum(all(p in text for p in parts) for text in bot_api.received[user.id])
        await bot_api.wait_for(lambda calls: (
            sent(staff["xay_dung"], reminder, due_soon) and sent(staff["dau_tu"], late_notice,
                                                                 late)
            and sent(ADMIN, digest, late)), 60)
        await set_due(postgres_url, {later: now + timedelta(minutes=30)})
        await bot_api.wait_for(lambda calls: sent(staff["lao_dong"], reminder, later), 60)

    async def all_sent() -> bool:
        return not Ledger(await owed(postgres_url), []).not_sent()
    await eventually(all_sent, "every owed message sent")
    ledger = Ledger(await owed(postgres_url), bot_api.delivered())

    assert sent(staff["xay_dung"], reminder, due_soon) == 1
    assert sent(staff["dau_tu"], late_notice, late) == 1
    assert sent(ADMIN, digest) == 1
    late_sender = next(p for p in people if codes[p] == late)
    assert [c.chat_id for c in bot_api.delivered() if c.method == "sendDocument"] == [
        late_sender.id], "one apology, as a PDF, to the late case's sender"

    database = Database(postgres_url)
    try:
        async with database.reading() as session:
            claims = Counter((await session.execute(select(CaseEventRow.case_id).where(
                CaseEventRow.kind == "claimed"))).scalars())
            stored = set((await session.execute(select(InboundRow.update_key))).scalars())
            assignees = {c.id: c.assignee_id for c in (await session.execute(
                select(CaseRow))).scalars()}
    finally:
        await database.dispose()
    assert all(claims[c.id] == 1 and assignees[c.id] for c in contested)
    assert {str(u) for u in webhook.acknowledged} <= stored
    assert webhook.raced
    # One effect per update: each citizen got each step's answers once, and the news
    # that their case was taken, or the apology and its PDF for the late one.
    taken = {c.code for c in contested}
    for person in people:
        expected = (sum(n for _make, n in pakn_steps(person)) + (codes[person] in taken)
                    + 2 * (codes[person] == late))
        assert len(bot_api.received[person.id]) == expected, bot_api.received[person.id]
    assert not ledger.lost() and not ledger.unlinked(), "nothing lost"
    assert not ledger.extra(), "nothing twice"
    assert not ledger.out_of_order()
    conflicts = sum("conflict on" in line for w in pair for line in w.output)
    print(f"\ntwo workers: {len(webhook.raced)} updates raced to both (answers "
          f"{dict(Counter(map(tuple, webhook.raced)))}), {len(contested)} claims contested, "
          f"{conflicts} transactions redone after a conflict, {len(ledger.rows)} messages "
          f"delivered once")
