"""Dossiers in the chat: following one by the receipt's link or by its code and phone (and
the throttle on wrong tries), being told what changed, rating it once its result is back
(verified, once per dossier), and the unit asked for the apology one working day before
the due date on the Vietnamese calendar, which it issues with one new date."""

from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.core.dossiers import CODE_TRIES, FOLLOW_TRIES, link_token, record_dossiers
from bot.core.work import Runner, Work
from complaints.dossiers import Record, Status
from complaints.people import Role
from storage.models import (
    AttachmentRow,
    DossierApologyRow,
    DossierRow,
    FollowAttemptRow,
    OutboxRow,
    RatingRow,
    ReplacedRatingRow,
)
from tests.conversation.harness import Harness, InboundRow, Out, one, to
from tests.conversation.test_survey import answer_all

VN = ZoneInfo("Asia/Ho_Chi_Minh")
APPLICANT, RELATIVE, STRANGER, STAFF, OTHER_STAFF, FOCAL = (
    "3001", "3002", "3003", "3101", "3102", "3103")
CODE = "000.00.12.H12-260302-0001"
PHONE = "0912345678"


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN).astimezone(UTC)


def record(status: Status = Status.RECEIVED, *, code: str = CODE, unit: str = "UBND-26428",
           due: datetime | None = None, finished: datetime | None = None,
           returned: datetime | None = None, phone: str | None = PHONE) -> Record:
    due = due or local(2026, 3, 9, 17)
    return Record(code, "1.001193", unit, "ho_tich", due - timedelta(days=7), due, finished,
                  returned, status, phone)


async def push(bot: Harness, *records: Record) -> list[Out]:
    """The one-stop system's records, as the API and the import apply them."""
    async def apply(work: Work) -> object:
        return await record_dossiers(work, list(records), "test")
    await Runner(bot.store, bot.settings, bot.calendars, bot.clock, lambda: None).run(
        apply, "test")
    return await bot.new_messages()


async def token(bot: Harness, code: str = CODE) -> str:
    async with bot.store.unit_of_work() as uow:
        dossier = await uow.dossiers.get(code)
        assert dossier is not None
        return await link_token(uow, dossier)


async def agree(bot: Harness, chat: str, answer: list[Out]) -> list[Out]:
    """Accept the personal-data notice if it is what the bot asked first."""
    notice = [m for m in to(chat, answer) if "Personal data notice" in m.text]
    if not notice:
        return answer
    return await bot.press(chat, notice[0].payload("cs:"))


async def follow_by_code(bot: Harness, chat: str, phone: str = PHONE,
                         code: str = CODE) -> Out:
    answer = await agree(bot, chat, await bot.text(chat, f"/hoso {code}"))
    assert "phone number written on the dossier" in to(chat, answer)[-1].text
    return to(chat, await bot.text(chat, phone))[-1]


async def test_following_a_dossier_from_receipt_to_rating(bot: Harness) -> None:
    await push(bot, record())
    first = await bot.text(APPLICANT, f"/hoso {CODE}")
    assert "Personal data notice" in one(APPLICANT, first).text, "consent comes first"
    thanks, asked = to(APPLICANT, await bot.press(APPLICANT,
                                                  one(APPLICANT, first).payload("cs:")))
    assert "consent was recorded" in thanks.text
    assert "phone number written on the dossier" in asked.text
    followed = one(APPLICANT, await bot.contact(APPLICANT, "+84 912 345 678"))
    assert "You now follow this dossier" in followed.text and CODE in followed.text
    assert "Birth registration" in followed.text and "Received" in followed.text

    told = await push(bot, record(Status.ADDITIONAL_DOCS))
    assert "additional documents" in one(APPLICANT, told).text
    assert await push(bot, record(Status.ADDITIONAL_DOCS)) == [], "unchanged: nothing said"
    await push(bot, record(Status.IN_PROGRESS))
    finished = local(2026, 3, 6, 10)
    assert "ready to collect" in one(APPLICANT, await push(
        bot, record(Status.FINISHED, finished=finished))).text
    returned = to(APPLICANT, await push(bot, record(Status.RETURNED, finished=finished,
                                                    returned=local(2026, 3, 6, 15))))
    assert "returned" in returned[0].text
    offer = returned[1]
    assert "How satisfied" in offer.text
    started = to(APPLICANT, await bot.press(APPLICANT, offer.payload("ds:rate:")))
    assert "Birth registration" in started[0].text
    await answer_all(bot, APPLICANT, started[-1], 5)
    async with bot.database.reading() as session:
        [rating] = (await session.execute(select(RatingRow))).scalars().all()
    assert (rating.dossier, rating.verified, rating.score) == (CODE, True, 5)
    assert (rating.unit_code, rating.procedure_code, rating.origin) == (
        "UBND-26428", "1.001193", None)
    assert await push(bot, record(Status.RETURNED, finished=finished,
                                  returned=local(2026, 3, 6, 15))) == [], "asked once"


