"""Photos sent in chat: the hourly quota of a person, answered politely, with the rest
of the message kept; and photos no case took, deleted after a day."""

from dataclasses import replace

from sqlalchemy import select

from bot.core.records import FileKind
from bot.spine.messages import FileRef, Kind, Photo
from storage.models import AttachmentRow, UploadQuotaRow
from tests.conversation.harness import CHANNEL, Harness, one
from tests.conversation.test_pakn_flow import file_pakn

CITIZEN, OTHER = "1001", "1002"


async def start_filing(bot: Harness, chat: str) -> None:
    start = await bot.text(chat, "/phananh")
    if "ch:field" not in str(start):
        await bot.press(chat, one(chat, start).payload("cs:"))
    await bot.press(chat, "ch:field:dat_dai")
    await bot.press(chat, "ch:area:26428")
    await bot.text(chat, "The road in hamlet 3 has been flooded for two weeks after the works.")


async def photo(bot: Harness, chat: str, file_id: str, caption: str | None = None) -> str:
    return one(chat, await bot.send(chat, Kind.PHOTO, text=caption,
                                    photo=Photo(file=FileRef(CHANNEL, file_id), size=300_000))).text


async def files(bot: Harness) -> list[AttachmentRow]:
    async with bot.database.reading() as session:
        return list((await session.execute(select(AttachmentRow).order_by(AttachmentRow.id)))
                    .scalars())


async def test_photos_past_the_hours_quota_are_refused_politely(bot: Harness) -> None:
    bot.dispatcher.settings = replace(bot.settings, uploads_per_hour=2)
    await start_filing(bot, CITIZEN)
    assert "Photo 1 of at most" in await photo(bot, CITIZEN, "p1")
    assert "Photo 2 of at most" in await photo(bot, CITIZEN, "p2")
    refused = await photo(bot, CITIZEN, "p3", caption="The drain is blocked too.")
    assert "2 files in the past hour" in refused and "after the hour" in refused
    assert len(await files(bot)) == 2, "the refused photo is not kept"
    async with bot.database.reading() as session:
        counted = (await session.execute(select(UploadQuotaRow.uploads).where(
            UploadQuotaRow.subject.like("account:%")))).scalar_one()
    assert counted == 2, "a refused photo is not counted against the person"

    bot.clock.advance(hours=1)
    assert "Photo 3 of at most" in await photo(bot, CITIZEN, "p4")
    await bot.location(CITIZEN, 10.93, 107.41)
    await bot.text(CITIZEN, "Continue")
    await bot.text(CITIZEN, "Nguyễn Văn An")
    await bot.contact(CITIZEN, "+84912345678")
    confirm = one(CITIZEN, await bot.text(CITIZEN, "Ấp 3, xã Xuân Bắc"))
    assert "The drain is blocked too." in confirm.text, "the refused photo's caption stays"
    await bot.press(CITIZEN, confirm.payload("ch:confirm:send"))
    assert [row.telegram_file_id for row in await files(bot) if row.case_id] == [
        "p1", "p2", "p4"]


async def test_a_person_quota_counts_bytes_too(bot: Harness) -> None:
    bot.dispatcher.settings = replace(bot.settings, upload_bytes_per_hour=1 << 20)
    await start_filing(bot, CITIZEN)
    for number in (1, 2, 3):
        assert f"Photo {number} of at most" in await photo(bot, CITIZEN, f"p{number}")
    assert "1 MB of files in the past hour" in await photo(bot, CITIZEN, "p4")
    await start_filing(bot, OTHER)  # another person has their own quota
    assert "Photo 1 of at most" in await photo(bot, OTHER, "q1")


async def test_photos_no_case_took_are_deleted_after_a_day(bot: Harness) -> None:
    code = await file_pakn(bot, CITIZEN)  # its photo belongs to the case
    await start_filing(bot, OTHER)
    await photo(bot, OTHER, "abandoned")  # and the PAKN is never sent
    async with bot.store.unit_of_work() as uow:
        account = await uow.accounts.find("telegram", OTHER)
        assert account is not None
        await uow.attachments.add(account.id, "telegram", bot.clock(), content=b"%PDF-",
                                  mime="application/pdf", filename="made.pdf",
                                  kind=FileKind.DOCUMENT)
        await uow.attachments.add(account.id, "telegram", bot.clock(), content=b"x",
                                  mime="text/csv", filename="e.csv", kind=FileKind.EXPORT)

    bot.clock.advance(hours=23, minutes=59)
    await bot.tick()
    assert len(await files(bot)) == 4, "nothing is deleted within the day"

    bot.clock.advance(minutes=2)
    await bot.tick()
    kept = await files(bot)
    assert "abandoned" not in [row.telegram_file_id for row in kept]
    assert sorted(row.kind for row in kept) == ["document", "export", "upload"]
    case = await bot.case(code)
    assert [row.case_id for row in kept if row.kind == "upload"] == [case.id]


async def test_photos_are_deleted_at_night_and_on_holidays_too(bot: Harness) -> None:
    await start_filing(bot, OTHER)
    await photo(bot, OTHER, "abandoned")
    bot.clock.advance(days=5, hours=14)  # Saturday night
    await bot.tick()
    assert await files(bot) == []
