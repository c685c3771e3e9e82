"""A scanned letter staff send as a PDF file in their chat while taking a PAKN
(/nhaphananh): kept by the channel's id, counted in the summary, attached to the case and
sent to the unit as a document; refused in words when too large or one too many; read
whole the first time it is opened, and never kept when what comes back is no PDF."""

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from telegram import Update

from bot.channels.telegram.adapter import to_incoming
from bot.files.media import Media
from bot.files.scans import PDF
from bot.spine.messages import Document, FileRef, Kind
from complaints.people import Role
from storage.models import AttachmentRow
from tests.clock import Clock
from tests.conversation.harness import Harness, Out, one, to
from tests.web.intake import letter_pdf

FOCAL, LAND = "4101", "4102"
TEXT = "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất nộp từ tháng 10 vẫn chưa có kết quả."


async def until_attachments(bot: Harness, clock: Clock) -> Out:
    """A letter taken by the focal point, up to the attachments' question."""
    clock.now = datetime.fromisoformat("2026-03-02T02:00:00+00:00")
    await bot.join(FOCAL, Role.STAFF, "VP")
    await bot.join(LAND, Role.STAFF, "PTNMT")
    await bot.text(FOCAL, "/nhaphananh")
    await bot.press(FOCAL, "ti:origin:letter")
    await bot.text(FOCAL, "14h30 ngày 27/2/2026")
    await bot.text(FOCAL, "Trần Thị Bình")
    await bot.press(FOCAL, "ti:phone:-")
    await bot.text(FOCAL, "Ấp 2, xã Xuân Bắc")
    await bot.press(FOCAL, "ti:email:-")
    await bot.press(FOCAL, "ti:field:dat_dai")
    await bot.press(FOCAL, "ti:area:26428")
    return one(FOCAL, await bot.text(FOCAL, TEXT))


async def send_pdf(bot: Harness, file_id: str, size: int = 180_000) -> list[Out]:
    return await bot.send(FOCAL, Kind.DOCUMENT, document=Document(
        FileRef("telegram", file_id), name=f"{file_id}.pdf", size=size))


async def test_a_pdf_sent_in_the_chat_goes_with_the_case_to_the_unit(bot: Harness,
                                                                    clock: Clock) -> None:
    asked = await until_attachments(bot, clock)
    assert "PDF file" in asked.text
    kept = one(FOCAL, await send_pdf(bot, "letter-scan"))
    assert "Scanned letter 1 of at most 5" in kept.text
    await bot.press(FOCAL, kept.payload("ti:attach:done"))
    summary = one(FOCAL, await bot.press(FOCAL, "ti:consent:written"))
    assert "Scanned letters (PDF): 1" in summary.text and "Photos: 0" in summary.text
    filed = await bot.press(FOCAL, summary.payload("ti:confirm:file"))
    code = to(FOCAL, filed)[0].text.split("Tracking code: ")[1].split()[0]
    unit = to(LAND, filed)
    assert code in unit[0].text, "the card first"
    scans = [out for out in unit if out.document is not None]
    assert len(scans) == 1 and f"{code}: scanned letter 1 (PDF)" in scans[0].text
    async with bot.store.unit_of_work() as uow:
        row = (await uow.session.execute(select(AttachmentRow).where(
            AttachmentRow.id == scans[0].document))).scalar_one()
    assert (row.mime, row.telegram_file_id, row.filename) == (PDF, "letter-scan", "scan-1.pdf")
    assert row.case_id == (await bot.case(code)).id


async def test_too_large_or_one_too_many_is_refused_in_words(bot: Harness,
                                                            clock: Clock) -> None:
    await until_attachments(bot, clock)
    large = one(FOCAL, await send_pdf(bot, "atlas", size=11 << 20))
    assert large.text == "atlas.pdf: the file is larger than 10 MB."
    for number in range(1, 6):
        assert f"Scanned letter {number} of" in one(FOCAL, await send_pdf(bot, f"p{number}")).text
    sixth = one(FOCAL, await send_pdf(bot, "p6"))
    assert "already added 5 files" in sixth.text
    async with bot.store.unit_of_work() as uow:
        kept = (await uow.session.execute(select(AttachmentRow.telegram_file_id).where(
            AttachmentRow.mime == PDF))).scalars().all()
    assert sorted(kept) == [f"p{n}" for n in range(1, 6)]


