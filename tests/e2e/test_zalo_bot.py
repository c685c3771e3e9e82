"""Zalo's Bot platform end to end: the real service behind its webhook, against the fake
Zalo Bot API. No buttons there: options come numbered and are answered by number."""

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from PIL import Image

from storage.db import Database
from storage.models import CaseRow, InboundRow
from tests.e2e.service import ServiceProcess
from tests.e2e.test_telegram_webhook import count
from tests.fakes.zalo_bot_api import (
    PNG,
    FakeZaloBotApi,
    ZaloCall,
    image_event,
    sticker_event,
    text_event,
)

TOKEN = "1234567890:zalo-bot-token"
SECRET = "zalo-webhook-secret-1"
CITIZEN, STAFF = "zc-0001", "zs-0002"
CODE = re.compile(r"PA-\d{4}-\d{6}")


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloBotApi]:
    api = await FakeZaloBotApi(TOKEN).start()
    yield api
    await api.stop()


@pytest.fixture
async def service(database_url: str, zalo: FakeZaloBotApi,
                  tmp_path: Path) -> AsyncIterator[ServiceProcess]:
    process = ServiceProcess(tmp_path, database_url, PAKN_ZALO_BOT_TOKEN=TOKEN,
                             PAKN_ZALO_BOT_WEBHOOK_SECRET=SECRET,
                             PAKN_ZALO_BOT_API_URL=zalo.url)
    process.env["PAKN_PUBLIC_URL"] = process.url
    await process.start()
    await zalo.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls))
    await process.connected("Zalo Bot")
    yield process
    await process.stop()


class Person:
    def __init__(self, service: ServiceProcess, api: FakeZaloBotApi, chat: str) -> None:
        self.service, self.api, self.chat = service, api, chat
        self.sent = 0

    async def post(self, event: dict[str, object], secret: str | None = SECRET) -> int:
        headers = {"X-Bot-Api-Secret-Token": secret} if secret else {}
        async with aiohttp.ClientSession() as session, session.post(
                f"{self.service.url}/webhook/zalo-bot", json=event, headers=headers) as response:
            return response.status

    async def say(self, text: str, wrapped: bool = False) -> ZaloCall:
        """Say it once the bot has said all it had to say; the first message that answers."""
        await self.service.settled()
        self.sent += 1
        mark = len(self.api.calls)
        event = text_event(self.chat, text, f"{self.chat}-{self.sent}", wrapped=wrapped)
        assert await self.post(event) == 200
        return await self.api.next_to(self.chat, mark)

    async def choose(self, label: str, after: ZaloCall) -> ZaloCall:
        """Answer a numbered list by the number of the option with this label."""
        number = next(n for n, line in _options(after.text) if line == label)
        return await self.say(str(number))


def _options(text: str) -> list[tuple[int, str]]:
    return [(int(m.group(1)), m.group(2)) for m in re.finditer(r"^(\d+)\. (.+)$", text, re.M)]


