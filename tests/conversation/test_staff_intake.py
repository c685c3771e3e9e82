"""Staff file a PAKN for a citizen who called, wrote or came to the desk: its time
limits count from its receipt (which may be earlier than its filing) by the working
calendar and the afternoon cut-off; the citizen is sent the code by SMS or email, or
nothing when they gave neither; the rules on what a PAKN must carry are enforced; who
may file is checked; and the chat dialog /nhaphananh files the same way."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core.authority import actor_of
from bot.core.intake import IntakeRequest, file_on_behalf
from bot.core.privacy import as_text, erase_on_request, export_data
from bot.core.work import Work, deliver
from bot.delivery.notify import Notifier, sender_chats
from bot.present.i18n import use_locale
from bot.present.names import CHANNELS
from bot.present.reports import make_report
from bot.runtime.settings import Settings
from complaints.calendar import WorkingCalendar
from complaints.errors import ComplaintsError, NotAllowed, ValidationError
from complaints.intake import ConsentBasis, Origin, Sender, check_sender
from complaints.people import Actor, Role
from storage.models import (
    AuditRow,
    CaseEventRow,
    CaseRow,
    ConsentRow,
    IdentityRow,
    IntakeRow,
    OutboxRow,
)
from surveys.indicators import Indicator
from surveys.periods import parse_period
from surveys.report import Scope
from tests.clock import Clock
from tests.conversation.harness import Harness, one, to

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FOCAL, LAND, JUSTICE, CITIZEN, ADMIN = "4001", "4002", "4003", "4004", "4005"
TEXT = "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất nộp từ tháng 10 vẫn chưa có kết quả."


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN).astimezone(UTC)


def request(received_at: datetime, *, origin: Origin = Origin.PHONE, phone: str = "0912345678",
            email: str = "", field: str = "dat_dai", area: str | None = "26428",
            attachments: tuple[int, ...] = ()) -> IntakeRequest:
    return IntakeRequest(origin=origin, received_at=received_at,
                         sender=check_sender("Trần Thị Bình", "Ấp 2, xã Xuân Bắc", phone, email),
                         field=field, area=area, text=TEXT, consent=ConsentBasis.ORAL,
                         attachments=attachments)


async def actor(bot: Harness, chat: str, role: Role, unit: str | None) -> Actor:
    await bot.join(chat, role, unit)
    async with bot.store.unit_of_work() as uow:
        account = await uow.accounts.find("telegram", chat)
        assert account is not None
        return await actor_of(uow.accounts, await uow.directory.load(), account)


async def file(bot: Harness, who: Actor, wanted: IntakeRequest):  # type: ignore[no-untyped-def]
    async with bot.store.unit_of_work() as uow:
        work = Work(uow, bot.clock(), bot.settings, await uow.directory.load(), bot.calendars)
        intake = await file_on_behalf(work, who, wanted)
        await deliver(work.owed, Notifier(uow, "vi", work.now, "test"))
    return intake


async def calendar_of(bot: Harness) -> WorkingCalendar:
    async with bot.store.unit_of_work() as uow:
        return await bot.calendars.around(uow.calendar, bot.clock(), VN)


def working_days_between(calendar: WorkingCalendar, after: date, until: date) -> int:
    days, day = 0, after
    while day < until:
        day += timedelta(days=1)
        days += calendar.is_working_day(day)
    return days


# --- time limits from the time of receipt ------------------------------------------------

@pytest.mark.parametrize(("received", "due"), [
    # Friday 13/2/2026, the last working day before Tết (14–22/2/2026, the decision of
    # that year): ten working days after it, Tết skipped, end on Friday 6/3 at 17:00.
    ((2026, 2, 13, 10, 0), (2026, 3, 6)),
    # The same day after 15:00 counts from Monday 23/2: due a working day later.
    ((2026, 2, 13, 16, 30), (2026, 3, 9)),
    # Received at 14:59 is before the cut-off.
    ((2026, 2, 13, 14, 59), (2026, 3, 6)),
])
async def test_a_hotline_pakn_received_before_tet_is_due_by_the_calendar(
        bot: Harness, clock: Clock, received: tuple[int, ...], due: tuple[int, ...]) -> None:
    clock.now = local(2026, 2, 23, 8, 30)  # filed when the office reopened after Tết
    focal = await actor(bot, FOCAL, Role.STAFF, "VP")
    intake = await file(bot, focal, request(local(*received)))
    case = intake.case
    assert case.channel == "phone" and case.unit == "PTNMT"
    assert case.received_at == local(*received)
    assert case.due_at == local(*due, 17)
    row = await bot.case(case.code)
    assert row.due_at == local(*due, 17) and row.received_at == local(*received)
    async with bot.database.reading() as session:
        events = (await session.execute(select(CaseEventRow).where(
            CaseEventRow.case_id == case.id))).scalars().all()
    assert [e.kind for e in events] == ["received"]
    assert events[0].at == local(*received) and events[0].data["taken_by"] == focal.account_id


async def test_the_tracking_code_goes_by_sms_in_national_digits(bot: Harness,
                                                                  clock: Clock) -> None:
    clock.now = local(2026, 2, 13, 11, 0)
    focal = await actor(bot, FOCAL, Role.STAFF, "VP")
    intake = await file(bot, focal, request(local(2026, 2, 13, 9, 15), phone="+84 912.345.678",
                                             email="Binh@Example.VN"))
    messages = await bot.new_messages()
    sms = [m for m in messages if m.chat == "0912345678"]
    assert len(sms) == 1 and intake.case.code in sms[0].text
    assert "06/03/2026" in sms[0].text and f"/pakn/{intake.case.code}" in sms[0].text
    assert "Mã theo dõi" in sms[0].text, "the citizen's language is Vietnamese, the default"
    async with bot.database.reading() as session:
        row = (await session.execute(select(OutboxRow).where(
            OutboxRow.chat_id == "0912345678"))).scalar_one()
        intake_row = await session.get(IntakeRow, intake.case.id)
        consent = (await session.execute(select(ConsentRow).where(
            ConsentRow.account_id == intake.case.citizen_id))).scalar_one()
        audit = (await session.execute(select(AuditRow).where(
            AuditRow.action == "intake"))).scalar_one()
    assert row.channel == "sms" and row.case_id == intake.case.id
    assert not [m for m in messages if m.chat == "binh@example.vn"], "one channel: the phone"
    assert intake_row is not None and intake_row.email == "binh@example.vn"
    assert intake_row.consent_basis == "oral" and intake_row.consent_recorded_by == \
        focal.account_id and intake_row.consent_recorded_at == clock.now
    assert consent.channel == "phone"
    assert "Bình" not in str(audit.data) and "0912" not in str(audit.data)


async def test_email_only_goes_by_email_and_neither_by_nothing(bot: Harness,
                                                                 clock: Clock) -> None:
    clock.now = local(2026, 3, 2, 9, 0)
    focal = await actor(bot, FOCAL, Role.STAFF, "VP")
    await bot.new_messages()
    by_mail = await file(bot, focal, request(local(2026, 3, 2, 8, 0), origin=Origin.EMAIL,
                                              phone="", email=" Binh@Example.VN "))
    sent = await bot.new_messages()
    mail = [m for m in sent if m.chat == "binh@example.vn"]
    assert len(mail) == 1 and by_mail.case.code in mail[0].text
    assert by_mail.case.reply_chat == ("email", "binh@example.vn")
    letter = await file(bot, focal, request(local(2026, 2, 27, 10, 0), origin=Origin.LETTER,
                                             phone="", email=""))
    assert letter.told is None and letter.case.reply_chat is None
    assert not [m for m in await bot.new_messages() if m.chat not in (LAND, FOCAL)]


async def test_the_same_phone_is_the_same_citizen(bot: Harness, clock: Clock) -> None:
    focal = await actor(bot, FOCAL, Role.STAFF, "VP")
    first = await file(bot, focal, request(clock.now - timedelta(hours=1)))
    second = await file(bot, focal, request(clock.now, origin=Origin.IN_PERSON,
                                             phone="0912 345 678"))
    assert first.case.citizen_id == second.case.citizen_id
    assert first.case.code != second.case.code


# --- what is refused ----------------------------------------------------------------------

@pytest.mark.parametrize("shift", [timedelta(minutes=1), timedelta(days=2),
                                   -timedelta(days=31), -timedelta(days=400)])
async def test_a_receipt_in_the_future_or_long_ago_is_refused(bot: Harness, clock: Clock,
                                                              shift: timedelta) -> None:
    focal = await actor(bot, FOCAL, Role.STAFF, "VP")
    with pytest.raises(ValidationError) as refused:
        await file(bot, focal, request(clock.now + shift))
    assert refused.value.code == ("received_in_future" if shift > timedelta(0)
                                  else "received_too_early")
    assert await bot.count(IntakeRow) == 0


@pytest.mark.parametrize(("name", "address", "phone", "email", "code"), [
    ("", "Ấp 2, xã Xuân Bắc", "0912345678", "", "name_missing"),
    ("   ", "Ấp 2, xã Xuân Bắc", "", "", "name_missing"),
    ("Trần Thị Bình", "", "0912345678", "a@b.vn", "address_missing"),
    ("Trần Thị Bình", "Ấp 2, xã Xuân Bắc", "12345", "", "phone_invalid"),
    ("Trần Thị Bình", "Ấp 2, xã Xuân Bắc", "", "binh@", "email_invalid"),
    ("Trần Thị Bình", "Ấp 2, xã Xuân Bắc", "", "binh at example.vn", "email_invalid"),
])
def test_the_sender_must_be_named_and_reachable(name: str, address: str, phone: str,
                                                 email: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_sender(name, address, phone, email)
    assert refused.value.code == code


def test_name_and_address_suffice_as_the_rules_ask() -> None:
    sender = check_sender(" Lê Văn Cường ", "Tổ 5, khu phố 1, Gia Ray")
    assert sender == Sender("Lê Văn Cường", "Tổ 5, khu phố 1, Gia Ray", None, None)


async def test_who_may_file(bot: Harness, clock: Clock) -> None:
    focal = await actor(bot, FOCAL, Role.STAFF, "VP")
    land = await actor(bot, LAND, Role.STAFF, "PTNMT")
    justice = await actor(bot, JUSTICE, Role.HEAD, "PTP")
    received = clock.now - timedelta(minutes=5)
    assert (await file(bot, land, request(received))).case.unit == "PTNMT"
    with pytest.raises(NotAllowed):
        await file(bot, justice, request(received))  # land goes to PTNMT, not to PTP
    civil_status = request(received, field="ho_tich", area=None)
    assert (await file(bot, focal, civil_status)).case.unit == "PTP"
    await bot.text(CITIZEN, "/start")
    async with bot.store.unit_of_work() as uow:
        account = await uow.accounts.find("telegram", CITIZEN)
        assert account is not None
        citizen = account.as_actor()
    with pytest.raises(ComplaintsError):
        await file(bot, citizen, request(received))


# --- the chat dialog ----------------------------------------------------------------------

async def test_nhaphananh_files_a_letter_step_by_step(bot: Harness, clock: Clock) -> None:
    clock.now = local(2026, 3, 2, 9, 0)
    await bot.join(FOCAL, Role.STAFF, "VP")
    await bot.join(LAND, Role.STAFF, "PTNMT")
    await bot.new_messages()
    start = one(FOCAL, await bot.text(FOCAL, "/nhaphananh"))
    assert "Letter" in start.labels() and "Phone (hotline 1022)" in start.labels()
    await bot.press(FOCAL, start.payload("ti:origin:letter"))
    wrong = one(FOCAL, await bot.text(FOCAL, "tomorrow at noon"))
    assert "14:30 05/12/2026" in wrong.text
    future = one(FOCAL, await bot.text(FOCAL, "10:00 03/03/2026"))
    assert "later than now" in future.text
    await bot.text(FOCAL, "14h30 ngày 27/2/2026")
    asked = one(FOCAL, await bot.text(FOCAL, "Trần Thị Bình"))
    skip = asked.payload("ti:phone:-")
    assert "Vietnamese phone number" in one(FOCAL, await bot.text(FOCAL, "12 34")).text
    await bot.press(FOCAL, skip)
    await bot.text(FOCAL, "Ấp 2, xã Xuân Bắc")
    assert "email address" in one(FOCAL, await bot.text(FOCAL, "not an email")).text
    await bot.press(FOCAL, "ti:email:-")
    await bot.press(FOCAL, "ti:field:dat_dai")
    await bot.press(FOCAL, "ti:area:26428")
    await bot.text(FOCAL, TEXT)
    photo = one(FOCAL, await bot.photo(FOCAL, "scan-of-the-letter"))
    assert "Photo 1" in photo.text
    consent = one(FOCAL, await bot.press(FOCAL, "ti:attach:done"))
    assert "given in writing" in consent.labels()
    summary = one(FOCAL, await bot.press(FOCAL, "ti:consent:written"))
    for shown in ("Letter", "27/02/2026", "Trần Thị Bình", "Ấp 2, xã Xuân Bắc", "Land",
                  "Photos: 1", "given in writing"):
        assert shown in summary.text, shown
    filed = await bot.press(FOCAL, summary.payload("ti:confirm:file"))
    answer = to(FOCAL, filed)[0].text
    assert "printed receipt" in answer
    code = answer.split("Tracking code: ")[1].split()[0]
    row = await bot.case(code)
    # Received Friday 27/2 at 14:30, before the cut-off: ten working days to Friday 13/3.
    assert row.channel == "letter" and row.received_at == local(2026, 2, 27, 14, 30)
    assert row.due_at == local(2026, 3, 13, 17) and row.chat_id == ""
    assert code in to(LAND, filed)[0].text, "the unit gets the card"
    assert await bot.dialog_state(FOCAL) == "idle"


async def test_citizens_are_told_the_command_is_for_staff(bot: Harness) -> None:
    answer = one(CITIZEN, await bot.text(CITIZEN, "/intake"))
    assert "for staff" in answer.text and "/phananh" in answer.text
    assert await bot.dialog_state(CITIZEN) == "idle"


async def test_a_receipt_before_tet_2027_counts_working_days_of_the_estimated_calendar(
        bot: Harness, clock: Clock) -> None:
    """2027 has no decision yet: the calendar estimated from the Labour Code applies (Tết
    Âm lịch 2027 falls on 6/2); the deadline lands ten working days after receipt, and a
    call taken on a day off counts from the next working day."""
    clock.now = local(2027, 2, 8, 10, 0)  # a hotline operator on duty during Tết
    focal = await actor(bot, FOCAL, Role.STAFF, "VP")
    calendar = await calendar_of(bot)
    before = date(2027, 2, 3)  # the last working day before the estimated Tết holiday
    off = [day for day in (before + timedelta(days=n) for n in range(1, 8))
           if day.weekday() < 5 and not calendar.is_working_day(day)]
    assert calendar.is_working_day(before) and len(off) >= 4, off
    reopening = next(day for day in (before + timedelta(days=n) for n in range(1, 15))
                     if calendar.is_working_day(day))
    for received, counted_from in ((local(2027, 2, 3, 9, 0), before),
                                   (local(2027, 2, 5, 9, 0), reopening)):
        case = (await file(bot, focal, request(received))).case
        due_day = case.due_at.astimezone(VN).date()
        assert calendar.is_working_day(due_day)
        assert working_days_between(calendar, counted_from, due_day) == 10
        assert case.due_at.astimezone(VN).hour == 17


def test_settings_default_cutoff_is_the_one_the_tests_assume() -> None:
    rules = Settings().deadline_rules
    assert (rules.cutoff.hour, rules.end_of_day.hour) == (15, 17)


async def test_the_answer_and_the_rating_question_follow_by_sms(bot: Harness,
                                                                clock: Clock) -> None:
    """Once filed, the case is handled like any other: the unit's staff take it from
    their card and resolve it; what the citizen is owed goes to their phone."""
    focal = await actor(bot, FOCAL, Role.STAFF, "VP")
    await bot.join(LAND, Role.STAFF, "PTNMT")
    case = (await file(bot, focal, request(clock.now - timedelta(hours=2)))).case
    await bot.new_messages()
    await bot.press(LAND, f"ca:claim:{case.id}")
    await bot.press(LAND, f"ca:resolve:{case.id}")
    await bot.text(LAND, "Giấy chứng nhận đã được ký ngày 3/3, mời ông/bà đến nhận.")
    resolved = await bot.press(LAND, f"ss:resolve:{case.id}")
    sms = [m.text for m in resolved if m.chat == "0912345678"]
    assert any("Giấy chứng nhận đã được ký" in text for text in sms), sms
    assert len(sms) >= 2, "the answer, then the question about the handling"
    async with bot.database.reading() as session:
        channels = set((await session.execute(select(OutboxRow.channel).where(
            OutboxRow.chat_id == "0912345678"))).scalars())
    assert channels == {"sms"}


async def test_indicators_by_channel_count_the_ways_staff_took_pakn(bot: Harness,
                                                                   clock: Clock) -> None:
    """A hotline PAKN left late and a letter answered in time: the on-time rate by channel
    has a row for each, and a report limited to one channel counts only its cases."""
    clock.now = local(2026, 3, 2, 9, 0)
    focal = await actor(bot, FOCAL, Role.STAFF, "VP")
    await bot.join(LAND, Role.STAFF, "PTNMT")
    await file(bot, focal, request(local(2026, 3, 2, 8, 0)))
    letter = (await file(bot, focal, request(local(2026, 3, 2, 8, 30), origin=Origin.LETTER,
                                              phone="", email=""))).case
    await bot.press(LAND, f"ca:claim:{letter.id}")
    await bot.press(LAND, f"ca:resolve:{letter.id}")
    await bot.text(LAND, "Đã trả lời bằng văn bản gửi qua bưu điện.")
    await bot.press(LAND, f"ss:resolve:{letter.id}")
    clock.now = local(2026, 4, 1, 9, 0)  # both deadlines (16/3) have passed
    period = parse_period("2026-03")
    async with bot.store.unit_of_work() as uow:
        directory = await uow.directory.load()
        report = await make_report(uow.indicators, directory, period, Scope(), clock.now, VN,
                                   groups=("channel",))
        phone_only = await make_report(uow.indicators, directory, period,
                                       Scope(channel="phone"), clock.now, VN, groups=())
    by_channel = report.groups["channel"]
    on_time = {code: (by_channel[code][Indicator.PAKN_ON_TIME].numerator,
                      by_channel[code][Indicator.PAKN_ON_TIME].denominator)
               for code in by_channel}
    assert on_time == {"phone": (0, 1), "letter": (1, 1)}
    assert set(by_channel) <= set(CHANNELS)
    overall = phone_only.overall[Indicator.PAKN_ON_TIME]
    assert (overall.numerator, overall.denominator) == (0, 1)


async def test_erasure_removes_the_phone_and_email_taken_by_staff(bot: Harness,
                                                                  clock: Clock) -> None:
    """The citizen asks at the desk to have their data erased: the phone (their SMS chat)
    and the email kept with the intake go, and nothing is sent there any more."""
    await bot.join(ADMIN, Role.ADMIN, None)
    focal = await actor(bot, FOCAL, Role.STAFF, "VP")
    case = (await file(bot, focal, request(clock.now - timedelta(hours=1),
                                           email="binh@example.vn"))).case
    async with bot.store.unit_of_work() as uow:
        admin = await uow.accounts.find("telegram", ADMIN)
        assert admin is not None
        with use_locale("en"):
            copy = as_text(await export_data(uow, admin.as_actor(), case.citizen_id), VN)
        work = Work(uow, bot.clock(), bot.settings, await uow.directory.load(), bot.calendars)
        await erase_on_request(work, admin.as_actor(), case.citizen_id)
    assert "Email: binh@example.vn" in copy, "the copy of their data holds what staff took"
    assert "Consent recorded by staff: given orally" in copy
    await bot.new_messages()
    async with bot.database.reading() as session:
        intake = await session.get(IntakeRow, case.id)
        row = await session.get(CaseRow, case.id)
        identities = (await session.execute(select(IdentityRow.external_id).where(
            IdentityRow.account_id == case.citizen_id))).scalars().all()
    assert intake is not None and intake.email is None
    assert row is not None and "0912345678" not in (row.chat_id, row.contact_phone)
    assert "0912345678" not in identities
    async with bot.store.unit_of_work() as uow:
        erased = await uow.cases.get(case.id)
    assert erased is not None and sender_chats(erased) == []
