"""The web chat as a citizen meets it, on a phone (390×844) and a desktop (1280×800): the
greeting and the menu before a word is typed; the newest message always in view above the
typing box (or a "new messages" button when they scrolled up to read); the conversation
back after a reload; their details offered again for a second PAKN; the keyboard alone;
the chat on a portal of another origin from one script tag; axe-core at every step."""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e import axe
from tests.e2e.browser import ARTIFACTS, chromium, png
from tests.e2e.service import ServiceProcess, free_port

pytestmark = pytest.mark.browser
CODE = re.compile(r"PA-\d{4}-\d{6}")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
REUSE = re.compile(r"^(Dùng lại thông tin|Use my details again): Nguyễn Văn An, 09…678$")
# Strings new on this branch read in English until the Vietnamese catalog has them.
DESCRIPTION = "Đường ấp 3 bị ngập nước hai tuần nay sau khi thi công cống thoát nước."

# Where an element is against the part of the screen the conversation has: below the
# header and status, above the typing box, inside the window.
PLACE = """(el) => {
  const r = el.getBoundingClientRect();
  const log = document.getElementById("scroller").getBoundingClientRect();
  const bar = document.getElementById("composer").getBoundingClientRect();
  return { top: r.top, bottom: r.bottom, logTop: log.top,
           floor: Math.min(bar.top, window.innerHeight), innerHeight: window.innerHeight };
}"""
# The same for the first occurrence of a text inside an element (the tracking code).
TEXT_PLACE = """([el, text]) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + text.length);
    const r = range.getBoundingClientRect();
    const log = document.getElementById("scroller").getBoundingClientRect();
    const bar = document.getElementById("composer").getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, logTop: log.top,
             floor: Math.min(bar.top, window.innerHeight), innerHeight: window.innerHeight };
  }
  return null;
}"""


def last_bot(page: Page) -> Locator:
    return page.locator("#log li.bot").last


async def newest_in_view(page: Page, where: str) -> None:
    """The end of the newest message is on screen, not under the typing box."""
    newest = page.locator("#log li").last
    place: dict[str, float] = await newest.evaluate(PLACE)
    assert place["logTop"] - 1 <= place["bottom"] <= place["floor"] + 1, (where, place)
    assert await page.locator("#jump").is_hidden(), where


async def step(page: Page, shots: Path, name: str) -> None:
    await newest_in_view(page, name)
    await axe.check(page, name)
    await page.screenshot(path=str(shots / f"{name}.png"))


async def say(page: Page, text: str) -> None:
    await page.get_by_label("Tin nhắn của bạn").fill(text)
    await page.keyboard.press("Enter")


async def press(page: Page, label: str | re.Pattern[str]) -> None:
    await last_bot(page).get_by_role("button", name=label, exact=isinstance(label, str)).click()


async def citizen(browser: Browser, viewport: dict[str, int], **options: Any) -> BrowserContext:
    return await browser.new_context(
        locale="vi-VN", viewport=viewport, has_touch=viewport is PHONE,
        is_mobile=viewport is PHONE, geolocation={"latitude": 10.9312, "longitude": 107.4125},
        permissions=["geolocation"], **options)


def shots_for(request: pytest.FixtureRequest) -> Path:
    shots = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shots.mkdir(parents=True, exist_ok=True)
    return shots


async def code_in_view(page: Page, where: str) -> str:
    """The receipt's tracking code, asserted wholly on screen when it arrives."""
    receipt = last_bot(page)
    await expect(receipt).to_contain_text(CODE)
    found = CODE.search(await receipt.inner_text())
    assert found is not None
    place = await page.evaluate(TEXT_PLACE, [await receipt.element_handle(), found.group(0)])
    assert place is not None
    assert place["logTop"] - 1 <= place["top"] and place["bottom"] <= place["floor"] + 1, (
        where, place)
    assert place["bottom"] <= place["innerHeight"]
    return found.group(0)


