"""The whole PAKN flow over the Telegram webhook: the real service process with
python-telegram-bot inside, against the fake Bot API, driven by real-shaped updates."""

import asyncio
import re

import aiohttp
from sqlalchemy import func, select

from storage.db import Database
from storage.models import CaseRow, InboundRow
from tests.e2e.service import SECRET, ServiceProcess
from tests.fakes import updates
from tests.fakes.telegram_api import BOT_USERNAME, Call, FakeBotApi
from tests.fakes.updates import User

CITIZEN = User(111111, "An", "Nguyễn")
STAFF = User(222222, "Bình", "Trần")
STRANGER = User(333333, "Chi", "Lê")
CODE = re.compile(r"PA-\d{4}-\d{6}")


class Chat:
    """One person talking to the bot through the webhook."""

    def __init__(self, service: ServiceProcess, api: FakeBotApi, user: User) -> None:
        self.service, self.api, self.user = service, api, user

    async def send(self, update: dict[str, object], method: str = "sendMessage") -> Call:
        mark = len(self.api.calls)
        assert await self.service.post_update(update) == 200
        return await self.api.next_to(self.user.id, mark, method)

    async def say(self, text: str) -> Call:
        return await self.send(updates.text(self.user, text))

    async def press(self, data: str, message_id: int = 1) -> Call:
        return await self.send(updates.callback(self.user, data, message_id))


async def count(url: str, model: type) -> int:
    database = Database(url)
    try:
        async with database.reading() as session:
            return int((await session.execute(select(func.count()).select_from(model)))
                       .scalar_one())
    finally:
        await database.dispose()


async def case_row(url: str, code: str) -> CaseRow:
    database = Database(url)
    try:
        async with database.reading() as session:
            return (await session.execute(select(CaseRow).where(CaseRow.code == code))
                    ).scalar_one()
    finally:
        await database.dispose()


async def test_pakn_end_to_end_over_telegram(service: ServiceProcess, fake_api: FakeBotApi,
                                              database_url: str) -> None:
    citizen, staff, stranger = (Chat(service, fake_api, u) for u in (CITIZEN, STAFF, STRANGER))

    invite = service.cli("invite", "--role", "staff", "--unit", "PTNMT")
    assert invite.returncode == 0, invite.stderr
    assert f"https://t.me/{BOT_USERNAME}?start=inv_" in invite.stdout
    token = re.search(r"/start (inv_[A-Za-z0-9_-]+)", invite.stdout)
    assert token is not None, invite.stdout
    welcome_staff = await staff.say(f"/start {token.group(1)}")
    assert "Phòng Tài nguyên và Môi trường" in welcome_staff.text

    await citizen.say("/start")
    notice = await fake_api.wait_for(lambda calls: any(
        c.chat_id == CITIZEN.id and "cs:" in str(c.params.get("reply_markup")) for c in calls))
    consent = next(c for c in notice if c.chat_id == CITIZEN.id and "cs:" in
                   str(c.params.get("reply_markup"))).callback("cs:")
    await citizen.press(consent)
    fields = await citizen.say("/phananh")
    area = await citizen.press(fields.callback("ch:field:dat_dai"))
    describe = await citizen.press(area.callback("ch:area:26428"))
    assert describe.buttons(), "a cancel button comes with every step"
    attach = await citizen.say("Đường ấp 3 bị ngập nước hai tuần nay sau khi thi công cống.")
    keyboard = attach.buttons()
    assert any(b.get("request_location") for b in keyboard)
    go_on = next(b["text"] for b in keyboard if not b.get("request_location"))
    await citizen.send(updates.photo(CITIZEN, "AgACAgUAAxkBAAIBphoto"))
    await citizen.send(updates.location(CITIZEN, 10.9312, 107.4125))
    name_prompt = await citizen.say(go_on)
    assert name_prompt.params.get("reply_markup") == {"remove_keyboard": True}
    phone_prompt = await citizen.say("Nguyễn Văn An")
    assert any(b.get("request_contact") for b in phone_prompt.buttons())
    await citizen.send(updates.contact(CITIZEN, "84912345678"))
    summary = await citizen.say("Số 12, ấp 3, xã Xuân Bắc")
    assert "0912 345 678" in summary.text and "openstreetmap.org" in summary.text

    mark = len(fake_api.calls)
    receipt = await citizen.press(summary.callback("ch:confirm:send"))
    code = CODE.search(receipt.text)
    assert code is not None, receipt.text
    card = await fake_api.next_to(STAFF.id, mark)
    assert code.group(0) in card.text and "Nguyễn Văn An" in card.text
    photo = await fake_api.next_to(STAFF.id, mark, "sendPhoto")
    assert photo.params["photo"] == "AgACAgUAAxkBAAIBphoto", "Telegram's file id is reused"
    row = await case_row(database_url, code.group(0))
    assert (row.unit_code, row.status, row.latitude) == ("PTNMT", "received", 10.9312)

    mark = len(fake_api.calls)
    taken = await staff.press(card.callback("ca:claim:"))
    assert code.group(0) in taken.text
    told = await fake_api.next_to(CITIZEN.id, mark)
    assert code.group(0) in told.text
    edit = await fake_api.next_to(STAFF.id, mark, "editMessageText")
    assert "ca:claim:" not in str(edit.params.get("reply_markup"))
    await fake_api.wait_for(lambda calls: any(c.method == "answerCallbackQuery"
                                              for c in calls[mark:]))

    await staff.press(card.callback("ca:ask:"))
    mark = len(fake_api.calls)
    await staff.say("Xin cho biết số nhà gần chỗ ngập nhất.")
    question = await fake_api.next_to(CITIZEN.id, mark)
    assert "số nhà" in question.text and question.callback("ac:")
    mark = len(fake_api.calls)
    await citizen.say("Gần nhà số 45, đối diện trường tiểu học.")
    added = await fake_api.next_to(STAFF.id, mark)
    assert "nhà số 45" in added.text

    await staff.press(card.callback("ca:resolve:"))
    confirm = await staff.say("Đã nạo vét cống và thông tuyến thoát nước ngày 5/3.")
    mark = len(fake_api.calls)
    await staff.press(confirm.callback("ss:resolve:"))
    answer = await fake_api.next_to(CITIZEN.id, mark)
    assert "nạo vét cống" in answer.text and code.group(0) in answer.text
    assert (await case_row(database_url, code.group(0))).status == "resolved"

    status = await citizen.say(f"/tracuu {code.group(0)}")
    assert "nạo vét cống" in status.text

    # Someone else learns nothing, and a staff button in a citizen's hands does nothing.
    hidden = await stranger.say(f"/tracuu {code.group(0)}")
    assert "nạo vét" not in hidden.text and "Nguyễn Văn An" not in hidden.text
    assert hidden.text == (await stranger.say("/tracuu PA-2026-999999")).text
    before = await case_row(database_url, code.group(0))
    refused = await stranger.press(f"ca:reply:{before.id}")
    assert code.group(0) not in refused.text
    after = await case_row(database_url, code.group(0))
    assert (after.version, after.status) == (before.version, before.status)


