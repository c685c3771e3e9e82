"""The staff actions as use cases (bot.core.casework), on a real database: what each
records and owes people, and that the chat and the dashboard, which both call them,
record and owe the same."""

import secrets
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.core import casework
from bot.core.actions import StaffAction
from bot.core.casework import Done
from bot.core.work import Runner, Work
from bot.present.i18n import use_locale
from bot.web.desk import carry_out
from bot.web.session import Viewer
from complaints.case import EventKind
from complaints.errors import NotAllowed
from complaints.people import Account, Role
from storage.models import InboundRow
from tests.conversation.harness import Harness, Out, to
from tests.conversation.test_pakn_flow import CITIZEN, STAFF, file_pakn

OTHER_UNIT_STAFF = "2101"
UseCase = Callable[[Work], Awaitable[Done]]


async def account(bot: Harness, chat: str) -> Account:
    async with bot.store.unit_of_work() as uow:
        found = await uow.accounts.find("telegram", chat)
    assert found is not None
    return found


async def run(bot: Harness, use_case: UseCase) -> tuple[Done, list[dict[str, Any]]]:
    """The use case in one transaction; what it owes, built in English."""
    runner = Runner(bot.store, bot.settings, bot.calendars, bot.clock, lambda: None)
    owed: list[dict[str, Any]] = []

    async def traced(work: Work) -> Done:
        done = await use_case(work)
        with use_locale("en"):
            owed.extend({"to": m.to.id, "chats": m.chats, "redraws": m.edit_of is not None,
                         "text": m.build().text} for m in work.owed)
        return done
    return await runner.run(traced, "test"), owed


async def setup(bot: Harness) -> tuple[str, Account, Account]:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code = await file_pakn(bot, field="dat_dai")
    await bot.new_messages()
    return code, await account(bot, STAFF), await account(bot, CITIZEN)


async def test_taking_a_case_records_it_and_owes_the_sender_a_word(bot: Harness) -> None:
    code, staff, citizen = await setup(bot)

    async def take(work: Work) -> Done:
        case = await work.uow.cases.get_by_code(code)
        assert case is not None
        return await casework.claim(work, staff.as_actor(), case)
    done, owed = await run(bot, take)

    assert [e.kind for e in done.events] == [EventKind.CLAIMED]
    with use_locale("en"):
        assert done.told() == f"You took {code}."
    to_sender = [m for m in owed if m["to"] == citizen.id]
    assert len(to_sender) == 1 and "now being handled by" in to_sender[0]["text"]
    assert any(m["redraws"] and m["to"] == staff.id for m in owed), "the staff's card redrawn"
    assert (await bot.case(code)).status == "in_progress"


async def test_a_refused_action_changes_nothing_and_owes_nothing(bot: Harness) -> None:
    code, _staff, _citizen = await setup(bot)
    await bot.join(OTHER_UNIT_STAFF, Role.STAFF, "PTP")
    other = await account(bot, OTHER_UNIT_STAFF)

    async def answer(work: Work) -> Done:
        case = await work.uow.cases.get_by_code(code)
        assert case is not None
        return await casework.resolve(work, other.as_actor(), case, "Not ours, but done.")
    with pytest.raises(NotAllowed):
        await run(bot, answer)
    assert (await bot.case(code)).status == "received"
    assert await bot.new_messages() == []


async def test_merging_records_on_both_cases(bot: Harness) -> None:
    code, staff, _citizen = await setup(bot)
    survivor = await file_pakn(bot, chat="1077", field="dat_dai")

    async def merge(work: Work) -> Done:
        case = await work.uow.cases.get_by_code(code)
        assert case is not None
        return await casework.merge(work, staff.as_actor(), case, survivor,
                                    "The same flooded road.")
    done, owed = await run(bot, merge)
    assert {e.kind for e in done.events} == {EventKind.MERGED, EventKind.ABSORBED}
    assert (await bot.case(code)).status == "duplicate"
    assert any("joined" in m["text"] for m in owed)


async def test_the_apology_is_signed_numbered_and_owed_as_text_and_document(
        bot: Harness) -> None:
    code, staff, citizen = await setup(bot)

    async def apologise(work: Work) -> Done:
        case = await work.uow.cases.get_by_code(code)
        assert case is not None
        official = await casework.signed(work, staff, "Trần Thị Hoa", "Chuyên viên")
        return await casework.apologise(work, staff.as_actor(), official, case,
                                        "Waiting for the land survey.", date(2026, 5, 6))
    done, owed = await run(bot, apologise)
    assert [e.kind for e in done.events] == [EventKind.APOLOGISED]
    to_sender = [m["text"] for m in owed if m["to"] == citizen.id]
    assert any("Trần Thị Hoa" in text for text in to_sender), "signed by the official"
    assert any("as a document" in text for text in to_sender)
    assert (await bot.case(code)).extended_due_at is not None


def normalised(messages: list[Out], code: str) -> list[tuple[str, str]]:
    return [(m.kind, m.text.replace(code, "CODE")) for m in messages]


@pytest.mark.parametrize("action", [StaffAction.REPLY, StaffAction.ASK, StaffAction.RESOLVE])
async def test_chat_and_dashboard_record_and_owe_the_same(bot: Harness,
                                                          action: StaffAction) -> None:
    """The same action on two like cases, once from the chat's buttons and once from the
    dashboard's form: the same events, the same messages to the sender."""
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    in_chat = await file_pakn(bot, field="dat_dai")
    on_page = await file_pakn(bot, field="dat_dai")
    await bot.new_messages()
    text = "The drainage team will come on Thursday."

    chat_case = await bot.case(in_chat)
    await bot.press(STAFF, f"ca:{action}:{chat_case.id}")
    said = await bot.text(STAFF, text)
    if action is StaffAction.RESOLVE:  # the chat asks to confirm the final answer
        said = await bot.press(STAFF, f"ss:resolve:{chat_case.id}")
    from_chat = to(CITIZEN, said)

    viewer = Viewer(await account(bot, STAFF), csrf="x")
    runner = Runner(bot.store, bot.settings, bot.calendars, bot.clock, lambda: None)
    nonce = secrets.token_urlsafe(18)
    done = await runner.run(
        lambda work: carry_out(viewer, action, on_page, nonce, {"text": text}, work), "dashboard")
    assert done is not None
    from_page = to(CITIZEN, await bot.new_messages())

    assert normalised(from_chat, in_chat) == normalised(from_page, on_page)
    async with bot.store.unit_of_work() as uow:
        histories = []
        for code in (in_chat, on_page):
            case = await uow.cases.get_by_code(code)
            assert case is not None and case.id is not None
            histories.append([(e.kind, e.data.get("text")) for e in
                              await uow.cases.history(case.id)])
    assert histories[0] == histories[1]

    again = await runner.run(
        lambda work: carry_out(viewer, action, on_page, nonce, {"text": text}, work), "dashboard")
    assert again is None, "the same form sent twice acts once"
    assert to(CITIZEN, await bot.new_messages()) == []
    async with bot.database.reading() as session:
        kept = (await session.execute(select(InboundRow).where(
            InboundRow.channel == "dashboard", InboundRow.update_key == nonce))).scalars().all()
    assert len(kept) == 1, "the form's nonce is kept once, with what it did"
