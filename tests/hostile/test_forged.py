"""Forged button payloads aimed at someone else's case, and replayed updates: posted to
the Telegram webhook as Telegram would, by a citizen and by staff of another unit. The
case, its history, its rating and the other people's chats stay exactly as they were."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from complaints.people import Role
from storage.models import (
    ApologyRow,
    AttachmentRow,
    CaseEventRow,
    CaseRow,
    DialogRow,
    HandlingRatingRow,
    OutboxRow,
)
from tests.conversation.harness import Harness
from tests.conversation.test_pakn_flow import file_pakn
from tests.fakes import updates
from tests.fakes.updates import User
from tests.hostile.checks import FUZZ, leaks, logged_errors
from tests.hostile.stage import Stage

VICTIM, HANDLER = "5001", "5002"
CITIZEN_ATTACKER = User(6001, "Mallory")
STAFF_ATTACKER = User(6002, "Trudy")  # staff of the Justice Office, not the case's unit
STEPS = ["claim", "reply", "ask", "transfer", "resolve", "apologise", "open", "x"]


def forged(case_id: int) -> st.SearchStrategy[str]:
    """Payloads our buttons carry, with this case's id or ids near and far from it."""
    ids = st.one_of(st.just(case_id), st.sampled_from([case_id + 1, 0, 2**31, 2**63,
                                                        10**30]))
    return st.one_of(
        st.builds("ca:{}:{}".format, st.sampled_from(STEPS), ids),
        st.builds("tt:{}:{}".format, ids, st.sampled_from(["PTP", "VP", "PTNMT", "NOPE"])),
        st.builds("ac:{}".format, ids),
        st.builds("ss:{}:{}".format, st.sampled_from(["resolve", "cancel", "apology",
                                                      "d20301231", "d2026"]), ids),
        st.builds("rt:{}:{}".format, ids, st.integers(0, 9)),
        st.builds("rs:{}:{}".format, st.sampled_from(["too_slow", "reopen", "keep", "skip"]),
                  ids),
        st.builds("xd:{}".format, st.sampled_from(["yes", "no"])),
    )


async def _case_state(stage: Stage, case_id: int) -> dict[str, Any]:
    """Everything about the case and the people who may act on it."""
    async with stage.service.database.reading() as session:
        def rows(model: Any, *where: Any) -> Any:
            return session.execute(select(model).where(*where).order_by(model.id))
        case = (await session.execute(select(CaseRow).where(CaseRow.id == case_id))
                ).scalar_one()
        state: dict[str, Any] = {"case": _columns(case)}
        for name, model in (("events", CaseEventRow), ("apologies", ApologyRow),
                            ("attachments", AttachmentRow)):
            state[name] = [_columns(r) for r in (await rows(model, model.case_id == case_id)
                                                 ).scalars()]
        state["rating"] = [_columns(r) for r in (await rows(
            HandlingRatingRow, HandlingRatingRow.case_id == case_id)).scalars()]
        state["dialogs"] = [_columns(r) for r in (await session.execute(
            select(DialogRow).where(DialogRow.chat_id.in_([VICTIM, HANDLER])))).scalars()]
        # What they were told (not how far its delivery has got: a sensitive message
        # keeps only a mark once delivered).
        state["told"] = [(row_id, kind, None if sensitive else body) for
                         row_id, kind, body, sensitive in await session.execute(
            select(OutboxRow.id, OutboxRow.kind, OutboxRow.body, OutboxRow.sensitive)
            .where(OutboxRow.chat_id.in_([VICTIM, HANDLER])).order_by(OutboxRow.id))]
    return state


