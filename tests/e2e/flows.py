"""Whole conversations over the Telegram webhook, shared by the end-to-end tests."""

import re
from typing import Any

from tests.e2e.service import ServiceProcess
from tests.fakes import updates
from tests.fakes.telegram_api import Call, FakeBotApi
from tests.fakes.updates import User

CODE = re.compile(r"PA-\d{4}-\d{6}")


class Chat:
    """One person talking to the bot through the webhook."""

    def __init__(self, service: ServiceProcess, api: FakeBotApi, user: User) -> None:
        self.service, self.api, self.user = service, api, user

    async def send(self, update: dict[str, Any], method: str = "sendMessage") -> Call:
        """Send once the bot has said all it had to say; the first message that answers."""
        await self.service.settled()
        mark = len(self.api.calls)
        assert await self.service.post_update(update) == 200
        return await self.api.next_to(self.user.id, mark, method)

    async def say(self, text: str) -> Call:
        return await self.send(updates.text(self.user, text))

    async def press(self, data: str, message_id: int = 1) -> Call:
        return await self.send(updates.callback(self.user, data, message_id))


async def join(service: ServiceProcess, chat: Chat, role: str, unit: str | None) -> Call:
    args = ["invite", "--role", role] + (["--unit", unit] if unit else [])
    invite = service.cli(*args)
    assert invite.returncode == 0, invite.stderr
    token = re.search(r"/start (inv_[A-Za-z0-9_-]+)", invite.stdout)
    assert token is not None, invite.stdout
    return await chat.say(f"/start {token.group(1)}")


async def file_pakn(citizen: Chat, field: str = "dat_dai", area: str = "26428") -> str:
    """A citizen files a complete PAKN; returns its tracking code."""
    api = citizen.api
    first = await citizen.say("/phananh")
    if "cs:" in str(first.params.get("reply_markup")):
        await citizen.press(first.callback("cs:"))

        def asked(calls: list[Call]) -> bool:
            return any(c.chat_id == citizen.user.id and "ch:field" in str(
                c.params.get("reply_markup")) for c in calls)
        calls = await api.wait_for(asked)
        fields = next(c for c in reversed(calls) if c.chat_id == citizen.user.id
                      and "ch:field" in str(c.params.get("reply_markup")))
    else:
        fields = first
    area_question = await citizen.press(fields.callback(f"ch:field:{field}"))
    await citizen.press(area_question.callback(f"ch:area:{area}"))
    attach = await citizen.say("Đường ấp 3 bị ngập nước hai tuần nay sau khi thi công cống.")
    go_on = next(b["text"] for b in attach.buttons() if not b.get("request_location"))
    await citizen.send(updates.photo(citizen.user, "AgACAgUAAxkBAAIBphoto"))
    await citizen.send(updates.location(citizen.user, 10.9312, 107.4125))
    await citizen.say(go_on)
    await citizen.say("Nguyễn Văn An")
    await citizen.send(updates.contact(citizen.user, "84912345678"))
    summary = await citizen.say("Số 12, ấp 3, xã Xuân Bắc")
    receipt = await citizen.press(summary.callback("ch:confirm:send"))
    code = CODE.search(receipt.text)
    assert code is not None, receipt.text
    return code.group(0)
