"""Deadlines over Telegram with the real service: a staff apology with its PDF, the
scheduler inside the process catching a late case, and the rating of the handling."""

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from storage.db import Database
from storage.models import CaseRow
from tests.e2e.flows import Chat, file_pakn, join
from tests.e2e.office_hours import office_all_day
from tests.e2e.service import SECRET, TOKEN, ServiceProcess
from tests.e2e.test_telegram_webhook import case_row
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.updates import User

CITIZEN = User(515151, "An", "Nguyễn")
STAFF = User(626262, "Bình", "Trần")
HEAD = User(737373, "Cường", "Lê")
BUILDER = User(848484, "Dung", "Phạm")


@pytest.fixture
async def service(database_url: str, fake_api: FakeBotApi,
                  tmp_path: Path) -> AsyncIterator[ServiceProcess]:
    """The service with a scheduler round every second and office hours all day, in a
    time zone where it is now about noon; today is declared a working day (it may be a
    weekend when the tests run)."""
    office = office_all_day()
    process = ServiceProcess(tmp_path, database_url, PAKN_TELEGRAM_TOKEN=TOKEN,
                             PAKN_TELEGRAM_API_URL=fake_api.url,
                             PAKN_TELEGRAM_WEBHOOK_SECRET=SECRET, **office)
    process.env["PAKN_PUBLIC_URL"] = process.url
    today = datetime.now(ZoneInfo(office["PAKN_TIMEZONE"])).date()
    declared = process.cli("calendar", "add-workday", today.isoformat(), "end-to-end test")
    assert declared.returncode == 0, declared.stderr
    await process.start()
    yield process
    await process.stop()


async def test_apology_late_case_and_rating(service: ServiceProcess, fake_api: FakeBotApi,
                                            database_url: str) -> None:
    citizen, staff, head = (Chat(service, fake_api, u) for u in (CITIZEN, STAFF, HEAD))
    await join(service, staff, "staff", "PTNMT")
    await join(service, head, "head", "PTNMT")
    code = await file_pakn(citizen)
    case = await case_row(database_url, code)
    await staff.press(f"ca:claim:{case.id}")

    # Staff apologise and set a new date; the citizen gets the message and the PDF.
    await staff.press(f"ca:apologise:{case.id}")
    dates = await staff.say("Cần đo đạc lại thực địa cùng UBND xã Xuân Bắc.")
    title = await staff.press(dates.callback("ss:d"))
    preview = await staff.say("Phó Trưởng phòng")
    mark = len(fake_api.calls)
    await staff.press(preview.callback("ss:apology:"))
    apology = await fake_api.next_to(CITIZEN.id, mark)
    assert "XIN LỖI" in apology.text.upper() and code in apology.text
    document = await fake_api.next_to(CITIZEN.id, mark, "sendDocument")
    pdf = document.files["document"]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())
    for field in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "01/PXL-PTNMT", "Nguyễn Văn An",
                  code, "Cần đo đạc lại thực địa cùng UBND xã Xuân Bắc.", "PHÓ TRƯỞNG PHÒNG"):
        assert field in text, field
    assert re.search(r"\d{2}/\d{2}/\d{4}", text)
    extended = await case_row(database_url, code)
    assert extended.extended_due_at is not None and extended.due_at == case.due_at
    del title

    # A second case passes its deadline unnoticed, a third is due today: the scheduler
    # in the service acts on both.
    late_code = await file_pakn(citizen, field="moi_truong")
    near_code = await file_pakn(citizen, field="xay_dung")
    await join(service, Chat(service, fake_api, BUILDER), "staff", "PKTHT")
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            await session.execute(update(CaseRow).where(CaseRow.code == late_code).values(
                due_at=datetime.now(UTC) - timedelta(hours=1)))
            await session.execute(update(CaseRow).where(CaseRow.code == near_code).values(
                due_at=datetime.now(UTC) + timedelta(minutes=30)))
    finally:
        await database.dispose()
    reminder = await fake_api.wait_for(lambda calls: any(
        c.chat_id == BUILDER.id and near_code in c.text for c in calls), timeout=20)
    assert any(c.chat_id == BUILDER.id and near_code in c.text and "Nhắc việc" in c.text
               for c in reminder), "the unit is reminded of a case due now"

    def escalated(calls: list) -> bool:  # type: ignore[type-arg]
        return (any(c.chat_id == HEAD.id and late_code in c.text for c in calls)
                and any(c.chat_id == CITIZEN.id and c.method == "sendDocument"
                        and late_code in c.text for c in calls))
    calls = await fake_api.wait_for(escalated, timeout=20)
    auto = [c for c in calls if c.chat_id == CITIZEN.id and late_code in c.text
            and c.method == "sendMessage"]
    assert any("XIN LỖI" in c.text.upper() for c in auto)

    # The first case is resolved; its sender rates it low and reopens it.
    await staff.press(f"ca:resolve:{case.id}")
    check = await staff.say("Đã thông tuyến cống thoát nước và hoàn trả mặt đường.")
    mark = len(fake_api.calls)
    await staff.press(check.callback("ss:resolve:"))

    def rating_asked(calls: list) -> bool:  # type: ignore[type-arg]
        return any(c.chat_id == CITIZEN.id and "rt:" in str(c.params.get("reply_markup"))
                   for c in calls[mark:])
    calls = await fake_api.wait_for(rating_asked)
    question = next(c for c in calls[mark:] if c.chat_id == CITIZEN.id
                    and "rt:" in str(c.params.get("reply_markup")))
    assert len(question.buttons()) == 5
    reasons = await citizen.press(f"rt:{case.id}:2")
    offer = await citizen.press(reasons.callback("rs:too_slow:"))
    mark = len(fake_api.calls)
    await citizen.press(offer.callback("rs:reopen:"))
    told = await fake_api.next_to(STAFF.id, mark)
    assert code in told.text
    assert (await case_row(database_url, code)).status == "in_progress"
    assert any(c.chat_id == HEAD.id and code in c.text for c in fake_api.calls)
