"""The dashboard in headless Chromium: staff sign in with the code the bot gave them in
the web chat and handle their unit's cases; an administrator reads the indicators (the
figures of `pakn stats --json`), drills down, exports, and edits the directory, the
calendar and the invites. Screenshots of every page go to test-artifacts."""

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.numbers import format_percent
from openpyxl import load_workbook
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from bot.core.invites import create_invite
from complaints.people import Role
from storage.models import CaseRow, OutboxRow
from tests.e2e import published
from tests.e2e.browser import ARTIFACTS
from tests.web.site import Site

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


async def shoot(page: Page, request: pytest.FixtureRequest, name: str) -> None:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def sign_in(page: Page, site: Site, code: str) -> None:
    await page.goto(f"{site.url}/quan-tri")
    await page.get_by_label("Mã do bot gửi").fill(code)
    await page.get_by_role("button", name="Đăng nhập").click()


async def case_row(site: Site, code: str) -> CaseRow:
    async with site.service.database.reading() as session:
        return (await session.execute(select(CaseRow).where(CaseRow.code == code))
                ).scalar_one()


async def said_to_citizen(site: Site) -> list[str]:
    async with site.service.database.reading() as session:
        rows = (await session.execute(select(OutboxRow.body).where(
            OutboxRow.channel == "telegram", OutboxRow.chat_id == "1001")
            .order_by(OutboxRow.id))).scalars()
        return [body["text"] for body in rows]


