"""Two pushes of one dossier at the same moment (the one-stop system's API called twice at
once, or the API and an import): the second applies on top of the first, never on what it
read before the first committed. Otherwise a push that read "received" and saves "in
progress" after another saved "finished" takes the dossier back, and the on-time
indicator loses a settled dossier."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select, text

from complaints.dossiers import Status, apply
from complaints.people import Role
from storage.models import DossierApologyRow, DossierRow
from tests.conversation.harness import Harness, one, to
from tests.conversation.test_dossiers import CODE, STAFF, local, push, record
from tests.faults.waiting import eventually

WAITING_ON_A_LOCK = text("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                         "current_database() AND wait_event_type = 'Lock'")


def _waits_or_is_done(bot: Harness, task: asyncio.Task[Any]
                      ) -> Callable[[], Awaitable[bool]]:
    """Whether `task` is done or its transaction waits for a lock."""
    async def check() -> bool:
        async with bot.database.reading() as session:
            waiting = (await session.execute(WAITING_ON_A_LOCK)).scalar_one()
        return task.done() or waiting > 0
    return check


# PostgreSQL only: SQLite's transactions that write begin IMMEDIATE, one at a time, so
# the second cannot read before the first commits.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_push_waits_for_the_one_that_read_the_dossier_first(bot: Harness) -> None:
    await push(bot, record())
    finished = record(Status.FINISHED, finished=local(2026, 3, 5, 10))

    async with bot.store.unit_of_work() as early:
        known = (await early.dossiers.by_codes([CODE]))[CODE]
        assert known.status is Status.RECEIVED
        late = asyncio.create_task(push(bot, finished))

        await eventually(_waits_or_is_done(bot, late), "the later push waits or is done",
                         timeout=30)
        change = apply(known, record(Status.IN_PROGRESS), bot.clock())
        await early.dossiers.save(change, "early", bot.clock())
    await late

    async with bot.store.unit_of_work() as uow:
        dossier = await uow.dossiers.get(CODE)
        assert dossier is not None and dossier.id is not None
        history = await uow.dossiers.history(dossier.id)
    assert dossier.status is Status.FINISHED
    assert [(e.status, e.data.get("from")) for e in history if e.kind == "status"] == [
        ("in_progress", "received"), ("finished", "in_progress")]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_pushes_creating_one_dossier_at_once_make_one(bot: Harness) -> None:
    """The second insert of a new code meets the first's unique key: that push is taken
    again and applies on top of the dossier the first created, or is refused as a step
    backwards; the history is one chain of steps either way."""
    await asyncio.gather(push(bot, record(Status.IN_PROGRESS)),
                         push(bot, record(Status.FINISHED, finished=local(2026, 3, 5, 10))),
                         push(bot, record(Status.ADDITIONAL_DOCS)))

    async with bot.database.reading() as session:
        dossiers = (await session.execute(select(DossierRow))).scalars().all()
    assert [d.code for d in dossiers] == [CODE]
    async with bot.store.unit_of_work() as uow:
        history = await uow.dossiers.history(dossiers[0].id)
    steps = [e for e in history if e.kind == "status"]
    assert [e.data["from"] for e in steps] == ["received", *(e.status for e in steps[:-1])]
    assert steps[-1].status == dossiers[0].status


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_apology_waits_for_a_push_that_settles_the_dossier(bot: Harness) -> None:
    """Issued on a dossier a push is finishing at that moment, the apology waits, then
    finds the dossier settled: no apology for a result already given."""
    await bot.join(STAFF, Role.STAFF, "UBND-26428")
    bot.clock.set(local(2026, 3, 5, 9))
    await push(bot, record(due=local(2026, 3, 9, 17)))
    card = to(STAFF, await bot.text(STAFF, f"/hoso {CODE}"))[-1]
    one(STAFF, await bot.press(STAFF, card.payload("ds:apologise:")))
    dates = one(STAFF, await bot.text(STAFF, "Chờ xác minh thông tin từ cơ quan khác"))
    one(STAFF, await bot.press(STAFF, dates.buttons[0]["payload"]))

    async with bot.store.unit_of_work() as early:
        known = (await early.dossiers.by_codes([CODE]))[CODE]
        issuing = asyncio.create_task(bot.text(STAFF, "Chuyên viên"))
        await eventually(_waits_or_is_done(bot, issuing), "the apology waits or is done",
                         timeout=30)
        change = apply(known, record(Status.FINISHED, finished=local(2026, 3, 5, 9)),
                       bot.clock())
        await early.dossiers.save(change, "early", bot.clock())
    answer = one(STAFF, await issuing)

    assert "already been resolved" in answer.text
    async with bot.database.reading() as session:
        assert (await session.execute(select(DossierApologyRow))).first() is None
        dossier = (await session.execute(select(DossierRow))).scalar_one()
    assert (dossier.status, dossier.extended_due_at) == ("finished", None)