async def test_one_dossier_one_rating_the_latest(bot: Harness) -> None:
    finished, returned = local(2026, 3, 6, 10), local(2026, 3, 6, 15)
    await push(bot, record(Status.RETURNED, finished=finished, returned=returned))
    link = await token(bot)
    by_link = to(APPLICANT, await agree(bot, APPLICANT,
                                        await bot.text(APPLICANT, f"/start {link}")))
    assert "You now follow" in by_link[-2].text and "How satisfied" in by_link[-1].text
    await answer_all(bot, APPLICANT, to(APPLICANT, await bot.press(
        APPLICANT, by_link[-1].payload("ds:rate:")))[-1], 2)
    offer = to(RELATIVE, await bot.press(RELATIVE, by_link[-1].payload("ds:rate:")))
    assert "Only those who follow this dossier" in offer[-1].text
    assert "How satisfied" in (await follow_by_code(bot, RELATIVE)).text
    started = to(RELATIVE, await bot.press(RELATIVE, by_link[-1].payload("ds:rate:")))
    await answer_all(bot, RELATIVE, started[-1], 5)
    async with bot.database.reading() as session:
        ratings = (await session.execute(select(RatingRow))).scalars().all()
        replaced = (await session.execute(select(ReplacedRatingRow))).scalars().all()
        told = (await session.execute(select(OutboxRow.body).where(
            OutboxRow.chat_id == RELATIVE))).scalars().all()
    assert [(r.score, r.verified, r.dossier) for r in ratings] == [(5, True, CODE)]
    assert [(r.score, r.replaced_by) for r in replaced] == [(2, ratings[0].id)]
    assert any("your answers replace that rating" in body["text"] for body in told)


async def test_the_receipts_link_works_once(bot: Harness) -> None:
    await push(bot, record())
    link = await token(bot)
    followed = to(APPLICANT, await agree(bot, APPLICANT,
                                         await bot.text(APPLICANT, f"/start {link}")))
    assert "You now follow" in followed[-1].text
    again = one(APPLICANT, await bot.text(APPLICANT, f"/start {link}"))
    assert "You already follow" in again.text
    used = to(RELATIVE, await agree(bot, RELATIVE, await bot.text(RELATIVE, f"/start {link}")))
    assert "already used in another chat" in used[-1].text
    for forged in (link[:-1] + ("A" if link[-1] != "A" else "B"), "hs_1_", "hs_zzzzzzzzzzzzz_x",
                   "hs_", link.replace("hs_", "hs_0")):
        answer = to(STRANGER, await agree(bot, STRANGER,
                                          await bot.text(STRANGER, f"/start {forged}")))
        assert "This link is not valid" in answer[-1].text, forged
    async with bot.database.reading() as session:
        logged = (await session.execute(select(InboundRow.text, InboundRow.data))).all()
    secret = link.removeprefix("hs_")
    assert logged and not any(secret in f"{text} {data}" for text, data in logged), \
        "a link is a secret: the inbound record keeps it blanked, as invites"


@pytest.mark.parametrize("phone", ["0912 345 678", "+84912345678", "84 912.345.678",
                                   "(0912)-345-678"])
async def test_the_phone_in_any_format(bot: Harness, phone: str) -> None:
    await push(bot, record())
    assert "You now follow" in (await follow_by_code(bot, APPLICANT, phone)).text


async def test_wrong_tries_are_throttled_per_person_and_per_code(bot: Harness) -> None:
    await push(bot, record(), record(code="HS-OTHER", phone="0987654321"))
    for attempt in range(FOLLOW_TRIES):
        wrong = await follow_by_code(bot, STRANGER, f"09123456{attempt:02d}")
        assert "No dossier matches" in wrong.text
    blocked = await follow_by_code(bot, STRANGER, PHONE)
    assert "Too many wrong tries" in blocked.text, "even the right phone, for an hour"
    unknown = await follow_by_code(bot, APPLICANT, PHONE, code="HS-NOWHERE")
    assert "No dossier matches" in unknown.text, "an unknown code reads the same"
    bot.clock.advance(hours=1, minutes=1)
    assert "You now follow" in (await follow_by_code(bot, STRANGER, PHONE)).text

    # Many new chats guessing one code: the code is closed to guesses for a day.
    for n in range(CODE_TRIES):
        await follow_by_code(bot, f"40{n:02d}", "0900000000", code="HS-OTHER")
    closed = await follow_by_code(bot, "4099", "0987654321", code="HS-OTHER")
    assert "Too many wrong tries" in closed.text
    async with bot.database.reading() as session:
        tries = (await session.execute(select(FollowAttemptRow))).scalars().all()
    assert sum(not t.succeeded for t in tries) == FOLLOW_TRIES + 1 + CODE_TRIES


