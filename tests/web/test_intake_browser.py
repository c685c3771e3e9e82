"""Filing a hotline PAKN for a citizen in headless Chromium: the call came the day before
Tết 2026 and is filed when the office reopens; a scanned letter (PDF) and a photo are
attached; the receipt prints on one A5 sheet without the dashboard around it; the
citizen's text message with the code is in the outbox. Screenshots go to test-artifacts."""

import re
from collections.abc import AsyncIterator
from io import BytesIO

import pytest
from playwright.async_api import Browser, expect
from pypdf import PdfReader
from sqlalchemy import select

from storage.models import CaseRow, OutboxRow
from tests.e2e.browser import ARTIFACTS, png_bytes
from tests.web.intake import FOCAL, LAND, TEXT, intake_site, letter_pdf
from tests.web.site import Site
from tests.web.test_dashboard_browser import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    running = await intake_site(database_url)
    yield running
    await running.close()


async def test_a_hotline_pakn_from_before_tet_is_filed_and_its_receipt_printed(
        site: Site, browser: Browser, request: pytest.FixtureRequest) -> None:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(locale="vi-VN")
    page = await context.new_page()
    await sign_in(page, site, await site.code(FOCAL))
    await page.get_by_role("link", name="Nhập PAKN thay người dân").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nhập phản ánh, kiến nghị thay người dân")

    # First with mistakes: each is said beside its field, and what was typed stays.
    await page.get_by_label("Điện thoại (đường dây nóng 1022)").check()
    await page.locator("#received").fill("2026-02-13T10:00")
    await page.get_by_label("Họ và tên người phản ánh, kiến nghị").fill("Trần Thị Bình")
    await page.get_by_label("Địa chỉ (nơi gửi được văn bản trả lời)").fill("Ấp 2, xã Xuân Bắc")
    await page.get_by_label("Số điện thoại (không bắt buộc)").fill("0912 34")
    await page.get_by_label("Lĩnh vực").select_option("dat_dai")
    await page.get_by_label("Xã, phường").select_option("26428")
    await page.get_by_label("Nội dung phản ánh, kiến nghị").fill(TEXT)
    await page.get_by_label("bằng lời nói").check()
    await page.get_by_role("button", name="Nhập phản ánh, kiến nghị").click()
    await expect(page.locator("#phone-error")).to_contain_text("số điện thoại")
    await expect(page.locator("#phone")).to_have_attribute("aria-invalid", "true")
    assert await page.locator("#name").input_value() == "Trần Thị Bình"
    await page.screenshot(path=str(folder / "errors.png"), full_page=True)

    await page.get_by_label("Số điện thoại (không bắt buộc)").fill("0912 345 678")
    await page.locator("#files").set_input_files([
        {"name": "thu-cong-dan.pdf", "mimeType": "application/pdf", "buffer": letter_pdf(1)},
        {"name": "anh.png", "mimeType": "image/png", "buffer": png_bytes(80, 60)}])
    await page.get_by_role("button", name="Nhập phản ánh, kiến nghị").click()

    # The land office has staff: the focal point is shown the receipt to give.
    code_cell = page.locator("#receipt-code")
    await expect(code_cell).to_have_text(re.compile(r"^PA-2026-\d{6}$"))
    code = await code_cell.inner_text()
    # Friday 13/2 before 15:00; Tết 14–22/2; ten working days: Friday 6/3/2026.
    await expect(page.locator("#receipt-due")).to_contain_text("06/03/2026")
    await expect(page.locator(".receipt-qr")).to_be_visible()
    await page.screenshot(path=str(folder / "receipt.png"), full_page=True)
    await page.emulate_media(media="print")
    await expect(page.locator("header.bar")).to_be_hidden()
    await expect(page.locator("#receipt")).to_be_visible()
    pdf = await page.pdf(prefer_css_page_size=True)
    (folder / "receipt.pdf").write_bytes(pdf)
    printed = PdfReader(BytesIO(pdf))
    assert len(printed.pages) == 1, "one sheet"
    width, height = (float(v) * 25.4 / 72 for v in printed.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (148, 210), "A5"
    assert code in printed.pages[0].extract_text()

    async with site.service.database.reading() as session:
        case = (await session.execute(select(CaseRow).where(CaseRow.code == code))).scalar_one()
        sms = (await session.execute(select(OutboxRow).where(
            OutboxRow.channel == "sms"))).scalars().all()
    assert case.channel == "phone" and case.unit_code == "PTNMT"
    assert [m.chat_id for m in sms] == ["0912345678"] and code in sms[0].body["text"]

    # The unit's staff see the case with the scan and the photo.
    staff = await (await browser.new_context(locale="vi-VN")).new_page()
    await sign_in(staff, site, await site.code(LAND))
    await staff.goto(f"{site.url}/quan-tri/ho-so/{code}")
    await expect(staff.locator("a.scan")).to_have_text("Bản quét thư 1 (PDF)")
    await expect(staff.locator('img[alt="Ảnh 1 gửi kèm PAKN"]')).to_be_visible()
    await staff.screenshot(path=str(folder / "case.png"), full_page=True)