def _columns(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


async def _victim_case(bot: Harness) -> int:
    await bot.join(HANDLER, Role.STAFF, "PTNMT")
    await bot.join(str(STAFF_ATTACKER.id), Role.STAFF, "PTP")
    code = await file_pakn(bot, VICTIM)
    return (await bot.case(code)).id


@pytest.fixture
async def victim(bot: Harness, stage: Stage) -> tuple[int, dict[str, Any]]:
    """A citizen's case at its unit, with a colleague there and staff of another unit
    about: its id, and its state before anyone tries anything."""
    case_id = await _victim_case(bot)
    return case_id, await _case_state(stage, case_id)


@FUZZ
@given(attacker=st.sampled_from([CITIZEN_ATTACKER, STAFF_ATTACKER]), data=st.data())
async def test_forged_payloads_change_nothing(stage: Stage, victim: tuple[int, Any],
                                              attacker: User, data: st.DataObject) -> None:
    case_id, before = victim
    payload = data.draw(forged(case_id), label="payload")
    mark = await stage.last_outbox_id()
    with logged_errors() as errors:
        assert await stage.telegram_update(updates.callback(attacker, payload)) == 200
        assert not errors.take(), payload
    assert await _case_state(stage, case_id) == before, payload
    for _channel, chat, text in await stage.outbox_texts(mark):
        assert chat == str(attacker.id), (payload, chat, text)
        assert leaks(text) is None, (payload, text)


async def test_forged_typed_answers_after_a_forged_step_change_nothing(
        bot: Harness, stage: Stage) -> None:
    """A payload that opens a step (reply, resolve) is refused, so the text that follows
    is not taken as the step's answer either."""
    case_id = await _victim_case(bot)
    before = await _case_state(stage, case_id)
    for attacker in (CITIZEN_ATTACKER, STAFF_ATTACKER):
        for step in ("reply", "resolve", "ask", "transfer", "apologise"):
            assert await stage.telegram_update(
                updates.callback(attacker, f"ca:{step}:{case_id}")) == 200
            assert await stage.telegram_update(
                updates.text(attacker, "This is the final answer, the case is closed.")) == 200
            assert await stage.telegram_update(
                updates.callback(attacker, f"ss:resolve:{case_id}")) == 200
    assert await _case_state(stage, case_id) == before


async def test_a_replayed_update_changes_nothing_the_second_time(
        bot: Harness, stage: Stage) -> None:
    case_id = await _victim_case(bot)
    handler = User(int(HANDLER), "Bình")
    sequence = [updates.callback(handler, f"ca:claim:{case_id}"),
                updates.callback(handler, f"ca:reply:{case_id}"),
                updates.text(handler, "We are looking into it this week."),
                updates.text(User(int(VICTIM), "An"), "/tracuu")]
    for update in sequence:
        assert await stage.telegram_update(update) == 200
        once = (await stage.counts(), await _case_state(stage, case_id))
        for _ in range(3):
            assert await stage.telegram_update(update) == 200
            assert (await stage.counts(), await _case_state(stage, case_id)) == once
    async with stage.service.database.reading() as session:
        case = await session.get(CaseRow, case_id)
        events = (await session.execute(select(CaseEventRow.kind).where(
            CaseEventRow.case_id == case_id).order_by(CaseEventRow.id))).scalars().all()
    assert case is not None and case.assignee_id is not None
    assert events == ["received", "claimed", "replied"], "each step once"


async def test_a_forged_date_in_the_handlers_own_apology_is_refused(
        bot: Harness, stage: Stage) -> None:
    """Even the handler, at the step where the apology's new date is chosen: a date
    button the bot never made, or a date typed that no calendar has, is refused."""
    case_id = await _victim_case(bot)
    handler = User(int(HANDLER), "Bình", language_code="en")
    for update in (updates.callback(handler, f"ca:apologise:{case_id}"),
                   updates.text(handler, "Waiting for the survey team.")):
        assert await stage.telegram_update(update) == 200
    before = await _case_state(stage, case_id)
    mark = await stage.last_outbox_id()
    with logged_errors() as errors:
        for day in ("d2026", "d20260230", "d99999999", "dd"):
            assert await stage.telegram_update(
                updates.callback(handler, f"ss:{day}:{case_id}")) == 200
        for typed in ("31/02/2026", "1/1/99999999999999999999", "1/1/-5"):
            assert await stage.telegram_update(updates.text(handler, typed)) == 200
        assert not errors.take()
    answers = [text for _channel, chat, text in await stage.outbox_texts(mark)
               if chat == HANDLER]
    assert len(answers) == 7 and all("no longer valid" in text for text in answers[:4])
    assert all("dd/mm/yyyy" in text for text in answers[4:]), answers
    after = await _case_state(stage, case_id)
    assert after["case"] == before["case"] and after["events"] == before["events"]