async def test_rating_waits_for_the_result(bot: Harness) -> None:
    await push(bot, record())
    await follow_by_code(bot, APPLICANT)
    async with bot.database.reading() as session:
        dossier_id = (await session.execute(select(DossierRow.id))).scalar_one()
    early = one(APPLICANT, await bot.press(APPLICANT, f"ds:rate:{dossier_id}"))
    assert "once its result is ready" in early.text


@pytest.fixture
async def unit(bot: Harness) -> Harness:
    await bot.join(STAFF, Role.STAFF, "UBND-26428")
    await bot.join(OTHER_STAFF, Role.STAFF, "PTP")
    await bot.join(FOCAL, Role.STAFF, "VP")
    await bot.new_messages()
    return bot


@pytest.mark.parametrize(("due", "quiet", "asked"), [
    # Due Monday 23/2/2026, after Tết (14-22/2): asked on Friday 13/2, not on Thursday.
    (date(2026, 2, 23), datetime(2026, 2, 12, 9), datetime(2026, 2, 13, 8, 30)),
    # Due Monday 12/1/2026: Saturday 10/1 is a working day (làm bù): asked then.
    (date(2026, 1, 12), datetime(2026, 1, 9, 9), datetime(2026, 1, 10, 9)),
    # Due Thursday 3/9/2026, after 29/8-2/9: asked on Friday 28/8.
    (date(2026, 9, 3), datetime(2026, 8, 27, 16), datetime(2026, 8, 28, 8, 5)),
])
async def test_the_unit_is_asked_for_the_apology_the_working_day_before(
        unit: Harness, due: date, quiet: datetime, asked: datetime) -> None:
    bot = unit
    due_at = datetime.combine(due, datetime.min.time().replace(hour=17), tzinfo=VN)
    bot.clock.set(quiet.replace(tzinfo=VN).astimezone(UTC) - timedelta(days=3))
    await push(bot, record(due=due_at))
    await follow_by_code(bot, APPLICANT)
    bot.clock.set(quiet.replace(tzinfo=VN).astimezone(UTC))
    assert to(STAFF, await bot.tick()) == []
    bot.clock.set(asked.replace(tzinfo=VN).astimezone(UTC))
    ask = one(STAFF, await bot.tick())
    assert CODE in ask.text and "written apology" in ask.text
    assert to(OTHER_STAFF, await bot.new_messages()) == []
    assert to(STAFF, await bot.tick()) == [], "asked once"

    other = one(OTHER_STAFF, await bot.press(OTHER_STAFF, ask.payload("ds:apologise:")))
    assert "cannot do that" in other.text, "another unit's staff are refused"
    reason = one(STAFF, await bot.press(STAFF, ask.payload("ds:apologise:")))
    assert "Why will the result be late" in reason.text
    dates = one(STAFF, await bot.text(STAFF, "Chờ xác minh thông tin từ cơ quan khác"))
    title = one(STAFF, await bot.press(STAFF, dates.buttons[0]["payload"]))
    assert "job title" in title.text, "the name is the one given when joining"
    sent = await bot.text(STAFF, "Chuyên viên")
    letter, paper = to(APPLICANT, sent)
    assert "REQUEST FOR MORE TIME" in letter.text and CODE in letter.text
    assert f"User {STAFF}" in letter.text and "Chờ xác minh" in letter.text
    done = one(STAFF, sent)
    assert "issued as No. 01/PXL-UBND-26428" in done.text and done.document == paper.document
    async with bot.database.reading() as session:
        apology = (await session.execute(select(DossierApologyRow))).scalar_one()
        pdf = await session.get(AttachmentRow, paper.document)
        dossier = (await session.execute(select(DossierRow))).scalar_one()
    assert apology.issued_at <= apology.owed_by, "in time: by the end of the day before"
    assert dossier.due_at == due_at and dossier.extended_due_at == apology.new_due_at
    assert pdf is not None and pdf.mime == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content or b"")
                                                                ).pages)
    for part in ("VĂN BẢN XIN LỖI", CODE, f"User {STAFF}", "CHUYÊN VIÊN"):
        assert part in " ".join(text.split()), part
    again = one(STAFF, await bot.press(STAFF, ask.payload("ds:apologise:")))
    assert "already has its apology" in again.text


async def test_a_unit_nobody_joined_is_asked_through_the_focal_point(unit: Harness) -> None:
    bot = unit
    bot.clock.set(local(2026, 3, 2))
    await push(bot, record(unit="UBND-26431", due=local(2026, 3, 6, 17)))
    bot.clock.set(local(2026, 3, 5, 8, 30))
    ask = one(FOCAL, await bot.tick())
    staff_view = to(FOCAL, await bot.text(FOCAL, f"/hoso {CODE}"))
    assert "Write the apology" in staff_view[-1].labels()
    assert ask.payload("ds:apologise:")