@pytest.mark.parametrize("viewport", VIEWPORTS)
async def test_a_whole_pakn_keeps_the_newest_message_in_view(
        webchat: ServiceProcess, tmp_path: Path, viewport: dict[str, int],
        request: pytest.FixtureRequest) -> None:
    invite = webchat.cli("invite", "--role", "staff", "--unit", "PTNMT")
    token = re.search(r"/start (inv_[A-Za-z0-9_-]+)", invite.stdout)
    assert token is not None, invite.stdout + invite.stderr
    shots = shots_for(request)
    async with chromium() as browser:
        staff = await (await browser.new_context(locale="vi-VN")).new_page()
        await staff.goto(f"{webchat.url}/?start={token.group(1)}")
        await expect(last_bot(staff)).to_contain_text("Phòng Tài nguyên và Môi trường")
        page = await (await citizen(browser, viewport)).new_page()
        await page.goto(webchat.url + "/")
        # The greeting and the menu, then the notice to agree to, before anything typed.
        await expect(page.locator("#log li.bot").first).to_contain_text("Xin chào")
        await expect(page.locator("#log li.bot").first.get_by_role(
            "button", name="Gửi phản ánh")).to_be_visible()
        await expect(last_bot(page)).to_contain_text("dữ liệu cá nhân")
        await expect(page.locator("#log li.mine")).to_have_count(0)
        await step(page, shots, "01-greeting")
        await press(page, "Tôi đồng ý")
        await expect(last_bot(page)).to_contain_text("đã được ghi nhận")
        await step(page, shots, "02-consent")
        await press(page, "Gửi phản ánh")
        await expect(last_bot(page)).to_contain_text("lĩnh vực")
        await step(page, shots, "03-field")
        await press(page, "Đất đai")
        await expect(last_bot(page)).to_contain_text("xã")
        await step(page, shots, "04-area")
        await press(page, "Xã Xuân Bắc")
        await expect(last_bot(page)).to_contain_text("20")
        await step(page, shots, "05-describe")
        await say(page, DESCRIPTION)
        await expect(last_bot(page).get_by_role("button", name="Tiếp tục")).to_be_visible()
        await step(page, shots, "06-attach")
        await page.set_input_files("#photo", str(png(tmp_path / "photo.png", 600, 900)))
        await expect(page.locator("#log li.mine img")).to_have_count(1)
        await expect(last_bot(page)).to_contain_text("1")
        # The tall photo loads after it is placed: the view follows it down.
        await page.wait_for_function(
            "() => [...document.querySelectorAll('#log img')].every((i) => i.complete)")
        await step(page, shots, "07-photo")
        await page.locator("#location").click()
        await expect(page.locator("#log li.mine").last).to_contain_text("10.93120")
        await expect(last_bot(page)).to_contain_text("vị trí")
        await step(page, shots, "08-location")
        await press(page, "Tiếp tục")
        await expect(last_bot(page)).to_contain_text("Họ và tên")
        await step(page, shots, "09-name")
        await say(page, "Nguyễn Văn An")
        # No "press the button to share" where the web chat has none.
        await expect(last_bot(page)).to_contain_text(re.compile("Số điện thoại|phone number"))
        await expect(last_bot(page)).not_to_contain_text("nhấn nút")
        await step(page, shots, "10-phone")
        await say(page, "0912 345 678")
        await say(page, "Số 12, ấp 3, xã Xuân Bắc")
        await expect(last_bot(page)).to_contain_text("0912 345 678")
        await step(page, shots, "11-summary")
        await press(page, "Gửi")
        first = await code_in_view(page, "receipt")
        await step(page, shots, "12-receipt")

        # Scrolled up to read: what arrives does not pull them down, a button says so.
        await page.locator("#scroller").evaluate("(el) => { el.scrollTop = 0; }")
        card = staff.locator("#log li.bot").filter(has_text=first)
        await card.get_by_role("button", name="Nhận xử lý").click()
        jump = page.locator("#jump")
        await expect(jump).to_be_visible()
        assert await page.locator("#scroller").evaluate("(el) => el.scrollTop") < 50
        await axe.check(page, "new messages")
        await page.screenshot(path=str(shots / "13-new-messages.png"))
        await jump.click()
        await expect(jump).to_be_hidden()
        await expect(last_bot(page)).to_contain_text("đang được")
        await newest_in_view(page, "after the new-messages button")

        # A reload shows the whole conversation, the newest message in view.
        await page.reload()
        await expect(page.locator("#log li.mine").filter(has_text="Nguyễn Văn An")
                     ).to_have_count(1)
        await expect(page.locator("#log li.bot").filter(has_text=first)).not_to_have_count(0)
        await expect(page.locator("#log li.mine").filter(has_text="/start")).to_have_count(0)
        await expect(page.locator("#log li.bot").filter(has_text="Xin chào")).to_have_count(1)
        await step(page, shots, "14-reloaded")

        # A second PAKN: the details of the first, one tap, masked on the button.
        await say(page, "/phananh")
        await press(page, "Môi trường")
        await press(page, "Xã Xuân Bắc")
        await say(page, "Bãi rác tự phát cạnh chợ gây ô nhiễm nặng cho cả khu dân cư.")
        await press(page, "Tiếp tục")
        reuse = last_bot(page).get_by_role("button", name=REUSE)
        await expect(reuse).to_be_visible()
        await expect(last_bot(page)).not_to_contain_text("0912")
        await step(page, shots, "15-reuse")
        await reuse.click()
        await expect(last_bot(page)).to_contain_text("Số 12, ấp 3, xã Xuân Bắc")
        await expect(last_bot(page)).to_contain_text("0912 345 678")
        await press(page, "Gửi")
        second = await code_in_view(page, "second receipt")
        assert second != first
        await step(page, shots, "16-second-receipt")