async def test_staff_sign_in_from_the_web_chat_and_handle_their_cases(
        site: Site, browser: Browser, request: pytest.FixtureRequest) -> None:
    async with site.service.store.unit_of_work() as uow:
        token = await create_invite(uow.invites, Role.STAFF, "PKTHT", None, site.clock(), 7)
    context = await browser.new_context(locale="vi-VN")
    chat = await context.new_page()
    await chat.goto(f"{site.url}/")
    composer = chat.get_by_label("Tin nhắn của bạn")
    await composer.fill(f"/start {token}")
    await composer.press("Enter")
    await expect(chat.locator("#log li.bot").last).to_contain_text("Phòng Kinh tế và Hạ tầng")
    await composer.fill("/dangnhap")
    await composer.press("Enter")
    answer = chat.locator("#log li.bot").last
    await expect(answer).to_contain_text("Mã đăng nhập")
    code = re.search(r"(\d{4}) (\d{4})", await answer.inner_text())
    assert code is not None

    page = await context.new_page()
    await page.goto(f"{site.url}/quan-tri/ho-so")
    await expect(page).to_have_url(re.compile(r"/quan-tri/dang-nhap\?next="))
    await shoot(page, request, "sign-in")
    await page.get_by_label("Mã do bot gửi").fill(code.group(1) + " " + code.group(2))
    await page.get_by_role("button", name="Đăng nhập").click()
    await expect(page).to_have_url(re.compile(r"/quan-tri/ho-so$"))
    rows = page.locator("#cases tbody tr")
    await expect(rows).to_have_count(2)
    late = page.locator(f'tr[data-code="{published.LATE_CODE}"]')
    await expect(late.locator(".badge.late")).to_be_visible()
    await shoot(page, request, "inbox")

    await late.get_by_role("link").click()
    await expect(page.locator("h1")).to_contain_text(published.LATE_CODE)
    assert "0912345678" in await page.locator("dl").inner_text()  # staff see the sender
    photo = page.locator('img[alt^="Ảnh 1"]')
    await expect(photo).to_be_visible()
    assert await photo.evaluate("i => i.complete && i.naturalWidth == 40")
    await page.get_by_role("button", name="Nhận xử lý").click()
    await expect(page.locator(".flash").first).to_contain_text(published.LATE_CODE)
    assert (await case_row(site, published.LATE_CODE)).status == "in_progress"

    await page.locator("summary", has_text="Nhắn người gửi").click()
    await page.locator("#reply-text").fill("Đội điện đã được cử kiểm tra trong tuần này.")
    await page.get_by_role("button", name="Gửi tin nhắn").click()
    await expect(page.locator(".flash").first).to_contain_text("Đã gửi")

    # A rule broken in the browser is explained, and what was typed is kept.
    await page.locator("summary", has_text="Văn bản xin lỗi").click()
    await page.locator("#apology-text").fill("Chờ vật tư thay thế.")
    await page.locator("#apology-day").fill("2026-10-10")  # a Saturday
    await page.locator("#apology-name").fill("Trần Thị Hoa")
    await page.locator("#apology-title").fill("Chuyên viên")
    await page.get_by_role("button", name="Gửi phiếu xin lỗi").click()
    await expect(page.locator(".flash.error")).to_contain_text("ngày làm việc")
    await expect(page.locator("#apology-text")).to_have_value("Chờ vật tư thay thế.")
    await page.locator("#apology-day").fill("2026-10-09")
    await page.get_by_role("button", name="Gửi phiếu xin lỗi").click()
    await expect(page.locator(".flash").first).to_contain_text("09/10/2026")
    # The scheduler had already apologised on the unit's behalf, without a date.
    await expect(page.get_by_role("link", name=re.compile("Văn bản xin lỗi số"))).to_have_count(2)
    assert (await case_row(site, published.LATE_CODE)).extended_due_at is not None
    await shoot(page, request, "case")

    await page.locator("summary", has_text="Trả lời chính thức").click()
    await page.locator("#resolve-text").fill("Đã thay bóng đèn và dây dẫn ấp 5 ngày 8/10.")
    await page.get_by_label("Đây là trả lời chính thức").check()
    await page.get_by_role("button", name="Gửi trả lời chính thức và đóng hồ sơ").click()
    await expect(page.locator("#status")).to_have_text("Đã giải quyết xong")
    assert await page.locator("summary").count() == 0  # nothing left to do on it
    citizen = "\n".join(await said_to_citizen(site))
    for text in ("Đội điện đã được cử kiểm tra", "09/10/2026", "Đã thay bóng đèn"):
        assert text in citizen

    await page.goto(f"{site.url}/quan-tri/ho-so/{published.OPEN_CODE}")
    await page.locator("summary", has_text="Chuyển đơn vị khác").click()
    await page.locator("#transfer-unit").select_option("PTNMT")
    await page.locator("#transfer-text").fill("Đường thuộc dự án do Phòng TNMT quản lý.")
    await page.get_by_role("button", name="Chuyển đơn vị", exact=True).click()
    await expect(page.locator(".flash").first).to_contain_text(published.OPEN_CODE)
    await expect(page.locator("#cases tbody tr")).to_have_count(0)
    assert (await case_row(site, published.OPEN_CODE)).unit_code == "PTNMT"
    await page.goto(f"{site.url}/quan-tri/ho-so/{published.OPEN_CODE}")
    # No longer theirs:
    await expect(page.locator("body")).to_contain_text("Hồ sơ này thuộc đơn vị khác")


