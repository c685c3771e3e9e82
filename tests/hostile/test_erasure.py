"""Erasure erases (issue 12): a citizen files a PAKN through the conversations (details,
e-mail, a photo uploaded as bytes), staff ask and answer, the citizen adds, rates,
comments and asks for a copy of their data; the outbox delivers everything; then
/xoadulieu. Afterwards no piece of the person's data is anywhere: not in any row of any
table, not in the raw SQLite files (the database, its -wal and -shm), not in the log.
The same chat gets the same pseudonym; their next message does not store their chat
app's name again until they consent again."""

import logging
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from bot.channels.base import Outcome, Sent
from bot.core import privacy
from bot.core.privacy import RequestKind
from bot.core.records import Queued
from bot.delivery.outbox import OutboxDispatcher, Pacing
from bot.spine.messages import Kind, Photo
from complaints.people import Role
from storage.models import (
    AccountRow,
    AttachmentRow,
    Base,
    DossierRow,
    IdentityRow,
    OutboxRow,
)
from tests.conversation.harness import CHANNEL, Harness, one
from tests.conversation.test_dossiers import push, record

CITIZEN, STAFF = "730194852261", "2101"
NAME, PHONE, EMAIL = "Trần Thị Bích Ngọc", "0987654321", "bichngoc.tran@example.vn"
ADDRESS = "Số 18, tổ 4, ấp Bảo Định, xã Xuân Định"
WORDS = "Cống thoát nước trước nhà văn hoá ấp bị vỡ"
TEXT = f"{WORDS} từ tháng trước. Liên hệ {EMAIL} hoặc {PHONE}."
ADDED = "Chỗ vỡ nằm sát cột điện số 27, phía nhà bà Tư Nhàn."
COMMENT = "Xử lý nhanh, cảm ơn anh cán bộ địa chính"
PHOTO = b"\x89PNG\r\n\x1a\n" + b"photo-bytes-of-the-citizen-5e1f9c" * 8


def needles() -> dict[str, bytes]:
    """Every piece of the person's data, as the bytes a file or log would hold."""
    pieces = {"name": NAME, "phone": PHONE, "email": EMAIL, "address": ADDRESS,
              "text": WORDS, "added": ADDED, "comment": COMMENT, "chat id": CITIZEN,
              "display name": f"User {CITIZEN}", "phone +84": "+84987654321"}
    found = {label: value.encode() for label, value in pieces.items()}
    found |= {f"{label} (NFD)": unicodedata.normalize("NFD", value).encode()
              for label, value in pieces.items() if not value.isascii()}
    found["photo bytes"] = PHOTO[8:48]
    return found


class Recorder:
    """The channel at the I/O boundary: takes every message, as Telegram would."""

    channel = CHANNEL

    def __init__(self) -> None:
        self.delivered: list[Queued] = []

    async def deliver(self, item: Queued) -> Outcome:
        self.delivered.append(item)
        return Sent(external_id=str(item.id))


async def deliver(bot: Harness, recorder: Recorder) -> None:
    # At once, not at Telegram's pace for one chat: this is about what is kept.
    await OutboxDispatcher(bot.store, [recorder], bot.clock,
                           pacing={CHANNEL: Pacing(None, 0.0)}).deliver_all()


