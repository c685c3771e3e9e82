"""The focal point and personal data: a case whose unit nobody has joined goes to the
focal point's staff, who can then take it, answer, ask, transfer and resolve it; once
the unit has staff of its own, the focal point no longer acts on it. And whatever staff
do to a case, a member of staff who cannot act on it is never sent the sender's name,
phone or address (cards redrawn after a transfer included)."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from complaints.people import Role
from storage.models import AccountRow, OutboxRow
from tests.conversation.harness import Harness, Out, one, to
from tests.conversation.test_pakn_flow import CITIZEN, STAFF, file_pakn
from tests.conversation.test_staff import FOCAL_STAFF, PTP_STAFF, transfer

POLICE = "3101"
UNIT_OF = {STAFF: "PTNMT", PTP_STAFF: "PTP", FOCAL_STAFF: "VP"}
NAME, ADDRESS, PHONE_DIGITS = "Nguyễn Văn An", "Ấp 3", "912345678"
"""What file_pakn gives as the sender's details."""


def personal(text: str) -> list[str]:
    found = [value for value in (NAME, "Văn An", ADDRESS) if value in text]
    if PHONE_DIGITS in re.sub(r"\D", "", text):
        found.append("phone")
    return found


async def staffed(bot: Harness) -> None:
    for chat, unit in UNIT_OF.items():
        await bot.join(chat, Role.STAFF, unit)
    await bot.text(CITIZEN, "/start")


async def test_the_focal_point_acts_on_the_cases_it_receives(bot: Harness) -> None:
    await staffed(bot)
    code = await file_pakn(bot, field="cu_tru")
    row = await bot.case(code)
    assert row.unit_code == "CAH", "nobody has joined the district police"
    inbox = one(FOCAL_STAFF, await bot.text(FOCAL_STAFF, "/hopthu"))
    assert code in inbox.text, "it is in the focal point's inbox"
    card = to(FOCAL_STAFF, await bot.press(FOCAL_STAFF, f"ca:open:{row.id}"))[0]
    assert NAME in card.text, "who handles it sees whom to answer"
    for prefix in ("ca:claim:", "ca:reply:", "ca:ask:", "ca:transfer:", "ca:resolve:"):
        card.payload(prefix)

    taken = one(FOCAL_STAFF, await bot.press(FOCAL_STAFF, f"ca:claim:{row.id}"))
    assert "You took" in taken.text, taken.text
    await bot.press(FOCAL_STAFF, f"ca:reply:{row.id}")
    replied = await bot.text(FOCAL_STAFF, "We have asked the police to look at it.")
    assert "We have asked the police" in to(CITIZEN, replied)[0].text
    await bot.press(FOCAL_STAFF, f"ca:ask:{row.id}")
    asked = await bot.text(FOCAL_STAFF, "Which street is it?")
    assert "Which street" in to(CITIZEN, asked)[0].text
    await bot.text(CITIZEN, "Hùng Vương street.")
    await bot.press(FOCAL_STAFF, f"ca:resolve:{row.id}")
    await bot.text(FOCAL_STAFF, "The police registered the residence on 5 March.")
    done = await bot.press(FOCAL_STAFF, f"ss:resolve:{row.id}")
    assert "is resolved" in "\n".join(m.text for m in to(FOCAL_STAFF, done))
    assert (await bot.case(code)).status == "resolved"


async def test_the_focal_point_places_what_it_receives(bot: Harness) -> None:
    await staffed(bot)
    code = await file_pakn(bot, field="cu_tru")
    row = await bot.case(code)
    moved = await transfer(bot, FOCAL_STAFF, row.id, "PTP", "This is for the Justice Office.")
    assert code in to(PTP_STAFF, moved)[0].text
    assert (await bot.case(code)).unit_code == "PTP"