async def test_redelivered_update_and_wrong_secret(service: ServiceProcess,
                                                   fake_api: FakeBotApi,
                                                   database_url: str) -> None:
    update = updates.text(CITIZEN, "/trogiup")
    assert await service.post_update(update) == 200
    await fake_api.wait_for(lambda calls: any(c.chat_id == CITIZEN.id for c in calls))
    stored = await count(database_url, InboundRow)
    replies = len(fake_api.sent_to(CITIZEN.id))

    assert await service.post_update(update) == 200, "a redelivery is acknowledged"
    await asyncio.sleep(1.5)
    assert len(fake_api.sent_to(CITIZEN.id)) == replies, "and has no second effect"
    assert await count(database_url, InboundRow) == stored

    another = updates.text(CITIZEN, "/trogiup")
    assert await service.post_update(another, secret="wrong-secret") == 401
    assert await service.post_update(another, secret=None) == 401
    assert await count(database_url, InboundRow) == stored, "nothing stored without the secret"


async def test_a_press_is_answered_in_the_webhooks_answer(service: ServiceProcess,
                                                          fake_api: FakeBotApi) -> None:
    """The spinner of a pressed button stops with the webhook's answer, which Telegram
    carries out: the service makes no request of its own for it."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    press = updates.callback(CITIZEN, "ch:field:unknown")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{service.url}/webhook/telegram", json=press,
                             headers=headers) as answer:
            assert answer.status == 200
            assert await answer.json() == {"method": "answerCallbackQuery",
                                           "callback_query_id": press["callback_query"]["id"]}
        async with http.post(f"{service.url}/webhook/telegram", headers=headers,
                             json=updates.text(CITIZEN, "/trogiup")) as answer:
            assert (answer.status, await answer.text()) == (200, "ok")
    await fake_api.wait_for(lambda calls: len(
        [c for c in calls if c.chat_id == CITIZEN.id]) >= 2)
    assert not any(c.method == "answerCallbackQuery" for c in fake_api.calls)


async def test_bad_input_gets_an_answer(service: ServiceProcess, fake_api: FakeBotApi) -> None:
    chat = Chat(service, fake_api, STRANGER)
    assert "ảnh" in (await chat.send(updates.sticker(STRANGER))).text
    assert (await chat.say("/khonglenh")).text
    assert await service.post_update({"update_id": "x"}) == 400
    assert await service.post_update({"nonsense": True}) == 400


async def test_a_restart_loses_no_conversation(service: ServiceProcess, fake_api: FakeBotApi,
                                               database_url: str) -> None:
    citizen = Chat(service, fake_api, CITIZEN)
    await citizen.say("/phananh")
    await citizen.press(fake_api.sent_to(CITIZEN.id)[-1].callback("cs:"))
    await citizen.press("ch:field:ho_tich")
    await citizen.press("ch:area:26431")

    await service.stop()
    await service.start()
    mark = len(fake_api.calls)
    assert await service.post_update(updates.text(
        CITIZEN, "Giấy khai sinh của con tôi ghi sai tên đệm, cần cải chính.")) == 200

    def attachments_asked(calls: list[Call]) -> bool:
        return any(c.chat_id == CITIZEN.id and any(b.get("request_location")
                                                   for b in c.buttons()) for c in calls[mark:])
    # Messages still owed from before the restart may come first; then the next step.
    await fake_api.wait_for(attachments_asked)
    assert await count(database_url, CaseRow) == 0