async def history(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    start = one(CITIZEN, await bot.text(CITIZEN, "/phananh"))
    await bot.press(CITIZEN, start.payload("cs:"))
    async with bot.store.unit_of_work() as uow:
        account = await uow.accounts.find(CHANNEL, CITIZEN)
        assert account is not None
        upload = await uow.attachments.add(account.id, "webchat", bot.clock(), content=PHOTO,
                                           mime="image/png")
    await bot.press(CITIZEN, "ch:field:dat_dai")
    await bot.press(CITIZEN, "ch:area:26461")
    await bot.text(CITIZEN, TEXT)
    await bot.send(CITIZEN, Kind.PHOTO, photo=Photo(attachment_id=upload))
    await bot.location(CITIZEN, 10.912345, 107.398765)
    await bot.press(CITIZEN, "ch:attach:done")
    await bot.text(CITIZEN, NAME)
    await bot.contact(CITIZEN, "+84987654321")
    summary = one(CITIZEN, await bot.text(CITIZEN, ADDRESS))
    receipt = one(CITIZEN, await bot.press(CITIZEN, summary.payload("ch:confirm:send")))
    code = receipt.text.split("Tracking code: ")[1].split()[0]
    case = (await bot.case(code)).id
    await bot.press(STAFF, f"ca:ask:{case}")
    await bot.text(STAFF, "Chỗ vỡ ở đâu ạ?")
    await bot.text(CITIZEN, ADDED)
    await bot.press(STAFF, f"ca:resolve:{case}")
    check = one(STAFF, await bot.text(STAFF, f"Gửi chị {NAME}: cống đã được sửa."))
    await bot.press(STAFF, check.payload("ss:resolve:"))
    await bot.press(CITIZEN, f"rt:{case}:5")
    await bot.text(CITIZEN, COMMENT)
    # A dossier followed by its code and the phone on it: the phone is theirs.
    await push(bot, record(code="HS-ERASE-1", phone=PHONE))
    await bot.text(CITIZEN, "/hoso HS-ERASE-1")
    assert "HS-ERASE-1" in one(CITIZEN, await bot.text(CITIZEN, PHONE)).text
    copy = one(CITIZEN, await bot.text(CITIZEN, "/dulieucuatoi"))
    assert copy.document is not None


async def rows(bot: Harness) -> str:
    """Every row of every table, as text."""
    dump = []
    async with bot.database.reading() as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table))
            dump += [f"{table.name}: {tuple(row)}" for row in result]
    return "\n".join(dump)


def found_in(blob: bytes) -> list[str]:
    return [label for label, needle in needles().items() if needle in blob]


