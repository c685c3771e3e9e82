"""The clock of the rules: reminders, the head told of late cases, apologies (asked by
staff, or sent on the unit's behalf), and a restart that repeats and misses nothing.
The scheduler runs at moments the test chooses; nothing sleeps."""

from datetime import UTC, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.core.records import Override
from bot.scheduler import Scheduler
from complaints.people import Role
from storage.models import ApologyRow, AttachmentRow, CaseEventRow
from tests.conversation.harness import Clock, Harness, one, to
from tests.conversation.test_pakn_flow import CITIZEN, STAFF, file_pakn

VN = ZoneInfo("Asia/Ho_Chi_Minh")
COLLEAGUE, HEAD, ADMIN, FOCAL = "2101", "2102", "2103", "2104"


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN).astimezone(UTC)


@pytest.fixture
async def unit(bot: Harness) -> Harness:
    """The land office with two staff and a head, an administrator and the focal point."""
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.join(COLLEAGUE, Role.STAFF, "PTNMT")
    await bot.join(HEAD, Role.HEAD, "PTNMT")
    await bot.join(ADMIN, Role.ADMIN, None)
    await bot.join(FOCAL, Role.STAFF, "VP")
    await bot.new_messages()
    async with bot.store.unit_of_work() as uow:  # not estimated: nothing more to hear of
        await uow.calendar.confirm(2026, "Admin", bot.clock())
    return bot


async def test_reminders_escalation_and_the_apology_on_the_units_behalf(
        unit: Harness, clock: Clock) -> None:
    bot = unit
    code = await file_pakn(bot)  # Monday 2 March 09:00, due Monday 16 March 17:00
    row = await bot.case(code)

    clock.set(local(2, 10))
    assert await bot.tick() == [], "nothing owed on the day of receipt"
    clock.set(local(3, 7, 30))
    assert await bot.tick() == [], "no messages before the reminder hour"
    clock.set(local(3, 8, 30))
    unclaimed = await bot.tick()
    assert {m.chat for m in unclaimed} == {STAFF, COLLEAGUE, HEAD}
    assert all("Nobody has taken" in m.text and code in m.text for m in unclaimed)
    clock.set(local(3, 9, 30))
    assert await bot.tick() == [], "said once"

    await bot.press(STAFF, f"ca:claim:{row.id}")
    await bot.new_messages()
    clock.set(local(12, 8, 30))  # Thursday: Friday 13 and Monday 16 are left
    near = one(STAFF, await bot.tick())
    assert "due in 2 working days" in near.text and "16/03/2026" in near.text
    clock.set(local(13, 8, 30))  # Friday, the working day before the due day
    offer = one(STAFF, await bot.tick())
    assert "written apology with a new date by" in offer.text and "17:00" in offer.text
    assert offer.labels() == ["Late: apologise, set a new date"], "no reminder again"
    clock.set(local(13, 9, 30))
    assert await bot.tick() == [], "offered once"
    clock.set(local(14, 10))
    assert await bot.tick() == [], "Saturday"
    inbox = one(STAFF, await bot.text(STAFF, "/hopthu"))
    assert "due soon" in inbox.text and "LATE" not in inbox.text
    clock.set(local(16, 8, 30))
    assert "due today" in one(STAFF, await bot.tick()).text

    clock.set(local(17, 8, 30))
    late = await bot.tick()
    head = to(HEAD, late)
    assert "is late" in head[0].text and "apology was sent" in head[1].text
    apology, document = to(CITIZEN, late)
    assert "WRITTEN APOLOGY" in apology.text and "On behalf of" in apology.text
    assert document.document is not None
    digest_admin, digest_focal = one(ADMIN, late), one(FOCAL, late)
    assert code in digest_admin.text and digest_admin.text == digest_focal.text
    assert not to(STAFF, late), "the staff were reminded already"

    assert await bot.tick() == [], "a second round owes nothing"
    assert "⚠" in one(STAFF, await bot.text(STAFF, "/hopthu")).text
    await bot.new_messages()
    clock.set(local(17, 9))
    restarted = Scheduler(bot.store, bot.settings, bot.calendars, clock, lambda: None)
    await restarted.tick()
    assert await bot.new_messages() == [], "nor does a restarted scheduler"
    async with bot.database.reading() as session:
        kinds = (await session.execute(select(ApologyRow.kind))).scalars().all()
        events = (await session.execute(select(CaseEventRow.kind, CaseEventRow.data).where(
            CaseEventRow.kind == "apologised"))).all()
    assert kinds == ["automatic"] and events == [("apologised", {"by": "automatic"})]

    clock.set(local(18, 8, 30))
    digest = await bot.tick()
    assert {m.chat for m in digest} == {ADMIN, FOCAL}, "the digest is daily"


