"""The web chat in a real browser: a citizen files a PAKN, a second window logged in as
staff through an invite takes it, asks for information and resolves it."""

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.e2e.browser import ARTIFACTS, chromium, png
from tests.e2e.service import ServiceProcess

pytestmark = pytest.mark.browser
CODE = re.compile(r"PA-\d{4}-\d{6}")


def last_bot_message(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#log li.bot").last


async def say(page: Page, text: str) -> None:
    await page.get_by_label("Tin nhắn của bạn").fill(text)
    await page.keyboard.press("Enter")


async def press(page: Page, label: str) -> None:
    await last_bot_message(page).get_by_role("button", name=label, exact=True).click()


async def test_pakn_in_the_web_chat(webchat: ServiceProcess, tmp_path: Path,
                                    request: pytest.FixtureRequest) -> None:
    invite = webchat.cli("invite", "--role", "staff", "--unit", "PTNMT")
    token = re.search(r"/start (inv_[A-Za-z0-9_-]+)", invite.stdout)
    assert token is not None, invite.stdout + invite.stderr
    shots = ARTIFACTS / request.node.name
    shots.mkdir(parents=True, exist_ok=True)

    async with chromium() as browser:
        citizen_context = await browser.new_context(
            locale="vi-VN", geolocation={"latitude": 10.9312, "longitude": 107.4125},
            permissions=["geolocation"])
        staff_context = await browser.new_context(locale="vi-VN")
        citizen, staff = await citizen_context.new_page(), await staff_context.new_page()
        await citizen.goto(webchat.url + "/")
        await staff.goto(webchat.url + "/")
        await expect(citizen.get_by_role("heading", level=1)).to_contain_text("PAKN")

        await say(staff, f"/start {token.group(1)}")
        await expect(last_bot_message(staff)).to_contain_text("Phòng Tài nguyên và Môi trường")

        # The chat opens with the notice to agree to: wait for the one /phananh answers,
        # not the one already there, before agreeing.
        shown = citizen.locator("#log li.bot")
        await expect(shown.last).to_contain_text("dữ liệu cá nhân")
        before = await shown.count()
        await say(citizen, "/phananh")
        await expect(shown.nth(before)).to_contain_text("dữ liệu cá nhân")
        await press(citizen, "Tôi đồng ý")
        await expect(last_bot_message(citizen)).to_contain_text("thuộc lĩnh vực nào")
        await press(citizen, "Đất đai")
        await press(citizen, "Xã Xuân Bắc")
        await expect(last_bot_message(citizen)).to_contain_text("20")
        await say(citizen, "Ngập")
        await expect(last_bot_message(citizen)).to_contain_text("quá ngắn")
        await say(citizen, "Đường ấp 3 bị ngập nước hai tuần nay sau khi thi công cống.")
        # Locators are lazy: this one stays on the prompt that carries the button.
        go_on = citizen.locator("#log li.bot").filter(
            has=citizen.get_by_role("button", name="Tiếp tục")).last.get_by_role(
            "button", name="Tiếp tục")
        await expect(go_on).to_be_visible()
        await citizen.set_input_files("#photo", str(png(tmp_path / "photo.png")))
        await expect(last_bot_message(citizen)).to_contain_text("ảnh thứ 1")
        await expect(citizen.locator("#log li.mine img")).to_have_count(1)
        await citizen.get_by_role("button", name="Chia sẻ vị trí của tôi").first.click()
        await expect(citizen.locator("#log li.mine").last).to_contain_text("10.93120")
        await expect(last_bot_message(citizen)).not_to_contain_text("ảnh 1")
        await go_on.click()
        await expect(last_bot_message(citizen)).to_contain_text("họ và tên", ignore_case=True)
        await say(citizen, "Nguyễn Văn An")
        await say(citizen, "0912 345 678")
        await say(citizen, "Số 12, ấp 3, xã Xuân Bắc")
        await expect(last_bot_message(citizen)).to_contain_text("0912 345 678")
        await citizen.screenshot(path=str(shots / "citizen-summary.png"), full_page=True)
        await press(citizen, "Gửi")
        await expect(last_bot_message(citizen)).to_contain_text(CODE)
        code = CODE.search(await last_bot_message(citizen).inner_text())
        assert code is not None

        card = staff.locator("#log li.bot").filter(has_text=code.group(0)).filter(
            has=staff.get_by_role("button", name="Yêu cầu bổ sung"))
        await expect(card).to_have_count(1)
        await expect(staff.locator("#log li.bot img")).to_have_count(1)
        await card.get_by_role("button", name="Nhận xử lý").click()
        await expect(last_bot_message(citizen)).to_contain_text("đang được")
        await expect(card.get_by_role("button", name="Nhận xử lý")).to_have_count(0)

        await card.get_by_role("button", name="Yêu cầu bổ sung").click()
        await say(staff, "Xin cho biết số nhà gần chỗ ngập nhất.")
        await expect(last_bot_message(citizen)).to_contain_text("số nhà gần chỗ ngập")
        await say(citizen, "Gần nhà số 45, đối diện trường tiểu học.")
        await expect(last_bot_message(staff)).to_contain_text("nhà số 45")

        # A written apology with a new date: the citizen gets it with its PDF.
        await card.get_by_role("button", name="Trễ hạn: xin lỗi, hẹn lại").click()
        await expect(last_bot_message(staff)).to_contain_text("xin lỗi")
        await say(staff, "Cần đo đạc lại thực địa cùng UBND xã.")
        await expect(last_bot_message(staff)).to_contain_text("dd/mm/yyyy")
        await last_bot_message(staff).get_by_role("button").first.click()
        await expect(last_bot_message(staff)).to_contain_text("Họ và tên")
        await say(staff, "Trần Văn Bình")
        await expect(last_bot_message(staff)).to_contain_text("Chức danh")
        await say(staff, "Phó Trưởng phòng")
        await expect(last_bot_message(staff)).to_contain_text("VĂN BẢN XIN LỖI")
        await press(staff, "Gửi phiếu xin lỗi")
        document = citizen.get_by_role("link", name="Tải văn bản (PDF)")
        await expect(document).to_have_count(1)
        await expect(citizen.locator("#log li.bot").filter(
            has_text="VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT").filter(
            has_text="Phó Trưởng phòng: Trần Văn Bình")).to_have_count(1)
        pdf = await citizen.request.get(webchat.url + str(await document.get_attribute("href")))
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert (await pdf.body()).startswith(b"%PDF")
        stranger = await (await browser.new_context()).new_page()
        await stranger.goto(webchat.url + "/")
        forbidden = await stranger.request.get(webchat.url + str(
            await document.get_attribute("href")))
        assert forbidden.status == 404, "another visitor cannot fetch it"

        await card.get_by_role("button", name="Giải quyết xong").click()
        await say(staff, "Đã nạo vét cống và thông tuyến thoát nước ngày 5/3.")
        await press(staff, "Gửi trả lời chính thức")
        await expect(citizen.locator("#log li.bot").filter(has_text="nạo vét cống")
                     ).not_to_have_count(0)
        # The rating of the handling, with buttons.
        await expect(last_bot_message(citizen)).to_contain_text("hài lòng")
        await press(citizen, "Rất hài lòng")
        await press(citizen, "Bỏ qua")
        await expect(last_bot_message(citizen)).to_contain_text("Cảm ơn")
        await citizen.screenshot(path=str(shots / "citizen-answer.png"), full_page=True)
        await staff.screenshot(path=str(shots / "staff.png"), full_page=True)

        # The conversation is stored: a reload shows it again.
        await citizen.reload()
        log = citizen.locator("#log")
        await expect(log.locator("li.bot").filter(has_text="nạo vét cống")).not_to_have_count(0)
        await expect(log.get_by_role("link", name="Tải văn bản (PDF)")).to_have_count(1)
        await expect(log.locator("li.mine").filter(has_text="Nguyễn Văn An")).to_have_count(1)