async def test_nothing_of_the_person_is_left_anywhere(
        bot: Harness, database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder()
    await history(bot)
    await deliver(bot, recorder)
    before = await rows(bot)
    assert {"name", "phone", "email", "address", "text", "added", "chat id",
            "display name"} <= set(found_in(before.encode())), "the test has data to erase"

    ask = one(CITIZEN, await bot.text(CITIZEN, "/xoadulieu"))
    done = one(CITIZEN, await bot.press(CITIZEN, ask.payload("xd:yes")))
    assert "Your personal data was deleted" in done.text
    await deliver(bot, recorder)
    assert recorder.delivered[-1].chat.chat_id == CITIZEN, "the confirmation went out"

    left = await rows(bot)
    assert not found_in(left.encode()), found_in(left.encode())
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if file.exists():
                assert not found_in(file.read_bytes()), (file.name, found_in(file.read_bytes()))
    logged = "\n".join(record.getMessage() for record in caplog.records).encode()
    assert not found_in(logged), found_in(logged)

    # The chats keep one pseudonym each, and it is not the id.
    async with bot.database.reading() as session:
        chats = set((await session.execute(text(
            "SELECT chat_id FROM inbound WHERE channel = 'telegram' AND account_id = "
            "(SELECT account_id FROM identities WHERE external_id LIKE 'x%')"))).scalars())
        outbox = (await session.execute(select(OutboxRow).order_by(OutboxRow.id.desc())
                                        .limit(1))).scalar_one()
        dossier_phone = (await session.execute(select(DossierRow.phone))).scalar_one()
    assert len(chats) == 1 and outbox.chat_id in chats and CITIZEN not in str(chats)
    assert dossier_phone is None, "the dossier they followed loses the phone"
    assert outbox.body.get("purged"), "the confirmation keeps only the mark that it went"


async def test_a_person_who_comes_back_is_not_named_until_they_consent(bot: Harness) -> None:
    await history(bot)
    ask = one(CITIZEN, await bot.text(CITIZEN, "/xoadulieu"))
    await bot.press(CITIZEN, ask.payload("xd:yes"))
    again = one(CITIZEN, await bot.text(CITIZEN, "/phananh"))
    assert "Personal data notice" in again.text
    # Consent is asked, never assumed: one button to press, nothing chosen beforehand.
    assert again.labels() == ["I agree"]
    assert "91/2025/QH15" in again.text and "356/2025/NĐ-CP" in again.text

    async def names() -> list[tuple[str, str]]:
        async with bot.database.reading() as session:
            return [(a.display_name, i.profile_name) for a, i in (await session.execute(
                select(AccountRow, IdentityRow).join(IdentityRow)
                .where(IdentityRow.external_id == CITIZEN))).all()]
    assert await names() == [("", "")]
    await bot.text(CITIZEN, "/trogiup")
    assert await names() == [("", "")], "not stored from their next message either"
    await bot.press(CITIZEN, again.payload("cs:"))
    await bot.text(CITIZEN, "/trogiup")
    assert (await names())[0][1] == f"User {CITIZEN}", "stored again once they consent"


async def test_the_copy_of_their_data_is_theirs_and_leaves_nothing_behind(
        bot: Harness) -> None:
    recorder = Recorder()
    await history(bot)
    async with bot.database.reading() as session:
        sent = (await session.execute(select(OutboxRow).where(
            OutboxRow.body["document"].is_not(None)).order_by(OutboxRow.id.desc())
            .limit(1))).scalar_one()
        document = await session.get(AttachmentRow, sent.body["document"])
        assert document is not None and document.content is not None
        copy = document.content.decode()
    for heading in ("Your personal data held by the PAKN service", "What you wrote",
                    "Your rating", "Consent"):
        assert heading in copy, heading
    for piece in (NAME, PHONE, ADDRESS, WORDS, ADDED, COMMENT, CITIZEN, "HS-ERASE-1"):
        assert piece in copy, piece
    assert "Trần" in copy and "Ngọc" in copy, "UTF-8 a phone opens"
    await deliver(bot, recorder)
    async with bot.database.reading() as session:
        row = await session.get(OutboxRow, sent.id)
        emptied = await session.get(AttachmentRow, sent.body["document"])
    assert row is not None and row.body.get("purged") and row.status == "sent"
    assert emptied is not None and emptied.content is None
    [request] = [r for r in await requests(bot) if r["kind"] == "access"]
    assert request["met_at"] is not None and request["account_id"] is not None


async def requests(bot: Harness) -> list[dict[str, Any]]:
    async with bot.store.unit_of_work() as uow:
        return await uow.privacy.requests()




async def test_requests_past_their_date_reach_the_administrators(bot: Harness) -> None:
    await bot.join("9001", Role.ADMIN, None)
    await history(bot)  # the copy asked in chat: met at once
    async with bot.store.unit_of_work() as uow:
        account = await uow.accounts.find(CHANNEL, CITIZEN)
        assert account is not None
        number = await privacy.record_request(
            uow, None, RequestKind.CORRECTION, bot.clock(), person=account.id,
            subject=f"account {account.id}", channel="staff",
            calendar=await bot.calendars.around(uow.calendar, bot.clock(), bot.settings.tz),
            rules=bot.settings.deadline_rules)
    assert not [m for m in await bot.tick() if "personal data past" in m.text]
    bot.clock.advance(days=21)  # a Monday morning again, past the 15 days
    told = [m for m in await bot.tick() if "personal data past" in m.text]
    assert [m.chat for m in told] == ["9001"], "to the administrators only"
    assert f"No. {number} · account {account.id}" in told[0].text
    assert not [m for m in await bot.tick() if "personal data past" in m.text], "once a day"


async def test_secrets_and_details_leave_the_outbox_once_sent(bot: Harness) -> None:
    """A sign-in code, an invite and a staff card (the sender's details) are delivered,
    then only the mark that they went stays."""
    recorder = Recorder()
    await bot.join("9001", Role.ADMIN, None)
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = one(STAFF, await bot.text(STAFF, "/dangnhap")).text.split(": ")[1].split("\n")[0]
    invite = one("9001", await bot.text("9001", "/moi staff PTNMT")).text
    token = invite.split("/start ")[-1].split()[0]
    await history(bot)
    await deliver(bot, recorder)
    assert code in str([i.body for i in recorder.delivered]) and token in invite
    left = await rows(bot)
    outbox = "\n".join(line for line in left.splitlines() if line.startswith("outbox:"))
    for secret in (code, code.replace(" ", ""), token, NAME, ADDRESS):
        assert secret not in left if secret in (code, token) else secret not in outbox, \
            [line[:300] for line in outbox.splitlines() if secret in line]
    assert any(item.sensitive for item in recorder.delivered if item.chat.chat_id == STAFF)


SYLLABLES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ",
             "Thị", "Văn", "Minh", "Ngọc", "Thanh", "Quốc", "Hữu", "Thu", "Hồng", "Đức",
             "Khánh", "Phương", "Tuấn", "Hạnh", "Dũng", "Yến", "Lộc", "Thảo", "Nhàn", "Tài")
