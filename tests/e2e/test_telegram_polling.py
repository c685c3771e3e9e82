"""Without a public URL the service long-polls Telegram, and confirms an update only
after processing it (by asking for the next offset)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.service import TOKEN, ServiceProcess
from tests.fakes import updates
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.updates import User

CITIZEN = User(444444, "Dũng", "Phạm")


@pytest.fixture
async def polling_service(database_url: str, fake_api: FakeBotApi,
                          tmp_path: Path) -> AsyncIterator[ServiceProcess]:
    process = await ServiceProcess(tmp_path, database_url, PAKN_TELEGRAM_TOKEN=TOKEN,
                                   PAKN_TELEGRAM_API_URL=fake_api.url).start()
    yield process
    await process.stop()


async def test_long_polling(polling_service: ServiceProcess, fake_api: FakeBotApi) -> None:
    await fake_api.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls))
    assert any(c.method == "deleteWebhook" for c in fake_api.calls)
    assert not any(c.method == "setWebhook" for c in fake_api.calls)

    first = updates.text(CITIZEN, "/start")
    fake_api.updates.append(first)
    welcome = await fake_api.next_to(CITIZEN.id, 0)
    assert "PAKN" in welcome.text

    def confirmed(calls: list) -> bool:  # type: ignore[type-arg]
        return any(c.method == "getUpdates" and int(c.params.get("offset") or 0) ==
                   first["update_id"] + 1 for c in calls)
    await fake_api.wait_for(confirmed)
    replies = len(fake_api.sent_to(CITIZEN.id))
    second = updates.text(CITIZEN, "/trogiup")
    fake_api.updates.append(second)
    await fake_api.wait_for(lambda calls: len(
        [c for c in calls if c.chat_id == CITIZEN.id]) > replies)
    welcomes = [c for c in fake_api.sent_to(CITIZEN.id) if c.text == welcome.text]
    assert len(welcomes) == 1, "the first update was processed once"


    # Polling has no answer to carry a method in: the service answers a press itself.
    press = updates.callback(CITIZEN, "ch:field:unknown")
    fake_api.updates.append(press)
    answered = await fake_api.wait_for(lambda calls: any(
        c.method == "answerCallbackQuery" for c in calls))
    [answer] = [c for c in answered if c.method == "answerCallbackQuery"]
    assert answer.params["callback_query_id"] == press["callback_query"]["id"]
