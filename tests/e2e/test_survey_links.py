"""A desk's QR code, scanned: the survey through its deep link over the Telegram webhook
and in the web chat; anyone may answer it, so its ratings are unverified: they show
beside the satisfaction figure, not in it."""

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.async_api import expect
from pypdf import PdfReader

from tests.e2e.browser import chromium
from tests.e2e.flows import Chat
from tests.e2e.service import ServiceProcess
from tests.fakes import updates
from tests.fakes.telegram_api import BOT_USERNAME, FakeBotApi
from tests.fakes.updates import User

FIRST, SECOND = User(919191, "Hoa", "Võ"), User(929292, "Khang", "Đỗ")


def qr(service: ServiceProcess, folder: Path, *extra: str) -> str:
    # A poster is made only for a public address: the service's own, here.
    service.env.setdefault("PAKN_PUBLIC_URL", service.url)
    made = service.cli("--lang", "en", "qr", "--procedure", "1.001193", "--unit",
                       "UBND-26428", "--desk", "Quầy 2", "-o", str(folder), *extra)
    assert made.returncode == 0, made.stderr
    token = re.search(r"start=(sv_[A-Za-z0-9_-]+)", made.stdout)
    assert token is not None, made.stdout
    return token.group(1)


async def test_a_desk_code_over_telegram(service: ServiceProcess, fake_api: FakeBotApi,
                                         tmp_path: Path) -> None:
    token = qr(service, tmp_path / "qr")
    made = service.cli("--lang", "en", "qr", "--procedure", "9.999999")
    assert made.returncode == 2 and "unknown procedure" in made.stderr
    files = sorted(p.name for p in (tmp_path / "qr").iterdir())
    assert files == ["poster-a5.pdf", "qr-telegram.png", "qr-telegram.svg", "qr-web.png",
                     "qr-web.svg"]
    assert (tmp_path / "qr" / "qr-web.png").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (tmp_path / "qr" / "qr-telegram.svg").read_bytes()
    poster = " ".join(" ".join(page.extract_text() for page in PdfReader(
        tmp_path / "qr" / "poster-a5.pdf").pages).split())
    for part in ("Đăng ký khai sinh (1.001193)", "UBND xã Xuân Bắc", "Quầy 2",
                 f"/?start={token}"):
        assert part in poster, part
    assert BOT_USERNAME in (service.cli("--lang", "en", "qr", "--procedure", "1.001193")
                            .stdout)

    citizen = Chat(service, fake_api, FIRST)
    mark = len(fake_api.calls)
    assert await service.post_update(updates.text(FIRST, f"/start {token}")) == 200

    def first_question(calls: list) -> bool:  # type: ignore[type-arg]
        return any(c.chat_id == FIRST.id and "an:overall:" in str(c.params.get("reply_markup"))
                   for c in calls[mark:])
    calls = await fake_api.wait_for(first_question)
    question = next(c for c in calls[mark:] if c.chat_id == FIRST.id
                    and "an:overall:" in str(c.params.get("reply_markup")))
    while True:
        answers = [b["callback_data"] for b in question.buttons()]
        choice = next((a for a in answers if a.startswith("an:") and a.endswith(":4")),
                      next((a for a in answers if a.startswith("sc:skip")), None))
        if choice is None:
            break
        question = await citizen.press(choice)
    assert "Cảm ơn" in question.text

    other = Chat(service, fake_api, SECOND)
    again = await other.say(f"/start {token}")
    assert "Khảo sát về thủ tục" in again.text, "a desk's poster is for everyone"
    year = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    stats = json.loads(service.cli("stats", "--period", str(year), "--json").stdout)
    assert stats["satisfaction"]["denominator"] == 0, "unverified: not in the figure"
    beside = stats["satisfaction_unverified"]
    assert (beside["numerator"], beside["denominator"], beside["met"]) == (1, 1, None)


async def test_a_desk_code_in_the_web_chat(webchat: ServiceProcess, tmp_path: Path) -> None:
    token = qr(webchat, tmp_path / "qr")
    async with chromium() as browser:
        page = await (await browser.new_context(locale="vi-VN")).new_page()
        await page.goto(f"{webchat.url}/?start={token}")
        last = page.locator("#log li.bot").last
        await expect(last).to_contain_text("Câu 1/7")
        assert "start=" not in page.url, "the code is sent once, then dropped from the address"
        for number in range(2, 8):
            await last.get_by_role("button", name="Rất hài lòng", exact=True).click()
            await expect(last).to_contain_text(f"Câu {number}/7")
        await last.get_by_role("button", name="Bỏ qua").click()
        await expect(last).to_contain_text("Cảm ơn")
    year = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    stats = json.loads(webchat.cli("stats", "--period", str(year), "--json").stdout)
    assert stats["satisfaction"]["denominator"] == 0
    assert stats["satisfaction_unverified"]["denominator"] == 1
    assert stats["by_field"]["ho_tich"]["satisfaction_unverified"]["numerator"] == 1
