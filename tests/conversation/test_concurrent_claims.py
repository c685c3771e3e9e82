"""Two staff take one case at the same moment, through two transactions (two workers):
the one that saves second must find the case changed, not overwrite the first's claim.
The case row SQLAlchemy read is not kept alive between a step's read and its save, so the
save reads the row again: the version checked must be the one the step read."""

import pytest
from sqlalchemy import select

from bot.core.errors import Conflict
from complaints import case as lifecycle
from complaints.people import Actor, Role
from storage.models import CaseEventRow, IdentityRow
from tests.conversation.harness import MONDAY_MORNING, Harness
from tests.conversation.test_pakn_flow import file_pakn

FIRST, SECOND = "2101", "2102"


async def two_staff_and_a_case(bot: Harness) -> tuple[str, int, list[Actor]]:
    """A PAKN filed, and two staff of its unit: (code, case id, their actors)."""
    await bot.join(FIRST, Role.STAFF, "PTNMT")
    await bot.join(SECOND, Role.STAFF, "PTNMT")
    code = await file_pakn(bot)
    case_id = (await bot.case(code)).id
    async with bot.database.reading() as session:
        ids = dict((await session.execute(select(IdentityRow.chat_id, IdentityRow.account_id)
                                           .where(IdentityRow.chat_id.in_([FIRST, SECOND]))
                                           )).all())
    actors = [Actor(ids[chat], Role.STAFF, "PTNMT") for chat in (FIRST, SECOND)]
    return code, case_id, actors


async def claim_now(bot: Harness, case_id: int, actor: Actor) -> None:
    """Another worker takes the case, in a transaction of its own, committed."""
    async with bot.store.unit_of_work() as early:
        taken = await early.cases.get(case_id)
        assert taken is not None
        lifecycle.claim(taken, actor, MONDAY_MORNING)
        await early.cases.save(taken)


# PostgreSQL only: SQLite's transactions that write begin IMMEDIATE, one at a time, so
# the second cannot read before the first commits.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_second_of_two_claims_at_once_is_a_conflict(bot: Harness) -> None:
    code, case_id, actors = await two_staff_and_a_case(bot)

    with pytest.raises(Conflict):  # and the later transaction is rolled back
        async with bot.store.unit_of_work() as late:
            seen = await late.cases.get(case_id)  # read before the other commits
            assert seen is not None and seen.assignee_id is None
            await claim_now(bot, case_id, actors[0])
            lifecycle.claim(seen, actors[1], MONDAY_MORNING)  # allowed by what it read
            await late.cases.save(seen)

    async with bot.database.reading() as session:
        claims = (await session.execute(select(CaseEventRow.actor_id).where(
            CaseEventRow.case_id == case_id, CaseEventRow.kind == "claimed"))).scalars().all()
    assert claims == [actors[0].account_id]
    assert (await bot.case(code)).assignee_id == actors[0].account_id


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_case_read_twice_is_checked_against_the_first_read(bot: Harness) -> None:
    """A transaction that reads a case, then again after another worker's commit, and
    saves what it read first, would undo that commit: it is a conflict."""
    code, case_id, actors = await two_staff_and_a_case(bot)

    with pytest.raises(Conflict):
        async with bot.store.unit_of_work() as late:
            first = await late.cases.get(case_id)
            assert first is not None and first.assignee_id is None
            await claim_now(bot, case_id, actors[0])
            again = await late.cases.get(case_id)
            assert again is not None and again.assignee_id == actors[0].account_id
            lifecycle.claim(first, actors[1], MONDAY_MORNING)
            await late.cases.save(first)

    assert (await bot.case(code)).assignee_id == actors[0].account_id
