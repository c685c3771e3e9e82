"""Staff administration (bot.core.staff): a revoked person's buttons refuse at the next
press and their open claims go back to the unit; a moved person's claims stay with the
old unit; both are audited; `pakn staff` prints and does the same."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.core import staff
from complaints.case import EventKind
from complaints.errors import NotAllowed
from complaints.people import Role
from storage.models import AccountRow, AuditRow, CaseEventRow, IdentityRow
from tests.conversation.harness import Harness, one
from tests.conversation.test_pakn_flow import CITIZEN, STAFF, file_pakn

OTHER, HEAD, ADMIN = "2002", "2003", "2004"


async def account_of(bot: Harness, chat: str) -> int:
    async with bot.database.reading() as session:
        return int((await session.execute(select(IdentityRow.account_id).where(
            IdentityRow.chat_id == chat))).scalar_one())


async def claimed_case(bot: Harness, chat: str) -> tuple[str, int]:
    code = await file_pakn(bot, field="dat_dai")
    row = await bot.case(code)
    assert "You took" in one(chat, await bot.press(chat, f"ca:claim:{row.id}")).text
    return code, row.id


async def events(bot: Harness, case_id: int, kind: EventKind) -> list[CaseEventRow]:
    async with bot.database.reading() as session:
        return list((await session.execute(select(CaseEventRow).where(
            CaseEventRow.case_id == case_id, CaseEventRow.kind == kind.value))).scalars())


async def test_a_revoked_person_is_refused_at_the_next_press(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.join(OTHER, Role.STAFF, "PTNMT")
    code, case_id = await claimed_case(bot, STAFF)
    second = await file_pakn(bot, field="dat_dai")
    second_id = (await bot.case(second)).id
    person = await account_of(bot, STAFF)

    async with bot.store.unit_of_work() as uow:
        revoked = await staff.revoke(uow, None, person, bot.clock())
    assert revoked.released == [code] and revoked.account.role is Role.STAFF

    for payload in (f"ca:reply:{case_id}", f"ca:claim:{second_id}", f"ca:resolve:{case_id}"):
        refused = one(STAFF, await bot.press(STAFF, payload))
        assert "cannot do that" in refused.text, (payload, refused.text)
    after = await bot.case(code)
    assert (after.assignee_id, after.status) == (None, "received")
    [released] = await events(bot, case_id, EventKind.RELEASED)
    assert released.data == {"handler": person, "why": "revoked"}
    assert "You took" in one(OTHER, await bot.press(OTHER, f"ca:claim:{case_id}")).text
    async with bot.database.reading() as session:
        role = (await session.get(AccountRow, person)).role
        audit = (await session.execute(select(AuditRow).where(
            AuditRow.action == "staff_revoked"))).scalar_one()
    assert role == "citizen"
    assert audit.data == {"account": person, "role": "staff", "unit": "PTNMT",
                          "released": [code]}


async def test_a_case_waiting_for_the_citizen_keeps_waiting(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code, case_id = await claimed_case(bot, STAFF)
    await bot.press(STAFF, f"ca:ask:{case_id}")
    await bot.text(STAFF, "Which street is it on?")
    async with bot.store.unit_of_work() as uow:
        await staff.revoke(uow, None, await account_of(bot, STAFF), bot.clock())
    after = await bot.case(code)
    assert (after.assignee_id, after.status) == (None, "awaiting_citizen")


async def test_moving_someone_returns_their_claims_to_the_old_unit(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code, case_id = await claimed_case(bot, STAFF)
    person = await account_of(bot, STAFF)
    async with bot.store.unit_of_work() as uow:
        moved = await staff.move(uow, None, person, "PTP", bot.clock())
    assert moved.released == [code]
    after = await bot.case(code)
    assert (after.unit_code, after.assignee_id, after.status) == ("PTNMT", None, "received")
    [released] = await events(bot, case_id, EventKind.RELEASED)
    assert released.data["why"] == "moved"
    refused = one(STAFF, await bot.press(STAFF, f"ca:claim:{case_id}"))
    assert "cannot do that" in refused.text, "no longer the old unit's staff"
    async with bot.store.unit_of_work() as uow:
        assert [m.account.id for m in await staff.members(uow, "PTP")] == [person]
        assert await staff.members(uow, "PTNMT") == []
        again = await staff.move(uow, None, person, "PTP", bot.clock())
    assert again.released == [], "moving to the same unit changes nothing"


async def test_what_cannot_be_revoked_or_moved_is_refused(bot: Harness) -> None:
    await bot.join(ADMIN, Role.ADMIN, None)
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.text(CITIZEN, "/start")
    admin, member = await account_of(bot, ADMIN), await account_of(bot, STAFF)
    citizen = await account_of(bot, CITIZEN)
    cases = [(staff.revoke, (citizen,), "not staff"), (staff.revoke, (99999,), "unknown account"),
             (staff.move, (admin, "PTP"), "administrators have no unit"),
             (staff.move, (member, "NOWHERE"), "unknown unit")]
    for use_case, args, reason in cases:
        with pytest.raises(NotAllowed, match=reason):
            async with bot.store.unit_of_work() as uow:
                await use_case(uow, None, *args, bot.clock())  # type: ignore[operator]


async def test_the_staff_commands(bot: Harness, monkeypatch: pytest.MonkeyPatch,
                                  tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PAKN_DATABASE_URL", bot.settings.database_url)
    monkeypatch.chdir(tmp_path)
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.join(HEAD, Role.HEAD, "PTP")
    await bot.join(ADMIN, Role.ADMIN, None)
    code, _case = await claimed_case(bot, STAFF)
    person = await account_of(bot, STAFF)

    async def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        # The command runs its own event loop: in a thread, beside the test's.
        result = await asyncio.to_thread(main, ["--lang", "en", "staff", *args])
        captured = capsys.readouterr()
        return result, captured.out, captured.err

    status, out, _err = await run("list")
    assert status == 0 and len(out.splitlines()) == 3
    assert f"{person}. " in out and "1 open case claimed" in out
    assert "head of unit" in out and "administrator" in out
    status, out, _err = await run("list", "--unit", "PTP")
    assert status == 0 and len(out.splitlines()) == 1 and "head of unit" in out
    assert (await run("list", "--unit", "NOPE"))[0] == 2

    status, out, _err = await run("move", str(person), "--unit", "NOPE")
    assert status == 2 and out == ""
    status, out, _err = await run("revoke", str(person))
    assert status == 0 and code in out and "no longer staff" in out
    status, _out, err = await run("revoke", str(person))
    assert status == 2 and err.strip() == f"pakn: number {person} is not staff or an " \
                                         f"administrator"
    assert (await run("revoke", "123456"))[2].strip() == "pakn: no account has the number 123456"
    assert "cannot do that" in one(STAFF, await bot.press(STAFF, "ca:claim:1")).text
