"""The web chat as a citizen meets it, on a phone (390×844) and a desktop (1280×800): the
greeting and the menu before a word is typed; the newest message always in view above the
typing box (or a "new messages" button when they scrolled up to read); the conversation
back after a reload; their details offered again for a second PAKN; the keyboard alone;
the chat on a portal of another origin from one script tag; axe-core at every step."""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import Browser, BrowserContext, FrameLocator, Locator, Page, expect

from tests.e2e import axe
from tests.e2e.browser import ARTIFACTS, chromium, png, png_bytes
from tests.e2e.service import ServiceProcess
from tests.ports import free_port

# What a person sees and can do does not depend on the database: these run on the
# embedded one `make run` uses (the database's side is tested on both elsewhere).
pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
# The machine may be busy: each step waits for its condition, up to this long (ms).
PATIENCE = 20_000
expect.set_options(timeout=PATIENCE)
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


View = Page | FrameLocator
"""The chat as its own page, or inside a portal's frame."""


# From the notice to agree to up to describing it: the button tapped, a word of the
# answer, the name of the step.
TAPS = (("Tôi đồng ý", "đã được ghi nhận", "02-consent"), ("Gửi phản ánh", "lĩnh vực", "03-field"),
        ("Đất đai", "xã", "04-area"), ("Xã Xuân Bắc", "20", "05-describe"))


def last_bot(page: View) -> Locator:
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


async def say(page: View, text: str) -> None:
    box = page.get_by_label("Tin nhắn của bạn")
    await box.fill(text)
    await box.press("Enter")


async def press(page: View, label: str | re.Pattern[str]) -> None:
    await last_bot(page).get_by_role("button", name=label, exact=isinstance(label, str)).click()


async def citizen(browser: Browser, viewport: dict[str, int], **options: Any) -> BrowserContext:
    context = await browser.new_context(
        locale="vi-VN", viewport=viewport, has_touch=viewport is PHONE,
        is_mobile=viewport is PHONE, geolocation={"latitude": 10.9312, "longitude": 107.4125},
        permissions=["geolocation"], **options)
    context.set_default_timeout(PATIENCE)
    return context


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
        for button, answer, name in TAPS:
            await press(page, button)
            await expect(last_bot(page)).to_contain_text(answer)
            await step(page, shots, name)
        await say(page, DESCRIPTION)
        await expect(last_bot(page).get_by_role("button", name="Tiếp tục")).to_be_visible()
        await step(page, shots, "06-attach")
        await page.set_input_files("#photo", str(png(tmp_path / "photo.png", 600, 900)))
        await expect(page.locator("#log li.mine img")).to_have_count(1)
        await expect(last_bot(page)).to_contain_text("ảnh thứ 1")
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


FOCUSED = "() => document.activeElement && (document.activeElement.id || " \
          "document.activeElement.textContent.trim())"


async def focused(page: Page) -> str:
    return str(await page.evaluate(FOCUSED))