async def test_once_the_unit_has_staff_the_focal_point_steps_back(bot: Harness) -> None:
    await staffed(bot)
    code = await file_pakn(bot, field="cu_tru")
    row = await bot.case(code)
    await bot.join(POLICE, Role.STAFF, "CAH")
    refused = one(FOCAL_STAFF, await bot.press(FOCAL_STAFF, f"ca:claim:{row.id}"))
    assert "cannot do that" in refused.text
    # The police take it: every card is redrawn, the focal point's without the sender.
    taken = await bot.press(POLICE, f"ca:claim:{row.id}")
    redrawn = [m for m in taken if m.chat == FOCAL_STAFF and m.kind == "edit"]
    assert redrawn, taken
    for card in redrawn:
        assert not personal(card.text) and not card.buttons, card.text
        assert "shown only to the staff handling the case" in card.text
    inbox = one(FOCAL_STAFF, await bot.text(FOCAL_STAFF, "/hopthu"))
    assert code not in inbox.text


# --- whatever happens, no personal data to who cannot act --------------------------------

STEPS = st.tuples(st.sampled_from(list(UNIT_OF)), st.sampled_from(
    ["claim", "reply", "ask", "resolve", "open", "inbox", "status",
     "transfer:PTP", "transfer:CAH", "transfer:PTNMT", "transfer:PTCKH"]))


def can_act(chat: str, unit: str) -> bool:
    """The oracle: the unit's staff; the focal point's for units nobody has joined."""
    return UNIT_OF[chat] == unit or (chat == FOCAL_STAFF and unit not in UNIT_OF.values())


async def step(bot: Harness, chat: str, action: str, case_id: int, code: str) -> list[Out]:
    if action.startswith("transfer:"):
        unit = action.partition(":")[2]
        choices = to(chat, await bot.press(chat, f"ca:transfer:{case_id}"))
        payloads = [b["payload"] for m in choices for b in m.buttons
                    if str(b.get("payload", "")).endswith(f":{unit}")]
        if not payloads:
            return choices
        out = await bot.press(chat, payloads[0])
        return choices + out + await bot.text(chat, "Not ours, sorry.")
    if action in ("reply", "ask", "resolve"):
        out = await bot.press(chat, f"ca:{action}:{case_id}")
        out += await bot.text(chat, "A message for the sender about the works.")
        if action == "resolve":
            out += await bot.press(chat, f"ss:resolve:{case_id}")
        return out
    if action == "inbox":
        return await bot.text(chat, "/hopthu")
    if action == "status":
        return await bot.text(chat, f"/trangthai {code}")
    return await bot.press(chat, f"ca:{action}:{case_id}")


async def _last(bot: Harness) -> int:
    async with bot.database.reading() as session:
        return int((await session.execute(select(func.max(OutboxRow.id)))).scalar() or 0)


async def _since(bot: Harness, mark: int) -> list[Out]:
    """Every message owed since `mark`, whichever steps made them."""
    async with bot.database.reading() as session:
        rows = (await session.execute(select(OutboxRow).where(OutboxRow.id > mark)
                                      .order_by(OutboxRow.id))).scalars().all()
    return [Out(id=r.id, chat=r.chat_id, kind=r.kind, text=r.body["text"]) for r in rows]


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(field=st.sampled_from(["dat_dai", "cu_tru"]), steps=st.lists(STEPS, max_size=6))
async def test_staff_who_cannot_act_never_get_the_sender_s_details(
        bot: Harness, field: str, steps: list[tuple[str, str]]) -> None:
    if not await bot.count(AccountRow):  # the first example: the same database after
        await staffed(bot)
    bot.clock.advance(hours=1)  # examples an hour apart: one person's filings stay in limits
    mark = await _last(bot)
    code = await file_pakn(bot, field=field)
    out = await _since(bot, mark)
    row = await bot.case(code)
    history = [("file", out)]
    for chat, action in steps:
        await bot.text(chat, "/huy")  # out of any half-finished step of the last one
        history.append((f"{chat} {action}", await step(bot, chat, action, row.id, code)))
        unit = (await bot.case(code)).unit_code
        for message in history[-1][1]:
            if message.chat in UNIT_OF and not can_act(message.chat, unit):
                assert not personal(message.text), (history[-1][0], unit, message.chat,
                                                    message.text)
    for message in out:  # the cards of the new case
        if message.chat in UNIT_OF and not can_act(message.chat, row.unit_code):
            assert not personal(message.text), message.text