async def test_a_step_missed_while_down_is_sent_late_not_never(unit: Harness,
                                                               clock: Clock) -> None:
    code = await unit_case(unit)
    clock.set(local(13, 10))  # nothing ran on Thursday; Friday: one working day left
    reminder, offer = to(STAFF, await unit.tick())
    assert "due in 1 working day " in reminder.text and code in reminder.text
    assert "written apology" in offer.text and code in offer.text


async def unit_case(bot: Harness) -> str:
    code = await file_pakn(bot)
    await bot.press(STAFF, f"ca:claim:{(await bot.case(code)).id}")
    await bot.new_messages()
    return code


async def test_written_apology_with_a_new_date(unit: Harness, clock: Clock) -> None:
    bot = unit
    code = await unit_case(bot)
    row = await bot.case(code)
    clock.set(local(12, 10))
    ask = one(STAFF, await bot.press(STAFF, f"ca:apologise:{row.id}"))
    assert "Why will the result be late" in ask.text
    dates = one(STAFF, await bot.text(STAFF, "Phải đo đạc lại thực địa cùng UBND xã."))
    # +3, +5, +10 working days from Monday 16 March.
    assert [b["payload"] for b in dates.buttons[:3]] == [
        f"ss:d20260319:{row.id}", f"ss:d20260323:{row.id}", f"ss:d20260330:{row.id}"]
    assert "not a working day" in one(STAFF, await bot.text(STAFF, "21/03/2026")).text
    assert "after the date now promised" in one(STAFF, await bot.text(STAFF, "13/3/2026")).text
    assert "dd/mm/yyyy" in one(STAFF, await bot.text(STAFF, "31/02/2026")).text
    title = one(STAFF, await bot.press(STAFF, f"ss:d20260323:{row.id}"))
    assert "job title" in title.text
    preview = one(STAFF, await bot.text(STAFF, "Phó Trưởng phòng"))
    assert "Phải đo đạc lại" in preview.text and "23/03/2026" in preview.text
    sent = await bot.press(STAFF, preview.payload("ss:apology:"))

    message, document = to(CITIZEN, sent)
    for part in ("WRITTEN APOLOGY", "01/PXL-PTNMT", "Nguyễn Văn An", "Ấp 3, xã Xuân Bắc",
                 "0912 345 678", "02/03/2026", "Land", code, "16/03/2026",
                 "Phải đo đạc lại thực địa cùng UBND xã.", "apologises", "23/03/2026",
                 "Phó Trưởng phòng", "User 2001"):
        assert part in message.text, part
    assert "23/03/2026" in one(STAFF, sent).text
    assert [m.edit_of for m in sent if m.kind == "edit"], "the card shows the new date"
    after = await bot.case(code)
    assert after.due_at == local(16, 17), "the original date stays: the case counts late"
    assert after.extended_due_at == local(23, 17)

    async with bot.database.reading() as session:
        pdf = (await session.execute(select(AttachmentRow).where(
            AttachmentRow.id == document.document))).scalar_one()
        apology = (await session.execute(select(ApologyRow))).scalar_one()
    assert (pdf.mime, pdf.filename) == ("application/pdf", f"{code}-01-PXL-PTNMT.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    for field in ("01/PXL-PTNMT", "SOCIALIST REPUBLIC OF VIETNAM",
                  "Xuân Lộc, 12/03/2026", "To: Nguyễn Văn An", "Ấp 3, xã Xuân Bắc",
                  "0912 345 678", "On 02/03/2026", "Natural Resources and Environment Office",
                  "Land", f"Tracking code: {code}", "Date due for the result: 16/03/2026",
                  "Reason for the delay: Phải đo đạc lại thực địa cùng UBND xã.",
                  "apologises to you", "extended to 23/03/2026",
                  "WRITTEN APOLOGY AND REQUEST FOR MORE TIME",
                  "PHÓ TRƯỞNG PHÒNG", "User 2001"):
        assert field in text, field
    assert (apology.kind, apology.number, apology.official_title) == (
        "staff", "01/PXL-PTNMT", "Phó Trưởng phòng")

    again = one(STAFF, await bot.press(STAFF, f"ca:apologise:{row.id}"))
    assert "only one" in again.text

    clock.set(local(19, 8, 30))  # the reminders follow the new date
    assert "23/03/2026" in one(STAFF, await bot.tick()).text
    clock.set(local(24, 8, 30))
    late = await bot.tick()
    assert "is late" in one(HEAD, late).text
    assert not to(CITIZEN, late), "an apology was given: none on the unit's behalf"


async def test_the_calendar_in_force_when_a_case_came_is_the_one_it_keeps(
        unit: Harness, clock: Clock) -> None:
    first = await file_pakn(unit)
    async with unit.store.unit_of_work() as uow:
        await uow.calendar.set(Override(datetime(2026, 3, 5).date(), "off", "Test"), clock())
    second = await file_pakn(unit, field="moi_truong")
    assert (await unit.case(first)).due_at == local(16, 17)
    assert (await unit.case(second)).due_at == local(17, 17)
