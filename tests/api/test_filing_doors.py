"""One PAKN filed through the chat and through Open311's use case (bot.core.filing,
in its own unit of work): the same case, the same events and the same card for the unit's
staff, each door only confirming it to its own sender."""

from typing import Any

from sqlalchemy import select

from bot.core.apikeys import client_of, issue_key
from bot.core.filing import Filing, file_for_app
from bot.core.work import Runner
from complaints.case import Contact, Location
from complaints.codes import parse_tracking_code
from complaints.people import Role
from storage.models import CaseEventRow, CaseRow, InboundRow
from tests.conversation.harness import Harness, Out, one, to

CITIZEN, STAFF = "1001", "2001"
TEXT = "The road in hamlet 3 has been flooded for two weeks after the works."
SENDER = ("Nguyễn Văn An", "0912345678", "Ấp 3, xã Xuân Bắc")
APP_LINE = "Filed through an Open311 app"
DOOR = {"id", "code", "channel", "chat_id", "citizen_id"}
"""What a case has from the door it came through rather than from its PAKN."""


async def file_in_chat(bot: Harness) -> tuple[str, list[Out]]:
    """The PAKN filed from a chat: its code, and what sending it owed everyone."""
    start = await bot.text(CITIZEN, "/phananh")
    await bot.press(CITIZEN, one(CITIZEN, start).payload("cs:"))
    await bot.press(CITIZEN, "ch:field:dat_dai")
    await bot.press(CITIZEN, "ch:area:26428")
    await bot.text(CITIZEN, TEXT)
    await bot.location(CITIZEN, 10.93, 107.41)
    await bot.text(CITIZEN, "Continue")
    await bot.text(CITIZEN, SENDER[0])
    await bot.contact(CITIZEN, "+84912345678")
    confirm = await bot.text(CITIZEN, SENDER[2])
    sent = await bot.press(CITIZEN, one(CITIZEN, confirm).payload("ch:confirm:send"))
    code = parse_tracking_code(one(CITIZEN, sent).text)
    assert code is not None, sent
    return code, sent


async def file_by_app(bot: Harness) -> str:
    async with bot.store.unit_of_work() as uow:
        key, _number = await issue_key(uow, "Ứng dụng 1022", bot.clock())
        client = await client_of(uow, key)
    assert client is not None
    filing = Filing(field="dat_dai", area="26428", text=TEXT, contact=Contact(*SENDER),
                    location=Location(10.93, 107.41))
    runner = Runner(bot.store, bot.settings, bot.calendars, bot.clock, lambda: None)
    case = await runner.run(lambda work: file_for_app(
        work, filing, app_chat=client.chat_id, app_name=client.key.name, language="en"),
        "open311")
    return case.code


async def filed(bot: Harness, code: str) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The case as its PAKN made it, and its events (the sender's own shown as such)."""
    async with bot.database.reading() as session:
        case = (await session.execute(select(CaseRow).where(CaseRow.code == code))
                ).scalar_one()
        events = (await session.execute(select(CaseEventRow).where(
            CaseEventRow.case_id == case.id).order_by(CaseEventRow.id))).scalars().all()
    fields = {c.name: getattr(case, c.name) for c in CaseRow.__table__.columns
              if c.name not in DOOR}
    return fields, [(e.at, "sender" if e.actor_id == case.citizen_id else e.actor_id,
                     e.kind, e.unit_code, e.data) for e in events]


def to_unit(messages: list[Out], code: str) -> list[tuple[Any, ...]]:
    """What the unit's staff were sent, the case's code and the app's line set aside."""
    return [(m.kind, [line for line in m.text.replace(code, "CODE").splitlines()
                      if not line.startswith(APP_LINE)],
             [b for b in m.labels() if b not in ("Reply", "Ask for information")])
            for m in to(STAFF, messages)]


async def test_the_chat_and_open311_file_the_same_case(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.new_messages()

    chat_code, by_chat = await file_in_chat(bot)
    app_code = await file_by_app(bot)
    by_app = await bot.new_messages()

    assert await filed(bot, app_code) == await filed(bot, chat_code)
    assert to_unit(by_app, app_code) == to_unit(by_chat, chat_code)
    assert APP_LINE in one(STAFF, by_app).text and APP_LINE not in one(STAFF, by_chat).text
    assert "Reply" not in one(STAFF, by_app).labels(), "the app's sender reads no chat"
    app = await bot.case(app_code)
    [to_app] = [m for m in by_app if m.chat == app.chat_id]
    assert "Your PAKN was received" in to_app.text and app_code in to_app.text
    async with bot.database.reading() as session:
        kept = (await session.execute(select(InboundRow).where(
            InboundRow.channel == "open311"))).scalar_one()
    assert (kept.chat_id, kept.account_id, kept.text) == (app.chat_id, app.citizen_id, TEXT)