async def tab_to(page: Page, name: str, key: str = "Tab", limit: int = 40) -> None:
    """Move the focus with the keyboard alone until `name` (a button's text or an id) has it;
    the focus is visible wherever it lands."""
    for _ in range(limit):
        if await focused(page) == name:
            outline = await page.evaluate(
                "() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"no visible focus on {name}"
            return
        await page.keyboard.press(key)
    raise AssertionError(f"{name!r} not reached with {key}; at {await focused(page)!r}")


async def wait_focus(page: Page, name: str) -> None:
    await page.wait_for_function(f"() => ({FOCUSED})() === {name!r}", timeout=PATIENCE)


async def type_line(page: Page, text: str) -> None:
    assert await focused(page) == "text"
    await page.keyboard.type(text)
    await page.keyboard.press("Enter")


async def test_a_pakn_with_the_keyboard_alone(webchat: ServiceProcess,
                                              request: pytest.FixtureRequest) -> None:
    shots = shots_for(request)
    async with chromium() as browser:
        page = await (await citizen(browser, DESKTOP)).new_page()
        await page.goto(webchat.url + "/")
        await expect(last_bot(page)).to_contain_text("dữ liệu cá nhân")
        await tab_to(page, "text")
        # The newest message's buttons come just before the typing box.
        await tab_to(page, "Tôi đồng ý", "Shift+Tab", 2)
        await page.keyboard.press("Enter")
        # The answer to a button takes the focus: its first button.
        await wait_focus(page, "Gửi phản ánh")
        await page.keyboard.press("Enter")
        await expect(last_bot(page)).to_contain_text("thuộc lĩnh vực nào")
        await tab_to(page, "Đất đai")
        await page.keyboard.press("Enter")
        await expect(last_bot(page)).to_contain_text("xã, phường nào")
        await tab_to(page, "Xã Xuân Bắc")
        await page.keyboard.press("Enter")
        await wait_focus(page, "Hủy")
        await tab_to(page, "text", limit=2)
        await type_line(page, DESCRIPTION)
        await expect(last_bot(page).get_by_role("button", name="Tiếp tục")).to_be_visible()
        await tab_to(page, "Tiếp tục", "Shift+Tab", 2)
        await page.keyboard.press(" ")
        await expect(last_bot(page)).to_contain_text("Họ và tên")
        await wait_focus(page, "text")
        await type_line(page, "Nguyễn Văn An")
        await expect(last_bot(page)).to_contain_text(re.compile("Số điện thoại|phone number"))
        await type_line(page, "0912 345 678")
        await expect(last_bot(page)).to_contain_text("Địa chỉ")
        await type_line(page, "Số 12, ấp 3, xã Xuân Bắc")
        await expect(last_bot(page)).to_contain_text("0912 345 678")
        await tab_to(page, "Gửi", "Shift+Tab", 4)
        await page.keyboard.press("Enter")
        await code_in_view(page, "receipt by keyboard")
        await axe.check(page, "receipt by keyboard")
        await page.screenshot(path=str(shots / "keyboard-receipt.png"))

        # Text at 200%: nothing cut off sideways, the typing box and Send still on screen.
        await page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
        await expect(page.locator("#send")).to_be_in_viewport()
        wide = await page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], wide
        await newest_in_view(page, "text at 200%")
        await page.screenshot(path=str(shots / "keyboard-200-percent.png"))


TYPE_ON_ARRIVAL = """(text) => {
    // The person starts typing the moment the next message from the service appears.
    const log = document.getElementById("log"), box = document.getElementById("text");
    new MutationObserver((changes, observer) => {
        if (!changes.some((c) => [...c.addedNodes].some((n) => n.classList?.contains("bot"))))
            return;
        observer.disconnect();
        box.focus();
        box.value = text;
        box.dispatchEvent(new Event("input", {bubbles: true}));
    }).observe(log, {childList: true});
}"""


async def test_typing_as_an_answer_arrives_keeps_the_focus_in_the_typing_box(
        webchat: ServiceProcess) -> None:
    """An answer to a press moves the focus to its first button a moment after it shows;
    a person who starts typing in that moment keeps typing, and Enter sends the text
    rather than pressing the button."""
    async with chromium() as browser:
        page = await (await citizen(browser, DESKTOP)).new_page()
        await page.goto(webchat.url + "/")
        await say(page, "/phananh")
        await press(page, "Tôi đồng ý")
        await press(page, "Đất đai")
        await press(page, "Xã Xuân Bắc")
        await say(page, DESCRIPTION)
        await press(page, "Tiếp tục")
        # An answer with no button puts the focus in the typing box.
        await expect(last_bot(page)).to_contain_text("Họ và tên")
        await wait_focus(page, "text")
        await say(page, "Nguyễn Văn An")
        await say(page, "0912 345 678")
        await say(page, "Số 12, ấp 3, xã Xuân Bắc")
        await expect(last_bot(page)).to_contain_text("0912 345 678")
        await page.evaluate(TYPE_ON_ARRIVAL, "/tracuu")
        await press(page, "Gửi")
        await code_in_view(page, "receipt")
        await page.wait_for_timeout(500)  # past the moment the focus would have moved
        assert await focused(page) == "text"
        await page.keyboard.press("Enter")
        await expect(page.locator("#log li.mine").last).to_contain_text("/tracuu")
        await expect(last_bot(page)).to_contain_text(CODE)