async def test_a_pdf_elsewhere_is_a_message_the_bot_cannot_read(bot: Harness) -> None:
    answer = one(FOCAL, await send_pdf(bot, "stray"))
    assert "I can only read text, photos and locations" in answer.text


async def test_channels_that_keep_no_file_ids_ask_for_photos_only(bot: Harness,
                                                                 clock: Clock) -> None:
    bot.channel = "webchat"
    asked = await until_attachments(bot, clock)
    assert "PDF" not in asked.text and "photos of the letter" in asked.text


def telegram_document(mime: str | None, name: str | None) -> dict[str, object]:
    document: dict[str, object] = {"file_id": "BQACAgUAAx", "file_unique_id": "AgAD",
                                   "file_size": 52_000}
    if mime is not None:
        document["mime_type"] = mime
    if name is not None:
        document["file_name"] = name
    return {"update_id": 7, "message": {
        "message_id": 3, "date": 1772416800, "caption": "thư của bà Bình",
        "chat": {"id": 4101, "type": "private"},
        "from": {"id": 4101, "is_bot": False, "first_name": "Lan"}, "document": document}}


def test_telegram_reads_a_pdf_by_its_type_or_its_name_and_nothing_else() -> None:
    def kind(mime: str | None, name: str | None) -> Kind:
        message = to_incoming(Update.de_json(telegram_document(mime, name), None))
        assert message is not None
        return message.kind

    assert kind(PDF, "thu.pdf") is Kind.DOCUMENT
    assert kind("application/octet-stream", "THU.PDF") is Kind.DOCUMENT
    assert kind(None, "scan.pdf") is Kind.DOCUMENT
    assert kind("image/jpeg", "anh.jpg") is Kind.PHOTO
    assert kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "don.docx") is Kind.UNSUPPORTED
    message = to_incoming(Update.de_json(telegram_document(PDF, "thu.pdf"), None))
    assert message is not None and message.document is not None
    assert (message.document.file, message.document.name, message.document.size) == (
        FileRef("telegram", "BQACAgUAAx"), "thu.pdf", 52_000)
    assert message.text == "thư của bà Bình"


MIMES = st.one_of(st.none(), st.text(max_size=30), st.sampled_from(
    [PDF, "application/octet-stream", "image/png", "image/jpeg", "text/plain"]))
NAMES = st.one_of(st.none(), st.tuples(
    st.text(max_size=30), st.sampled_from(["", ".pdf", ".PDF", ".Pdf", ".docx", ".jpg"])
).map("".join))


@given(MIMES, NAMES)
def test_any_document_is_read_as_a_pdf_exactly_when_it_says_it_is_one(
        mime: str | None, name: str | None) -> None:
    message = to_incoming(Update.de_json(telegram_document(mime, name), None))
    assert message is not None
    says_pdf = mime == PDF or (name or "").lower().endswith(".pdf")
    if says_pdf and not (mime or "").startswith("image/"):
        assert message.kind is Kind.DOCUMENT and message.document is not None
    elif (mime or "").startswith("image/"):
        assert message.kind is Kind.PHOTO
    else:
        assert message.kind is Kind.UNSUPPORTED and message.document is None


async def test_a_scan_is_read_whole_when_first_opened_and_kept_only_if_a_pdf(
        bot: Harness, clock: Clock) -> None:
    await until_attachments(bot, clock)
    await send_pdf(bot, "good")
    await send_pdf(bot, "not-a-pdf")
    letter = letter_pdf(pages=2)
    served = {"good": letter, "not-a-pdf": b"%PDF-1.4 this is not a PDF at all"}
    media = Media(bot.store, bot.clock)

    async def download(file_id: str) -> bytes:
        return served[file_id]
    media.download = download
    async with bot.store.unit_of_work() as uow:
        ids = dict((await uow.session.execute(select(
            AttachmentRow.telegram_file_id, AttachmentRow.id).where(
            AttachmentRow.mime == PDF))).all())
    good = await media.with_content(ids["good"])
    assert good is not None and (good.content, good.mime) == (letter, PDF)
    assert await media.with_content(ids["not-a-pdf"]) is None
    async with bot.store.unit_of_work() as uow:
        contents = dict((await uow.session.execute(select(
            AttachmentRow.telegram_file_id, AttachmentRow.content).where(
            AttachmentRow.mime == PDF))).all())
    assert contents == {"good": letter, "not-a-pdf": None}
