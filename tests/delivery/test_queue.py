"""The queue itself: leases between workers (and after a crash), and idempotent enqueue."""

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.channels.telegram import TelegramChannel
from bot.core.records import Chat, Outgoing
from bot.delivery.outbox import LEASE_SECONDS, OutboxDispatcher
from bot.spine.messages import Reply
from storage.models import OutboxRow
from storage.uow import Store
from tests.delivery.conftest import Clock, RecordingBotApi, enqueue, outbox_row, outbox_rows


async def test_a_leased_row_waits_for_its_lease_to_end_when_its_worker_crashed(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    start = clock()
    first = await enqueue(store, 8001, Reply("Tin 1"), "lease-1", start)
    second = await enqueue(store, 8001, Reply("Tin 2"), "lease-2", start)
    # A worker leases the row, then dies before sending or recording anything.
    async with store.outbox_queue() as queue:
        claimed = await queue.claim_due(start, 10, LEASE_SECONDS, ["telegram"])
    assert [item.id for item in claimed] == [first]
    row = await outbox_row(store, first)
    assert row.lease_until == start + timedelta(seconds=LEASE_SECONDS)
    assert (row.status, row.attempts) == ("pending", 0)

    for elapsed in (0.0, 1.0, LEASE_SECONDS - 1):
        clock.set(start + timedelta(seconds=elapsed))
        assert await dispatcher.claim_and_start() == 0  # neither it nor the chat's next
    assert fake_api.to_chat(8001) == []

    clock.set(start + timedelta(seconds=LEASE_SECONDS))
    await dispatcher.deliver_all()

    assert [c.params["text"] for c in fake_api.to_chat(8001)] == ["Tin 1", "Tin 2"]
    rows = [await outbox_row(store, first), await outbox_row(store, second)]
    assert [(r.status, r.attempts, r.last_error, r.lease_until) for r in rows] == \
        [("sent", 1, None, None)] * 2
    assert [r.external_id for r in rows] == [
        str(fake_api.message_id(8001, "Tin 1")), str(fake_api.message_id(8001, "Tin 2"))]


async def test_a_row_claimed_by_one_dispatcher_is_not_claimed_by_another(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    chats = list(range(8101, 8111))
    ids = [await enqueue(store, chat, Reply(f"Tin cho {chat}"), f"two-{chat}", clock())
           for chat in chats]
    one = OutboxDispatcher(store, [telegram], clock)
    other = OutboxDispatcher(store, [telegram], clock)

    started = await asyncio.gather(one.claim_and_start(), other.claim_and_start(),
                                   one.claim_and_start(), other.claim_and_start())
    assert sum(started) == len(chats)
    # While those deliveries are under way, nothing is there to claim a second time.
    assert await other.claim_and_start() == 0
    await asyncio.gather(one.drain(), other.drain())

    for chat in chats:
        assert [c.params["text"] for c in fake_api.to_chat(chat)] == [f"Tin cho {chat}"]
    rows = [await outbox_row(store, row_id) for row_id in ids]
    assert {(r.status, r.attempts, r.last_error) for r in rows} == {("sent", 1, None)}
    assert [r.external_id for r in rows] == [
        str(fake_api.message_id(chat, f"Tin cho {chat}")) for chat in chats]
    clock.advance(seconds=LEASE_SECONDS * 2)
    assert await one.claim_and_start() == 0


async def test_enqueueing_twice_with_one_idempotency_key_stores_one_message(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    message = Outgoing(Chat("telegram", "8201"), Reply("Đã nhận PA-2026-000010").to_json(),
                       "update-77:reply-0")
    async with store.unit_of_work() as uow:
        first = await uow.outbox.enqueue(message, clock())
    async with store.unit_of_work() as uow:  # the same update processed again
        again = await uow.outbox.enqueue(message, clock())
        changed = await uow.outbox.enqueue(
            Outgoing(Chat("telegram", "8201"), Reply("Khác").to_json(), "update-77:reply-0"),
            clock())

    assert first is not None
    assert again is None and changed is None
    async with store.database.reading() as session:
        count = await session.scalar(select(func.count()).select_from(OutboxRow)
                                     .where(OutboxRow.idem_key == "update-77:reply-0"))
    assert count == 1
    [row] = await outbox_rows(store)
    assert (row.id, row.body["text"], row.status) == (first, "Đã nhận PA-2026-000010", "pending")

    await dispatcher.deliver_all()

    assert [c.params["text"] for c in fake_api.to_chat(8201)] == ["Đã nhận PA-2026-000010"]
    row = await outbox_row(store, first)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.external_id == str(fake_api.message_id(8201, "Đã nhận PA-2026-000010"))
