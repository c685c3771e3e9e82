"""Staff handling: transfers, the focal point, heads, interim replies, the inbox, invites."""

from sqlalchemy import select

from complaints.people import Role
from storage.models import AccountRow, InboundRow, OutboxRow
from tests.conversation.harness import Clock, Harness, one, to
from tests.conversation.test_pakn_flow import CITIZEN, STAFF, file_pakn

PTP_STAFF, FOCAL_STAFF, HEAD, ADMIN = "3001", "3002", "3003", "3004"


async def transfer(bot: Harness, chat: str, case_id: int, unit: str, reason: str) -> list:
    choices = one(chat, await bot.press(chat, f"ca:transfer:{case_id}"))
    payload = next(b["payload"] for b in choices.buttons if b["payload"].endswith(f":{unit}"))
    await bot.press(chat, payload)
    return await bot.text(chat, reason)


async def test_transfer_moves_the_case_and_redraws_cards(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.join(PTP_STAFF, Role.STAFF, "PTP")
    code = await file_pakn(bot, field="dat_dai")
    row = await bot.case(code)

    choices = one(STAFF, await bot.press(STAFF, f"ca:transfer:{row.id}"))
    assert "Justice Office" in choices.labels()
    assert "Natural Resources and Environment Office" not in choices.labels()
    moved = await transfer(bot, STAFF, row.id, "PTP", "This is about a birth certificate.")
    assert "transferred to Justice Office" in one(STAFF, moved).text
    assert "transferred to Justice Office" in one(CITIZEN, moved).text
    new_card = to(PTP_STAFF, moved)[0]
    assert code in new_card.text and new_card.payload("ca:claim:")
    old_card = next(m for m in moved if m.kind == "edit" and m.chat == STAFF)
    assert not old_card.buttons and "Now with: Justice Office" in old_card.text
    after = await bot.case(code)
    assert (after.unit_code, after.transfers, after.status) == ("PTP", 1, "received")
    refused = one(STAFF, await bot.press(STAFF, f"ca:claim:{row.id}"))
    assert "cannot do that" in refused.text, "the old unit no longer acts on it"


async def test_after_three_transfers_it_goes_to_the_focal_point(bot: Harness) -> None:
    units = ["PTNMT", "PTP", "PTCKH", "PKTHT"]
    chats = ["401", "402", "403", "404"]
    for chat, unit in zip(chats, units, strict=True):
        await bot.join(chat, Role.STAFF, unit)
    await bot.join(FOCAL_STAFF, Role.STAFF, "VP")
    code = await file_pakn(bot, field="dat_dai")
    row = await bot.case(code)
    for index in range(3):
        await transfer(bot, chats[index], row.id, units[index + 1], "Not ours.")
    assert (await bot.case(code)).transfers == 3
    prompt = one(chats[3], await bot.press(chats[3], f"ca:transfer:{row.id}"))
    assert "focal point" in prompt.text and not [b for b in prompt.buttons
                                                 if b["payload"].startswith("tt:")]
    forced = await bot.text(chats[3], "Still not ours.")
    assert "limit of transfers" in one(chats[3], forced).text
    assert code in to(FOCAL_STAFF, forced)[0].text
    after = await bot.case(code)
    assert (after.unit_code, after.transfers) == ("VP", 4)
    # The focal point places it itself, without the cap.
    await transfer(bot, FOCAL_STAFF, row.id, "PTNMT", "Back to the land office, with notes.")
    assert (await bot.case(code)).unit_code == "PTNMT"


async def test_a_unit_without_staff_falls_back_to_the_focal_point(bot: Harness) -> None:
    await bot.join(FOCAL_STAFF, Role.STAFF, "VP")
    await bot.text(CITIZEN, "/start")
    code = await file_pakn(bot, field="cu_tru")
    row = await bot.case(code)
    assert row.unit_code == "CAH"
    async with bot.database.reading() as session:
        cards = (await session.execute(select(OutboxRow.chat_id).where(
            OutboxRow.card_case_id == row.id))).scalars().all()
    assert cards == [FOCAL_STAFF], "the police have no one here yet: the focal point sees it"
    inbox = one(FOCAL_STAFF, await bot.text(FOCAL_STAFF, "/hopthu"))
    assert code in inbox.text, "the focal point handles it: it is in their inbox"


async def test_heads_take_over_and_interim_replies(bot: Harness) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    await bot.join(HEAD, Role.HEAD, "PTNMT")
    await bot.join(PTP_STAFF, Role.STAFF, "PTNMT")
    code = await file_pakn(bot)
    row = await bot.case(code)
    await bot.press(STAFF, f"ca:claim:{row.id}")
    taken = one(PTP_STAFF, await bot.press(PTP_STAFF, f"ca:claim:{row.id}"))
    assert "Another colleague" in taken.text
    assert "You took" in one(HEAD, await bot.press(HEAD, f"ca:claim:{row.id}")).text
    async with bot.database.reading() as session:
        head_id = (await session.execute(select(AccountRow.id).where(
            AccountRow.role == "head"))).scalar_one()
    assert (await bot.case(code)).assignee_id == head_id

    await bot.press(HEAD, f"ca:reply:{row.id}")
    replied = await bot.text(HEAD, "We are checking with the contractor this week.")
    assert "checking with the contractor" in one(CITIZEN, replied).text
    assert (await bot.case(code)).status == "in_progress"
    assert (await bot.dialog_state(HEAD)) == "idle"


async def test_inbox_orders_by_deadline(bot: Harness, clock: Clock) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    first = await file_pakn(bot, field="dat_dai")
    clock.advance(days=1)
    second = await file_pakn(bot, field="moi_truong")
    inbox = one(STAFF, await bot.text(STAFF, "/hopthu"))
    assert inbox.text.index(first) < inbox.text.index(second)
    assert inbox.labels() == [first, second]
    card = one(STAFF, [m for m in await bot.press(STAFF, inbox.buttons[1]["payload"])
                       if not m.photo])
    assert second in card.text and card.payload("ca:claim:")
    assert "for staff" in one(CITIZEN, await bot.text(CITIZEN, "/hopthu")).text


async def test_invites_are_single_use_and_admin_only(bot: Harness, clock: Clock) -> None:
    token = await bot.invite(Role.STAFF, "PTNMT")
    assert "PTNMT" not in token
    one(STAFF, await bot.text(STAFF, f"/start {token}"))
    reused = one(PTP_STAFF, await bot.text(PTP_STAFF, f"/start {token}"))
    assert "not valid" in reused.text
    stale = await bot.invite(Role.STAFF, "PTNMT")
    clock.advance(days=8)
    assert "not valid" in one(HEAD, await bot.text(HEAD, f"/start {stale}")).text

    assert "Only administrators" in one(STAFF, await bot.text(STAFF, "/moi staff PTP")).text
    await bot.join(ADMIN, Role.ADMIN, None)
    usage = one(ADMIN, await bot.text(ADMIN, "/moi staff"))
    assert "PTNMT" in usage.text, "the unit codes are listed"
    made = one(ADMIN, await bot.text(ADMIN, "/moi head PTP"))
    new_token = made.text.split("/start ")[1].split()[0]
    welcome = one(HEAD, await bot.text(HEAD, f"/start {new_token}"))
    assert "head of Justice Office" in welcome.text


async def test_invite_tokens_are_not_kept_in_clear(bot: Harness) -> None:
    token = await bot.invite(Role.STAFF, "PTNMT")
    await bot.text(STAFF, f"/start {token}")
    async with bot.database.reading() as session:
        kept = (await session.execute(select(InboundRow.text, InboundRow.data))).all()
    assert token not in str(kept) and "inv_…" in str(kept)
