"""A Zalo Official Account end to end: signed events in, consultation messages out, the
reply window, the token pair refreshed by the service, against the fake OA API."""

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, update

from storage.db import Database
from storage.models import InboundRow, OutboxRow
from tests.e2e.service import ServiceProcess
from tests.e2e.test_telegram_webhook import case_row, count
from tests.fakes.zalo_oa_api import FakeZaloOA, OACall, oa_event, signed

APP_ID, OA_SECRET, APP_SECRET = "4321098765", "oa-secret-key", "app-secret"
CITIZEN, STAFF = "8801234567890123456", "8809876543210987654"  # large ids, kept as text
CODE = re.compile(r"PA-\d{4}-\d{6}")


@pytest.fixture
async def oa() -> AsyncIterator[FakeZaloOA]:
    api = await FakeZaloOA(APP_ID, APP_SECRET, "refresh-0").start()
    yield api
    await api.stop()


@pytest.fixture
async def service(database_url: str, oa: FakeZaloOA,
                  tmp_path: Path) -> AsyncIterator[ServiceProcess]:
    process = ServiceProcess(tmp_path, database_url, PAKN_ZALO_OA_APP_ID=APP_ID,
                             PAKN_ZALO_OA_SECRET_KEY=OA_SECRET, PAKN_ZALO_APP_SECRET=APP_SECRET,
                             PAKN_ZALO_OA_API_URL=oa.url, PAKN_ZALO_OAUTH_URL=oa.url)
    stored = process.cli("zalo-oa", "set-token", "refresh-0")
    assert stored.returncode == 0, stored.stderr
    process.env["PAKN_PUBLIC_URL"] = process.url
    await process.start()
    yield process
    await process.stop()


class Follower:
    def __init__(self, service: ServiceProcess, oa: FakeZaloOA, user: str) -> None:
        self.service, self.oa, self.user = service, oa, user
        self.sent = 0

    async def post(self, event: dict[str, object], secret: str = OA_SECRET,
                   signature: str | None = None) -> int:
        body, mac = signed(event, APP_ID, secret)
        async with aiohttp.ClientSession() as session, session.post(
                f"{self.service.url}/webhook/zalo-oa", data=body,
                headers={"X-ZEvent-Signature": signature or mac,
                         "Content-Type": "application/json"}) as response:
            return response.status

    async def send(self, name: str, **message: object) -> OACall:
        """Send once the bot has said all it had to say; the first message that answers."""
        await self.service.settled()
        self.sent += 1
        mark = len(self.oa.calls)
        event = oa_event(APP_ID, self.user, name, msg_id=f"{self.user}-{self.sent}", **message)
        assert await self.post(event) == 200
        return await self.oa.next_to(self.user, mark)

    async def say(self, text: str) -> OACall:
        return await self.send("user_send_text", text=text)

    async def tap(self, call: OACall, prefix: str) -> OACall:
        """Tap a query button: Zalo sends its payload back as the person's text."""
        payload = next(p for p in call.payloads() if p.startswith(f"#pakn {prefix}"))
        return await self.say(payload)

    async def number(self, call: OACall, label: str) -> OACall:
        found = re.search(rf"^(\d+)\. {re.escape(label)}$", call.text, re.M)
        assert found is not None, call.text
        return await self.say(found.group(1))