async def stats(site: Site, *args: str) -> dict[str, Any]:
    """`pakn stats --json` on the same database, run beside the service (which goes on)."""
    env = {"PAKN_DATABASE_URL": str(site.service.settings.database_url), "PATH": "/usr/bin"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "stats", "--period", published.PERIOD, "--json", *args,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return dict(json.loads(out))


async def cards(page: Page) -> dict[str, str]:
    found = {}
    for key in ("satisfaction", "pakn_on_time", "pakn_satisfaction"):
        found[key] = await page.locator(f'.card[data-indicator="{key}"] .value').inner_text()
    return found


def shown(figures: dict[str, Any]) -> dict[str, str]:
    return {key: ("—" if figures[key]["rate"] is None
                  else format_percent(figures[key]["rate"], "#,##0.0%", locale="vi"))
            for key in ("satisfaction", "pakn_on_time", "pakn_satisfaction")}


async def test_an_administrator_does_their_job_in_the_browser(
        site: Site, browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    await site.join("admin", Role.ADMIN, None)
    context = await browser.new_context(locale="vi-VN", accept_downloads=True)
    page = await context.new_page()
    await sign_in(page, site, await site.code("admin"))
    await expect(page).to_have_url(re.compile(r"/quan-tri/chi-so$"))

    await page.goto(f"{site.url}/quan-tri/chi-so?period={published.PERIOD}")
    assert await cards(page) == shown(await stats(site))
    for image in await page.locator("figure img").all():
        assert await image.evaluate("i => i.complete && i.naturalWidth > 0")
    await shoot(page, request, "indicators")
    await page.locator("#unit").select_option("VPDKDD")
    await page.get_by_role("button", name="Xem").click()
    await expect(page).to_have_url(re.compile(r"unit=VPDKDD"))
    assert await cards(page) == shown(await stats(site, "--unit", "VPDKDD"))

    await page.goto(f"{site.url}/quan-tri/chi-so?period={published.PERIOD}")
    await page.locator('#by-unit-table tr[data-code="PTNMT"] a').click()
    await expect(page.get_by_role("status")).to_have_text("33 hồ sơ")
    await expect(page.locator("#cases tbody tr")).to_have_count(25)
    await page.goto(f"{site.url}/quan-tri/ho-so?status=late")
    await expect(page.locator("#cases tbody tr")).to_have_count(1)
    await shoot(page, request, "late")

    await page.goto(f"{site.url}/quan-tri/xuat?period={published.PERIOD}")
    await shoot(page, request, "exports")
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Tải XLSX").click()
    workbook_path = tmp_path / "export.xlsx"
    await (await download_info.value).save_as(workbook_path)
    assert len(load_workbook(workbook_path, read_only=True).sheetnames) >= 3
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Tải danh sách hồ sơ (CSV)").click()
    table = tmp_path / "cases.csv"
    await (await download_info.value).save_as(table)
    assert table.read_text("utf-8-sig").count("PA-2026-") == 35

    await page.goto(f"{site.url}/quan-tri/danh-ba")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Tải danh mục (YAML)").click()
    source = tmp_path / "directory.yaml"
    await (await download_info.value).save_as(source)
    directory = yaml.safe_load(source.read_text("utf-8"))
    directory["fields"][0]["name"]["vi"] = "Đất đai và tài nguyên"
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(directory, allow_unicode=True), "utf-8")
    await page.locator("#file").set_input_files(str(edited))
    await page.get_by_role("button", name="Tải lên và thay thế").click()
    await expect(page.locator("#summary")).to_contain_text("Đất đai và tài nguyên")
    broken = tmp_path / "broken.yaml"
    broken.write_text(source.read_text("utf-8").replace("focal_unit: VP", "focal_unit: XX"),
                      "utf-8")
    await page.locator("#file").set_input_files(str(broken))
    await page.get_by_role("button", name="Tải lên và thay thế").click()
    await expect(page.locator(".flash.error")).to_contain_text("không có gì thay đổi")
    await expect(page.locator("#summary")).to_contain_text("Đất đai và tài nguyên")
    await shoot(page, request, "directory")

    await page.goto(f"{site.url}/quan-tri/lich?year=2026")
    await page.locator("#day").fill("2026-10-09")
    await page.locator("#reason").fill("Quyết định 1234/QĐ-UBND")
    await page.get_by_role("button", name="Lưu ngày").click()
    await expect(page.locator("#calendar")).to_contain_text("09/10/2026")
    await expect(page.locator("#calendar")).to_contain_text("Quyết định 1234/QĐ-UBND")
    await shoot(page, request, "calendar")

    await page.goto(f"{site.url}/quan-tri/moi")
    await page.locator("#unit").select_option("PTNMT")
    await page.get_by_role("button", name="Tạo lời mời").click()
    invite = re.search(r"/start (inv_[A-Za-z0-9_-]+)", await page.locator("#invite").inner_text())
    assert invite is not None
    await shoot(page, request, "invites")
    joined = "\n".join(await site.say("new-staff", f"/start {invite.group(1)}"))
    assert "Phòng Tài nguyên và Môi trường" in joined
