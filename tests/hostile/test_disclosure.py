"""Nothing personal leaves by the side doors: not in the logs, even at DEBUG, and not in
the administrators' exports."""

import json
import logging
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from bot.core.errors import StorageError
from bot.core.invites import create_invite
from complaints.people import Role
from storage.db import Database
from storage.models import AttachmentRow, CaseRow
from storage.uow import Store
from tests.clock import Clock
from tests.conversation.harness import Harness, one, to
from tests.conversation.test_survey import link
from tests.fakes import updates
from tests.fakes.updates import User
from tests.hostile.stage import Stage, Visitor
from tests.hostile.test_privacy import ADDRESS, CITIZEN, COMMENT, NAME, PHONES, STAFF, file

DESCRIPTION = (f"Tôi là {NAME}, điện thoại 0912 345 678. Cống trước nhà số 7 bị tắc, mưa "
               "là ngập cả đoạn đường ấp Bình Hoà.")
WORDS = "Cống trước nhà số 7 bị tắc"
"""Part of what the citizen wrote: message text is personal too."""


def leaked(text: str) -> list[str]:
    return [part for part in (NAME, ADDRESS, WORDS, *PHONES) if part in text]


async def say(visitor: Visitor, text: str, number: list[int]) -> None:
    number[0] += 1
    answer = await visitor.frame(f'{{"type": "text", "client_id": "msg-{number[0]:05d}", '
                                 f'"text": {json.dumps(text)}}}')
    assert answer["type"] == "ack", answer


async def press(visitor: Visitor, payload: str, number: list[int]) -> None:
    number[0] += 1
    answer = await visitor.frame(f'{{"type": "button", "client_id": "btn-{number[0]:05d}", '
                                 f'"payload": {json.dumps(payload)}}}')
    assert answer["type"] == "ack", answer


async def test_no_personal_data_in_the_logs_at_debug(database_url: str, clock: Clock,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # before anything starts, as an operator would set it
    stage = await Stage(database_url, clock).start()
    try:
        await _flow(stage)
    finally:
        await stage.close()
    logged = [(r.name, r.levelname, r.getMessage() + (r.exc_text or ""))
              for r in caplog.records]
    assert any(name.startswith("bot.") for name, _level, _message in logged), logged
    leaks = sorted({(name, level, message[:300]) for name, level, message in logged
                    if leaked(message)})
    assert not leaks, leaks


async def _flow(stage: Stage) -> None:
    """A citizen files in the web chat; staff take it in Telegram."""
    staff = User(2201, "Bình")
    async with stage.service.store.unit_of_work() as uow:
        token = await create_invite(uow.invites, Role.STAFF, "PTNMT", None, stage.clock(), 7)
    assert await stage.telegram_update(updates.text(staff, f"/start {token}")) == 200

    visitor = await stage.visitor()
    number = [0]
    try:
        await visitor.open()
        await say(visitor, "/phananh", number)
        await press(visitor, f"cs:{stage.settings.notice_version}", number)
        await press(visitor, "ch:field:dat_dai", number)
        await press(visitor, "ch:area:26428", number)
        await say(visitor, DESCRIPTION, number)
        answer = await visitor.frame('{"type": "location", "client_id": "loc-00001", '
                                     '"latitude": 10.93, "longitude": 107.41}')
        assert answer["type"] == "ack"
        await press(visitor, "ch:attach:done", number)
        await say(visitor, NAME, number)
        await say(visitor, "0912 345 678", number)
        await say(visitor, ADDRESS, number)
        await press(visitor, "ch:confirm:send", number)
    finally:
        await visitor.close()
    async with stage.service.database.reading() as session:
        case_id = (await session.execute(select(CaseRow.id))).scalar_one()
    assert await stage.telegram_update(updates.callback(staff, f"ca:claim:{case_id}")) == 200
    await stage.delivered()
    card = next(c for c in stage.telegram.sent_to(staff.id) if "PA-" in c.text)
    assert NAME in card.text, "the staff's card (sent through the logged stack) names them"


async def test_database_errors_do_not_carry_what_people_wrote(database_url: str,
                                                              clock: Clock) -> None:
    """Error texts are logged (a failed handler, a database warning): the statement's
    parameters are not in them."""
    database = Database(database_url)
    try:
        with pytest.raises(StorageError) as raised:
            async with Store(database).unit_of_work() as uow:
                await uow.session.execute(insert(CaseRow).values(
                    code="PA-2026-999999", text=DESCRIPTION, contact_name=NAME,
                    contact_phone=PHONES[0], contact_address=ADDRESS))
    finally:
        await database.dispose()
    assert "PA-2026-999999" not in str(raised.value)
    assert not leaked(str(raised.value)), str(raised.value)


async def test_exports_carry_no_identity(bot: Harness) -> None:
    """The workbook and the case list of /xuat: the cases without their senders, and the
    ratings (of procedures, and of the handling) without anything that points to who
    gave them."""
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    _code, case_id = await file(bot)
    await bot.press(STAFF, f"ca:resolve:{case_id}")
    check = one(STAFF, await bot.text(STAFF, f"Gửi bà {NAME}: cống đã được nạo vét."))
    await bot.press(STAFF, check.payload("ss:resolve:"))
    await bot.press(CITIZEN, f"rt:{case_id}:2")
    await bot.press(CITIZEN, f"rs:unclear:{case_id}")
    await bot.press(CITIZEN, f"rs:keep:{case_id}")
    await bot.text(CITIZEN, COMMENT + " Gọi 0912 345 678.")
    # A procedure's survey, whose comment names the respondent.
    question = to(CITIZEN, await bot.text(CITIZEN, f"/start {await link(bot)}"))[-1]
    while not any(b["payload"].startswith("sc:skip") for b in question.buttons):
        question = to(CITIZEN, await bot.press(CITIZEN, question.payload("an:")))[-1]
    thanks = one(CITIZEN, await bot.text(CITIZEN, f"{NAME} ở {ADDRESS}, số 0912345678: tốt."))
    assert "answers were recorded" in thanks.text

    admin = "2299"
    await bot.join(admin, Role.ADMIN, None)
    workbook, table = to(admin, await bot.text(admin, "/xuat 2026-03"))
    cells = [*await _workbook_cells(bot, workbook.document),
             await _file_text(bot, table.document)]
    assert any("1.001193" in cell for cell in cells), "the survey response is exported"
    assert any(cell == "2" for cell in cells), "the handling's score is exported"
    identities = [NAME, ADDRESS, *PHONES, CITIZEN, f"User {CITIZEN}"]
    for cell in cells:
        assert not [part for part in identities if part in cell], cell


async def _file(bot: Harness, attachment_id: int | None) -> bytes:
    async with bot.database.reading() as session:
        row = await session.get(AttachmentRow, attachment_id)
    assert row is not None and row.content
    return row.content


async def _workbook_cells(bot: Harness, attachment_id: int | None) -> list[str]:
    book = load_workbook(BytesIO(await _file(bot, attachment_id)), read_only=True)
    cells: list[Any] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += [str(value) for value in row if value is not None]
    return cells


async def _file_text(bot: Harness, attachment_id: int | None) -> str:
    return (await _file(bot, attachment_id)).decode("utf-8-sig")