async def test_a_pakn_over_a_zalo_oa(service: ServiceProcess, oa: FakeZaloOA,
                                     database_url: str) -> None:
    citizen, staff = Follower(service, oa, CITIZEN), Follower(service, oa, STAFF)
    invite = service.cli("invite", "--role", "staff", "--unit", "PTNMT")
    token = re.search(r"/start (inv_[A-Za-z0-9_-]+)", invite.stdout)
    assert token is not None
    await staff.say(f"/start {token.group(1)}")
    assert oa.refreshes == 1, "the first message got an access token from the refresh token"

    mark = len(oa.calls)
    citizen.sent += 1
    assert await citizen.post(oa_event(APP_ID, CITIZEN, "follow")) == 200
    def consent(call: OACall) -> bool:
        return call.user_id == CITIZEN and any(p.startswith("#pakn cs:")
                                               for p in call.payloads())
    calls = await oa.wait_for(lambda calls: any(consent(c) for c in calls[mark:]))
    notice = next(c for c in calls[mark:] if consent(c))  # consent is a query button
    await citizen.tap(notice, "cs:")
    fields = await citizen.say("/phananh")
    assert "1. Đất đai" in fields.text, "17 fields: too many for buttons, numbered"
    areas = await citizen.number(fields, "Đất đai")
    await citizen.number(areas, "Xã Xuân Bắc")
    attach = await citizen.say("Đường ấp 3 bị ngập nước hai tuần nay sau khi thi công cống.")
    await citizen.send("user_send_image", attachments=[
        {"type": "image", "payload": {"url": f"{oa.url}/photos/a.png", "thumbnail": ""}}])
    await citizen.send("user_send_location", location={"latitude": "10.9312",
                                                       "longitude": "107.4125"})
    await citizen.tap(attach, "ch:attach:done")
    await citizen.say("Nguyễn Văn An")
    await citizen.say("0912345678")
    summary = await citizen.say("Số 12, ấp 3, xã Xuân Bắc")
    assert "10.931200" in summary.text
    receipt = await citizen.tap(summary, "ch:confirm:send")
    code = CODE.search(receipt.text)
    assert code is not None, receipt.text
    row = await case_row(database_url, code.group(0))
    assert (row.channel, row.chat_id) == ("zalo_oa", CITIZEN)

    card = await oa.wait_for(lambda calls: any(
        c.user_id == STAFF and code.group(0) in c.text and "Nhận xử lý" in c.text
        for c in calls))
    card_call = next(c for c in card if c.user_id == STAFF and "Nhận xử lý" in c.text)
    assert "cho phép" in card_call.text, "staff see the sender's reply window"

    # Zalo refuses the access token: the service refreshes it and sends again.
    oa.expire_access_tokens()
    mark = len(oa.calls)
    await staff.number(card_call, "Nhận xử lý")
    told = await oa.next_to(CITIZEN, mark)
    assert code.group(0) in told.text and oa.refreshes == 2

    # The citizen last wrote more than 48 hours ago: outside the free-reply window the
    # message is recorded undeliverable with the reason, not retried forever.
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            await session.execute(update(InboundRow).where(InboundRow.chat_id == CITIZEN)
                                  .values(received_at=datetime.now(UTC) - timedelta(hours=49)))
    finally:
        await database.dispose()
    redrawn = next(c for c in reversed(oa.calls) if c.user_id == STAFF
                   and "Giải quyết xong" in c.text and code.group(0) in c.text)
    await staff.number(redrawn, "Nhắn người gửi")
    before = len([c for c in oa.calls if c.user_id == CITIZEN])
    await staff.say("Chúng tôi đang kiểm tra với nhà thầu.")
    database = Database(database_url)
    try:
        for _ in range(50):
            async with database.reading() as session:
                failed = (await session.execute(select(OutboxRow).where(
                    OutboxRow.chat_id == CITIZEN, OutboxRow.status == "undeliverable"))
                ).scalars().all()
            if failed:
                break
            await asyncio.sleep(0.2)
    finally:
        await database.dispose()
    assert failed and "48 hours" in (failed[0].last_error or "")
    assert len([c for c in oa.calls if c.user_id == CITIZEN]) == before, "nothing was sent"
    await staff.say(f"/tracuu {code.group(0)}")
    await oa.wait_for(lambda calls: any(
        c.user_id == STAFF and "không gửi được" in c.text for c in calls)), \
        "the card tells staff the sender could not be reached"


async def test_a_survey_over_a_zalo_oa(service: ServiceProcess, oa: FakeZaloOA,
                                       database_url: str) -> None:
    made = service.cli("qr", "--procedure", "1.001193", "--unit", "UBND-26428")
    token = re.search(r"start=(sv_[A-Za-z0-9_-]+)", made.stdout)
    assert token is not None, made.stdout + made.stderr
    citizen = Follower(service, oa, CITIZEN)
    mark = len(oa.calls)
    citizen.sent += 1
    event = oa_event(APP_ID, CITIZEN, "user_send_text", msg_id="sv-1",
                     text=f"/start {token.group(1)}")
    assert await citizen.post(event) == 200
    calls = await oa.wait_for(lambda calls: any(
        c.user_id == CITIZEN and "Câu 1/7" in c.text for c in calls[mark:]))
    question = next(c for c in calls[mark:] if c.user_id == CITIZEN and "Câu 1/7" in c.text)
    for number in range(2, 8):
        question = await citizen.number(question, "Rất hài lòng")
        assert f"Câu {number}/7" in question.text
    thanks = await citizen.tap(question, "sc:skip")
    assert "Cảm ơn" in thanks.text
    stats = json.loads(service.cli("stats", "--period", str(datetime.now(UTC).year),
                                   "--json").stdout)
    assert stats["by_channel"]["zalo_oa"]["satisfaction_unverified"]["numerator"] == 1, \
        "a desk's code: unverified"


async def test_signatures_and_duplicates(service: ServiceProcess, oa: FakeZaloOA,
                                         database_url: str) -> None:
    citizen = Follower(service, oa, CITIZEN)
    event = oa_event(APP_ID, CITIZEN, "user_send_text", msg_id="m-1", text="/trogiup")
    assert await citizen.post(event) == 200
    await oa.wait_for(lambda calls: any(c.user_id == CITIZEN for c in calls))
    stored = await count(database_url, InboundRow)
    assert await citizen.post(event) == 200
    assert await count(database_url, InboundRow) == stored, "a redelivery has no effect"
    forged = oa_event(APP_ID, CITIZEN, "user_send_text", msg_id="m-2", text="/trogiup")
    assert await citizen.post(forged, secret="not-the-secret") == 401
    assert await citizen.post(forged, signature="mac=" + "0" * 64) == 401
    assert await citizen.post(dict(forged, app_id="someone-else")) == 401
    assert await count(database_url, InboundRow) == stored, "nothing stored"
