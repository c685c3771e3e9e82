"""An administrator's erasure on a person's request from the command line, and the
record of requests with their deadlines (`pakn privacy ...`), on both databases: the
request is recorded and met, the person is told, and nothing of them is left."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from complaints.people import Role
from storage.models import AccountRow, CaseRow
from tests.clock import Clock
from tests.conversation.harness import Harness, one
from tests.hostile.test_erasure import CITIZEN, STAFF, Recorder, deliver, found_in, history, rows


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PAKN_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    return database_url


def run(database_url: str, clock: Clock, steps: object) -> object:
    async def go() -> object:
        bot = await Harness(database_url, clock).start()
        try:
            return await steps(bot)  # type: ignore[operator]
        finally:
            await bot.close()
    return asyncio.run(go())


def test_an_erasure_asked_at_the_desk(cli: str, clock: Clock,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    async def file(bot: Harness) -> str:
        await history(bot)
        await deliver(bot, Recorder())
        async with bot.database.reading() as session:
            return (await session.execute(select(CaseRow.code))).scalars().first() or ""
    code = str(run(cli, clock, file))

    assert main(["--lang", "en", "privacy", "record", "--kind", "correction",
                 "--case", code]) == 0
    assert "Request 2 recorded" in capsys.readouterr().out  # 1: the copy asked in chat
    assert main(["--lang", "en", "privacy", "erase", "--case", code.lower()]) == 0
    assert "Erased: contact details and texts of 1 PAKN, 1 photos" in capsys.readouterr().out

    async def after(bot: Harness) -> tuple[str, list[str]]:
        recorder = Recorder()
        await deliver(bot, recorder)
        told = [item.body.get("text", "") for item in recorder.delivered
                if item.chat.chat_id == CITIZEN]
        return await rows(bot), told
    clock.set(datetime.now(UTC) + timedelta(minutes=1))  # the command used the real time
    left, told = run(cli, clock, after)  # type: ignore[misc]
    assert any("Theo yêu cầu của bạn, dịch vụ đã xoá dữ liệu cá nhân" in t for t in told)
    assert not found_in(left.encode()), found_in(left.encode())

    assert main(["--lang", "en", "privacy", "requests", "--json"]) == 0
    listed = {r["kind"]: r for r in json.loads(capsys.readouterr().out)}
    assert listed["erasure"]["met_at"] and listed["access"]["met_at"]
    assert not listed["correction"]["met_at"] and not listed["correction"]["overdue"]
    assert listed["correction"]["subject"] == code
    assert main(["--lang", "en", "privacy", "requests", "--open"]) == 0
    shown = capsys.readouterr().out
    assert "correction" in shown and "erasure" not in shown and "open, due" in shown
    number = listed["correction"]["id"]
    assert main(["--lang", "en", "privacy", "done", str(number), "--outcome",
                 "address corrected by phone"]) == 0
    assert main(["--lang", "en", "privacy", "requests", "--open"]) == 0
    assert "No requests about personal data" in capsys.readouterr().out


def test_staff_and_unknown_people_are_not_erased(cli: str, clock: Clock,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    async def staff(bot: Harness) -> int:
        await bot.join(STAFF, Role.STAFF, "PTNMT")
        one(CITIZEN, await bot.text(CITIZEN, "/trogiup"))
        async with bot.database.reading() as session:
            return int((await session.execute(select(AccountRow.id).where(
                AccountRow.role == "staff"))).scalar_one())
    number = run(cli, clock, staff)
    assert main(["--lang", "en", "privacy", "erase", "--account", str(number)]) == 2
    assert "staff accounts and apps' accounts are not erased" in capsys.readouterr().err
    assert main(["--lang", "en", "privacy", "erase", "--case", "PA-2026-999999"]) == 2
    assert "no PAKN has that code" in capsys.readouterr().err
    assert main(["--lang", "en", "privacy", "erase", "--account", "999999"]) == 2
    assert "no account has that number" in capsys.readouterr().err