PORTAL = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cổng thông tin điện tử xã Xuân Bắc</title></head>
<body><main><h1>Cổng thông tin điện tử xã Xuân Bắc</h1>
<p>Tin tức, thủ tục hành chính và lịch tiếp công dân của xã.</p></main>
<script src="{chat}/chat/embed.js" data-lang="vi"></script>
</body></html>"""


async def serve_portal(chat: str, port: int) -> web.AppRunner:
    """A plain page of a commune portal, on another site (`localhost`, where the service
    is `127.0.0.1`), with the tag."""
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PORTAL.format(chat=chat), content_type="text/html")
    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "localhost", port).start()
    return runner


@pytest.fixture
async def portal_and_chat(database_url: str, tmp_path: Path
                          ) -> AsyncIterator[tuple[str, str, ServiceProcess]]:
    """A portal listed in PAKN_EMBED_ORIGINS, one not listed, and the service."""
    listed, other = free_port(), free_port()
    service = await ServiceProcess(tmp_path, database_url,
                                   PAKN_EMBED_ORIGINS=f"http://localhost:{listed}").start()
    runners = [await serve_portal(service.url, listed), await serve_portal(service.url, other)]
    yield f"http://localhost:{listed}", f"http://localhost:{other}", service
    for runner in runners:
        await runner.cleanup()
    await service.stop()


@pytest.mark.parametrize("viewport", VIEWPORTS)
async def test_the_chat_on_a_portal_from_one_script_tag(
        portal_and_chat: tuple[str, str, ServiceProcess], viewport: dict[str, int],
        request: pytest.FixtureRequest) -> None:
    listed, other, service = portal_and_chat
    shots = shots_for(request)
    async with chromium() as browser:
        page = await (await citizen(browser, viewport)).new_page()
        await page.goto(listed + "/")
        launcher = page.get_by_role("button", name="Gửi phản ánh, kiến nghị")
        await expect(launcher).to_be_in_viewport()
        await axe.check(page, "portal")
        await page.screenshot(path=str(shots / "portal-closed.png"))
        await page.keyboard.press("Tab")
        await expect(launcher).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(launcher).to_have_attribute("aria-expanded", "true")
        chat = page.frame_locator("iframe[title='Phản ánh, kiến nghị (PAKN)']")
        await expect(chat.locator("#log li.bot").first).to_contain_text("Xin chào")
        await chat.locator("#log li.bot").last.get_by_role("button", name="Tôi đồng ý").click()
        await expect(chat.locator("#log li.bot").last).to_contain_text("đã được ghi nhận")
        frame = page.locator("iframe")
        box = await frame.bounding_box()
        assert box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
        await axe.check(page, "portal with the chat open", include="#pakn-chat-widget")
        await page.screenshot(path=str(shots / "portal-open.png"))
        await page.get_by_role("button", name="Đóng").click()
        await expect(launcher).to_be_focused()
        await expect(launcher).to_have_attribute("aria-expanded", "false")

        # A site not in PAKN_EMBED_ORIGINS gets the button, but the browser refuses to
        # show the chat inside it.
        stranger = await (await citizen(browser, viewport)).new_page()
        await stranger.goto(other + "/")
        async with stranger.expect_console_message(
                lambda message: "frame-ancestors" in message.text, timeout=30_000):
            await stranger.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
        await expect(stranger.locator("iframe")).to_have_count(1)
        assert await stranger.frame_locator("iframe").locator("#log").count() == 0
    async with aiohttp.ClientSession() as session, session.get(service.url + "/") as response:
        policy = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {listed};" in policy and other not in policy


async def file_in(chat: View) -> str:
    """A whole PAKN typed and tapped in `chat`, from the notice to agree to; its code."""
    for button, answer, _name in TAPS:
        await press(chat, button)
        await expect(last_bot(chat)).to_contain_text(answer)
    await say(chat, DESCRIPTION)
    await press(chat, "Tiếp tục")
    await expect(last_bot(chat)).to_contain_text("Họ và tên")
    for line, answer in (("Nguyễn Văn An", re.compile("Số điện thoại|phone number")),
                         ("0912 345 678", "Địa chỉ"), ("Số 12, ấp 3, xã Xuân Bắc", "0912")):
        await say(chat, line)
        await expect(last_bot(chat)).to_contain_text(answer)
    await press(chat, "Gửi")
    await expect(last_bot(chat)).to_contain_text(CODE)
    found = CODE.search(await last_bot(chat).inner_text())
    assert found is not None
    return found.group(0)


async def test_the_chat_on_another_site_keeps_its_conversation(
        portal_and_chat: tuple[str, str, ServiceProcess]) -> None:
    """The portal is another site than the service (localhost against 127.0.0.1): the
    chat's partitioned cookie keeps the visitor inside the portal's frame, across a
    reload of the portal's page."""
    listed, _other, service = portal_and_chat
    async with chromium() as browser:
        context = await citizen(browser, DESKTOP)
        page = await context.new_page()
        await page.goto(listed + "/")
        launcher = page.get_by_role("button", name="Gửi phản ánh, kiến nghị")
        await launcher.click()
        chat = page.frame_locator("iframe[title='Phản ánh, kiến nghị (PAKN)']")
        await expect(last_bot(chat)).to_contain_text("dữ liệu cá nhân")
        code = await file_in(chat)

        await page.reload()
        await launcher.click()
        await expect(chat.locator("#log li.bot").filter(has_text=code)).not_to_have_count(0)
        await expect(chat.locator("#log li.mine").filter(has_text="Nguyễn Văn An")
                     ).to_have_count(1)
        await axe.check(page, "portal with the conversation back", include="#pakn-chat-widget")
        # The cookie is the portal's alone: the service's own page starts afresh.
        cookie = next(c for c in await context.cookies(service.url) if c["name"] == "pakn_chat")
        assert cookie["secure"] and cookie["sameSite"] == "None", cookie
        own = await context.new_page()
        await own.goto(service.url + "/")
        await expect(last_bot(own)).to_contain_text("dữ liệu cá nhân")
        assert await own.locator("#log li.bot").filter(has_text=code).count() == 0
    # With the portal's cookie, an upload that another site's page starts is refused, by
    # its Origin or by the browser's Sec-Fetch-Site; the frame's own is not.
    jar = {"pakn_chat": cookie["value"]}
    form = aiohttp.FormData()
    form.add_field("photo", png_bytes(), filename="a.png", content_type="image/png")
    async with aiohttp.ClientSession(cookies=jar) as session:
        for headers, status in (({"Origin": listed}, 403),
                                ({"Sec-Fetch-Site": "cross-site"}, 403),
                                ({"Sec-Fetch-Site": "same-site"}, 403),
                                ({"Origin": service.url, "Sec-Fetch-Site": "same-origin"}, 200)):
            async with session.post(service.url + "/chat/upload", data=form,
                                    headers=headers) as response:
                assert response.status == status, (headers, await response.text())


@pytest.mark.parametrize(("locale", "query", "greeting", "lang"), [
    ("en-US", "", "Hello!", "en"),
    ("fr-FR", "", "Xin chào!", "vi"),       # a language we do not speak: Vietnamese
    ("en-US", "?lang=vi", "Xin chào!", "vi"),  # the visitor's choice on the page wins
])
async def test_the_greeting_is_in_the_visitors_language(
        webchat: ServiceProcess, locale: str, query: str, greeting: str, lang: str) -> None:
    async with chromium() as browser:
        page = await (await browser.new_context(locale=locale, viewport=PHONE)).new_page()
        await page.goto(f"{webchat.url}/{query}")
        await expect(page.locator("html")).to_have_attribute("lang", lang)
        await expect(page.locator("#log li.bot").first).to_contain_text(greeting)
        assert greeting in await page.locator("#log li.bot").first.inner_text()
