"""A dossier end to end with the real service: the one-stop system pushes it over the
API, the applicant follows it over Telegram with the receipt's link, the unit's staff
send the apology with a new date before the deadline, the dossier is returned, the
applicant rates it, and `pakn stats --json` counts it on time and in verified
satisfaction."""

import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp

from bot.core.calendars import Calendars
from complaints.calendar import add_working_days, calendar_with_rules
from tests.e2e.flows import Chat, join
from tests.e2e.service import ServiceProcess
from tests.fakes import updates
from tests.fakes.telegram_api import BOT_USERNAME, Call, FakeBotApi
from tests.fakes.updates import User

VN = ZoneInfo("Asia/Ho_Chi_Minh")
APPLICANT, STAFF = User(454545, "Hạnh", "Vũ"), User(565656, "Quang", "Đặng")
CODE = "000.00.12.H12-E2E-0001"


def working_days_ahead(days: int) -> date:
    today = datetime.now(VN).date()
    calendar = calendar_with_rules(range(today.year - 1, today.year + 2), Calendars().decisions)
    return add_working_days(calendar, today, days)


async def push(service: ServiceProcess, key: str, record: dict[str, str]) -> dict[str, str]:
    async with aiohttp.ClientSession() as http, http.post(
            f"{service.url}/api/dossiers", json=[record],
            headers={"Authorization": f"Bearer {key}"}) as response:
        assert response.status == 200, await response.text()
        [result] = (await response.json())["results"]
    return dict(result)


async def received_by(api: FakeBotApi, user: User, mark: int, text: str,
                      method: str = "sendMessage") -> Call:
    def found(calls: list[Call]) -> bool:
        return any(c.chat_id == user.id and c.method == method and text in c.text
                   for c in calls[mark:])
    calls = await api.wait_for(found)
    return next(c for c in calls[mark:] if c.chat_id == user.id and c.method == method
                and text in c.text)


async def test_a_dossier_from_push_to_verified_rating(service: ServiceProcess,
                                                      fake_api: FakeBotApi) -> None:
    made = service.cli("--lang", "en", "api-key", "create", "--name", "Một cửa tỉnh",
                       "--scope", "dossiers:write")
    assert made.returncode == 0, made.stderr
    key_found = re.search(r"pakn_[A-Za-z0-9_-]+", made.stdout)
    assert key_found is not None
    key = key_found.group(0)
    due = working_days_ahead(5)
    record = {"code": CODE, "procedure": "1.001193", "unit": "UBND-26428", "field": "ho_tich",
              "received_at": (datetime.now(VN) - timedelta(hours=2)).isoformat(),
              "due_at": due.isoformat(), "status": "received", "phone": "0912 345 678"}
    created = await push(service, key, record)
    assert created["result"] == "created"
    assert created["telegram_link"].startswith(f"https://t.me/{BOT_USERNAME}?start=hs_")
    token = created["link"].split("start=")[1]

    # The applicant scans the receipt's QR code: consent, then the dossier is followed.
    applicant, staff = Chat(service, fake_api, APPLICANT), Chat(service, fake_api, STAFF)
    notice = await applicant.say(f"/start {token}")
    mark = len(fake_api.calls)
    await applicant.press(notice.callback("cs:"))
    followed = await received_by(fake_api, APPLICANT, mark, CODE)
    assert "Bạn đã theo dõi hồ sơ" in followed.text

    # The unit's staff write the apology before the deadline.
    await join(service, staff, "staff", "UBND-26428")
    card = await staff.say(f"/hoso {CODE}")
    reason = await staff.press(card.callback("ds:apologise:"))
    assert CODE in reason.text
    dates = await staff.say("Cần xác minh thêm thông tin với cơ quan đăng ký cư trú.")
    title = await staff.press(dates.callback("ds:d"))
    mark = len(fake_api.calls)
    issued = await staff.send(updates.text(STAFF, "Công chức Tư pháp - Hộ tịch"),
                              method="sendDocument")
    assert "01/PXL-UBND-26428" in issued.text, "staff get the paper to print as well"
    letter = await received_by(fake_api, APPLICANT, mark, "VĂN BẢN XIN LỖI")
    assert CODE in letter.text and "Cần xác minh thêm" in letter.text
    paper = await fake_api.next_to(APPLICANT.id, mark, "sendDocument")
    # The PDF is uploaded once, to whoever gets it first; the others get Telegram's id.
    pdf = paper.files or {"kept": fake_api.files[paper.params["document"]]}
    assert next(iter(pdf.values())).startswith(b"%PDF")
    assert len([c for c in fake_api.calls[mark:] if c.method == "sendDocument" and c.files]) == 1
    assert title.text

    # The dossier is finished and returned before its due date; the applicant rates it.
    finished = datetime.now(VN).replace(microsecond=0)
    mark = len(fake_api.calls)
    updated = await push(service, key, {**record, "status": "returned",
                                        "finished_at": finished.isoformat(),
                                        "returned_at": finished.isoformat()})
    assert updated["result"] == "updated"
    offer = await received_by(fake_api, APPLICANT, mark, "hài lòng")
    mark = len(fake_api.calls)
    intro = await applicant.press(offer.callback("ds:rate:"))
    assert "Đăng ký khai sinh" in intro.text
    question = await received_by(fake_api, APPLICANT, mark, "Câu 1/")
    while True:
        answers = [b["callback_data"] for b in question.buttons()]
        choice = next((a for a in answers if a.startswith("an:") and a.endswith(":5")),
                      next((a for a in answers if a.startswith("sc:skip")), None))
        if choice is None:
            break
        question = await applicant.press(choice)
    assert "Cảm ơn" in question.text

    stats = json.loads(service.cli("stats", "--period", str(due.year), "--json").stdout)
    on_time = stats["dossier_on_time"]
    assert (on_time["numerator"], on_time["denominator"], on_time["target"]) == (1, 1, 0.96)
    assert stats["by_field"]["ho_tich"]["dossier_on_time"]["denominator"] == 1
    rated_in = str(datetime.now(VN).year)
    stats = json.loads(service.cli("stats", "--period", rated_in, "--json").stdout)
    satisfaction = stats["satisfaction"]
    assert (satisfaction["numerator"], satisfaction["denominator"]) == (1, 1), "verified"
    assert stats["satisfaction_unverified"]["denominator"] == 0