STREETS = ("Hùng Vương", "Lê Lợi", "Trần Phú", "Nguyễn Trãi", "Quang Trung", "Hai Bà Trưng")
LETTERS = "abcdeghiklmnopqrstuvxyàáảãạăắằẳẵặâấầẩẫậđêếềểễệôốồổỗộơớờởỡợưứừửữự "
_people = iter(range(10**6))


@st.composite
def people(draw: st.DrawFn) -> dict[str, str]:
    """A citizen as varied as the people writing in: a name of three or four words, a
    mobile number typed in one of its common forms, a house and street, a text with an
    e-mail address in it."""
    name = " ".join(draw(st.lists(st.sampled_from(SYLLABLES), min_size=3, max_size=4,
                                  unique=True)))
    digits = "09" + "".join(str(draw(st.integers(0, 9))) for _ in range(8))
    typed = draw(st.sampled_from([
        digits, f"+84{digits[1:]}", f"{digits[:4]} {digits[4:7]} {digits[7:]}",
        f"{digits[:4]}.{digits[4:7]}.{digits[7:]}", f"({digits[:4]}) {digits[4:7]}-{digits[7:]}",
        f"84 {digits[1:4]} {digits[4:7]} {digits[7:]}"]))
    number = draw(st.integers(1, 999))
    address = f"Số {number}, đường {draw(st.sampled_from(STREETS))}, xã Xuân Định"
    mailbox = draw(st.from_regex(r"[a-z]{3,8}\.[a-z]{2,6}", fullmatch=True))
    words = draw(st.text(alphabet=LETTERS, min_size=25, max_size=80)
                 .filter(lambda t: len(t.split()) >= 4))
    return {"name": name, "phone": digits, "typed": typed, "address": address,
            "text": f"Phản ánh {words.strip()} liên hệ {mailbox}@example.vn",
            "email": f"{mailbox}@example.vn", "chat": str(880000000 + next(_people))}


@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(person=people())
async def test_any_person_is_erased_whole(bot: Harness, database_url: str,
                                          person: dict[str, str]) -> None:
    chat = person["chat"]
    start = one(chat, await bot.text(chat, "/phananh"))
    await bot.press(chat, start.payload("cs:"))
    await bot.press(chat, "ch:field:dat_dai")
    await bot.press(chat, "ch:area:26461")
    await bot.text(chat, person["text"])
    await bot.press(chat, "ch:attach:done")
    await bot.text(chat, person["name"])
    await bot.text(chat, person["typed"])
    summary = one(chat, await bot.text(chat, person["address"]))
    one(chat, await bot.press(chat, summary.payload("ch:confirm:send")))
    pieces = {key: person[key].encode() for key in ("name", "phone", "typed", "address",
                                                     "text", "email", "chat")}
    assert pieces["name"] in (await rows(bot)).encode()
    ask = one(chat, await bot.text(chat, "/xoadulieu"))
    await bot.press(chat, ask.payload("xd:yes"))
    await deliver(bot, Recorder())
    left = (await rows(bot)).encode()
    assert not [key for key, piece in pieces.items() if piece in left], person
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        for file in (path, Path(f"{path}-wal")):
            if file.exists():
                raw = file.read_bytes()
                assert not [key for key, piece in pieces.items() if piece in raw], \
                    (file.name, person)


async def test_erasing_twice_keeps_the_pseudonyms(bot: Harness) -> None:
    await history(bot)
    ask = one(CITIZEN, await bot.text(CITIZEN, "/xoadulieu"))
    await bot.press(CITIZEN, ask.payload("xd:yes"))
    async with bot.store.unit_of_work() as uow:
        [erased] = [a for a in (await uow.session.execute(select(AccountRow).where(
            AccountRow.erased_at.is_not(None)))).scalars()]
        chats = set((await uow.session.execute(select(IdentityRow.chat_id).where(
            IdentityRow.account_id == erased.id))).scalars())
        again = await privacy.erase(uow, None, erased.id, bot.clock(),
                                    key=await privacy.pseudonym_key(uow, bot.settings))
        after = set((await uow.session.execute(select(IdentityRow.chat_id).where(
            IdentityRow.account_id == erased.id))).scalars())
    assert after == chats == {alias for _chat, alias in again.chats}
    # The person is still known when they come back: not named until they consent.
    one(CITIZEN, await bot.text(CITIZEN, "/trogiup"))
    async with bot.database.reading() as session:
        names = (await session.execute(select(IdentityRow.profile_name).where(
            IdentityRow.external_id == CITIZEN))).scalars().all()
    assert names == [""]
