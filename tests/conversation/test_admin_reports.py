"""Administrators' figures in chat: /thongke answers with the table and a chart,
/xuat with the workbook and the case list; others are refused."""

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from complaints.people import Role
from storage.models import AttachmentRow
from tests.conversation.harness import Harness, one, to
from tests.conversation.test_pakn_flow import CITIZEN
from tests.conversation.test_survey import answer_all, link

ADMIN = "5001"


async def attachment(bot: Harness, attachment_id: int) -> AttachmentRow:
    async with bot.database.reading() as session:
        return (await session.execute(select(AttachmentRow).where(
            AttachmentRow.id == attachment_id))).scalar_one()


async def test_stats_and_exports_in_chat(bot: Harness) -> None:
    token = await link(bot)
    started = to(CITIZEN, await bot.text(CITIZEN, f"/start {token}"))
    await answer_all(bot, CITIZEN, started[-1], 5)
    assert "Only administrators" in one(CITIZEN, await bot.text(CITIZEN, "/thongke")).text
    await bot.join(ADMIN, Role.ADMIN, None)

    table, chart = to(ADMIN, await bot.text(ADMIN, "/thongke 2026-Q1"))
    assert "Indicators for 2026-Q1 (01/01/2026 to 31/03/2026)" in table.text
    # A desk's poster gives an unverified rating: shown beside the figure, not in it.
    assert "Satisfaction with procedures: no data yet · target 92.0%" in table.text
    assert "Unverified ratings (not counted toward the target): 100.0% (1/1) · 95% CI" \
        in table.text
    png = await attachment(bot, chart.photo or 0)
    assert png.mime == "image/png" and png.content and png.content.startswith(b"\x89PNG")
    assert len(png.content) > 10_000, "a real chart, not an empty image"
    assert "Write the period" in one(ADMIN, await bot.text(ADMIN, "/thongke 2026-Q5")).text

    workbook, table_csv = to(ADMIN, await bot.text(ADMIN, "/xuat 2026-03"))
    xlsx = await attachment(bot, workbook.document or 0)
    assert xlsx.filename == "pakn-2026-03.xlsx"
    book = load_workbook(BytesIO(xlsx.content or b""), read_only=True)
    ratings = list(book["Ratings"].iter_rows(values_only=True))
    assert ratings[1][1:7] == ("Xuan Bac Commune People's Committee", "Civil status",
                               "Birth registration", "Telegram", "no", 5)
    assert ratings[1][-2:] == ("1.001193", "telegram"), "the codes again, for programs"
    csv_file = await attachment(bot, table_csv.document or 0)
    assert csv_file.filename == "pakn-2026-03-cases.csv" and csv_file.mime == "text/csv"
    assert (csv_file.content or b"").decode("utf-8-sig").startswith("Code,Received")