async def test_a_pakn_over_zalo_bot(service: ServiceProcess, zalo: FakeZaloBotApi,
                                    database_url: str) -> None:
    citizen, staff = Person(service, zalo, CITIZEN), Person(service, zalo, STAFF)
    invite = service.cli("invite", "--role", "staff", "--unit", "PTNMT")
    token = re.search(r"/start (inv_[A-Za-z0-9_-]+)", invite.stdout)
    assert token is not None
    assert "Phòng Tài nguyên" in (await staff.say(f"/start {token.group(1)}")).text

    notice = await citizen.say("/phananh", wrapped=True)
    assert "1. Tôi đồng ý" in notice.text
    await citizen.say("1")
    fields = await zalo.wait_for(lambda calls: any(
        c.chat_id == CITIZEN and "Đất đai" in c.text for c in calls))
    areas = await citizen.choose("Đất đai", next(c for c in reversed(fields)
                                                 if c.chat_id == CITIZEN))
    describe = await citizen.choose("Xã Xuân Bắc", areas)
    assert "20" in describe.text
    attach = await citizen.say("Đường ấp 3 bị ngập nước hai tuần nay sau khi thi công cống.")
    assert "1. Tiếp tục" in attach.text
    citizen.sent += 1
    mark = len(zalo.calls)
    assert await citizen.post(image_event(
        CITIZEN, f"{zalo.url}/photos/road.png", f"{CITIZEN}-img")) == 200
    assert "ảnh" in (await zalo.next_to(CITIZEN, mark)).text
    await citizen.say("1")
    await citizen.say("Nguyễn Văn An")
    await citizen.say("0912345678")
    summary = await citizen.say("Số 12, ấp 3, xã Xuân Bắc")
    mark = len(zalo.calls)
    receipt = await citizen.choose("Gửi", summary)
    code = CODE.search(receipt.text)
    assert code is not None, receipt.text

    calls = await zalo.wait_for(lambda calls: any(
        c.chat_id == STAFF and c.method == "sendPhoto" for c in calls[mark:]))
    card = next(c for c in calls[mark:] if c.chat_id == STAFF and code.group(0) in c.text
                and c.method == "sendMessage")
    photo = next(c for c in calls[mark:] if c.chat_id == STAFF and c.method == "sendPhoto")
    assert photo.params["photo"].startswith(f"{service.url}/files/")
    async with aiohttp.ClientSession() as session, session.get(photo.params["photo"]) as r:
        assert r.status == 200, "the signed link serves the photo"
        served = Image.open(io.BytesIO(await r.read()))
        original = Image.open(io.BytesIO(PNG))
        # Fetched from Zalo, decoded, kept (encoded again, without metadata) and served.
        assert served.format == "PNG" and served.convert("RGBA").tobytes() == \
            original.convert("RGBA").tobytes()
    async with aiohttp.ClientSession() as session, session.get(
            photo.params["photo"].replace("sig=", "sig=0")) as r:
        assert r.status == 404, "a forged link does not"

    mark = len(zalo.calls)
    await staff.choose("Nhận xử lý", card)
    told = await zalo.next_to(CITIZEN, mark)
    assert code.group(0) in told.text
    redrawn = next(c for c in reversed(zalo.calls) if c.chat_id == STAFF
                   and "Nhận xử lý" not in c.text and code.group(0) in c.text
                   and "Giải quyết xong" in c.text)
    await staff.choose("Giải quyết xong", redrawn)
    check = await staff.say("Đã nạo vét cống và thông tuyến thoát nước.")
    mark = len(zalo.calls)
    await staff.choose("Gửi trả lời chính thức", check)
    calls = await zalo.wait_for(lambda calls: any(
        c.chat_id == CITIZEN and "Rất hài lòng" in c.text for c in calls[mark:]))
    rating = next(c for c in calls[mark:] if c.chat_id == CITIZEN and "Rất hài lòng" in c.text)
    assert any("nạo vét" in c.text for c in calls[mark:] if c.chat_id == CITIZEN)
    comment = await citizen.choose("Rất hài lòng", rating)
    assert "Bỏ qua" in comment.text

    database = Database(database_url)
    try:
        async with database.reading() as session:
            from sqlalchemy import select
            row = (await session.execute(select(CaseRow).where(
                CaseRow.code == code.group(0)))).scalar_one()
    finally:
        await database.dispose()
    assert (row.channel, row.status) == ("zalo_bot", "resolved")


async def test_secret_dedupe_and_odd_input(service: ServiceProcess, zalo: FakeZaloBotApi,
                                           database_url: str) -> None:
    citizen = Person(service, zalo, CITIZEN)
    event = text_event(CITIZEN, "/trogiup", "same-id")
    assert await citizen.post(event) == 200
    await zalo.wait_for(lambda calls: any(c.chat_id == CITIZEN for c in calls))
    stored = await count(database_url, InboundRow)
    assert await citizen.post(event) == 200
    assert await citizen.post({"ok": True, "result": event}) == 200, "wrapped, same message"
    assert await count(database_url, InboundRow) == stored, "no second effect"
    assert await citizen.post(text_event(CITIZEN, "hi", "other"), secret="wrong") == 401
    assert await citizen.post(text_event(CITIZEN, "hi", "other"), secret=None) == 401
    assert await count(database_url, InboundRow) == stored
    mark = len(zalo.calls)
    assert await citizen.post(sticker_event(CITIZEN, "st-1")) == 200
    assert "chỉ đọc được" in (await zalo.next_to(CITIZEN, mark)).text
    assert await citizen.post({"event_name": "message.text.received"}) == 200
    assert await citizen.post([1, 2]) == 400  # type: ignore[arg-type]
    long_text = "x" * 2500
    mark = len(zalo.calls)
    await citizen.say(f"/tracuu {long_text}")
    reply = await zalo.next_to(CITIZEN, mark)
    assert len(reply.text) <= 2000


async def test_a_survey_over_zalo_bot(service: ServiceProcess, zalo: FakeZaloBotApi) -> None:
    made = service.cli("qr", "--procedure", "2.000815", "--unit", "UBND-26431")
    token = re.search(r"start=(sv_[A-Za-z0-9_-]+)", made.stdout)
    assert token is not None, made.stdout
    citizen = Person(service, zalo, CITIZEN)
    await citizen.say(f"/start {token.group(1)}")
    question = await zalo.wait_for(lambda calls: any(
        c.chat_id == CITIZEN and "Câu 1/7" in c.text for c in calls))
    current = next(c for c in question if "Câu 1/7" in c.text)
    for number in range(2, 8):
        current = await citizen.choose("Hài lòng", current)
        assert f"Câu {number}/7" in current.text
    assert "Cảm ơn" in (await citizen.choose("Bỏ qua", current)).text
