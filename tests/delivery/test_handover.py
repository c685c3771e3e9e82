"""Messages handed over as their transaction commits: leased as they are put in the
outbox, delivered in order without a claim from the queue; left to the queue when an
earlier message of the chat waits there, or given back to it when one fails."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from bot.channels.telegram import TelegramChannel
from bot.core.records import Chat, Outgoing
from bot.delivery.outbox import OutboxDispatcher
from bot.spine.messages import Reply
from storage.outbox import SqlOutboxRepository
from storage.uow import Store
from tests.delivery.conftest import Clock, RecordingBotApi, enqueue, outbox_row, outbox_rows
from tests.fakes.telegram_api import Failure
from tests.faults.waiting import eventually


async def put(store: Store, dispatcher: OutboxDispatcher, chat_id: int, texts: list[str],
              key: str, now: datetime, *, undone: list[str] | None = None) -> list[int]:
    """One transaction putting messages, as the dispatcher of updates runs it; `undone`:
    put first in a savepoint that is rolled back (a handler that failed)."""
    chat = Chat("telegram", str(chat_id))
    async with store.unit_of_work() as uow:
        uow.outbox.lease_new(dispatcher, dispatcher.lease_seconds)
        if undone:
            with contextlib.suppress(RuntimeError):
                async with uow.savepoint():
                    for number, text in enumerate(undone):
                        await uow.outbox.enqueue(Outgoing(
                            chat, Reply(text).to_json(), f"{key}:undone:{number}"), now)
                    raise RuntimeError("the handler failed after putting them")
        ids = []
        for number, text in enumerate(texts):
            row_id = await uow.outbox.enqueue(Outgoing(
                chat, Reply(text).to_json(), f"{key}:{number}"), now)
            assert row_id is not None
            ids.append(row_id)
    dispatcher.hand_over(uow.outbox.leased)
    return ids


def texts(api: RecordingBotApi, chat_id: int) -> list[str]:
    return [call.params["text"] for call in api.ok_to(chat_id)]


@contextlib.asynccontextmanager
async def running_while_telegram_waits(store: Store, telegram: TelegramChannel,
                                       api: RecordingBotApi,
                                       clock: Clock) -> AsyncIterator[OutboxDispatcher]:
    """A dispatcher running, which looks at the queue only when it has reason to (no poll
    in the test's time), while Telegram keeps every call waiting until `api.holding` is
    set: what is handed over stays under way."""
    dispatcher = OutboxDispatcher(store, [telegram], clock, poll_interval=600)
    api.holding = asyncio.Event()
    running = asyncio.create_task(dispatcher.run())
    try:
        yield dispatcher
    finally:
        api.holding.set()
        dispatcher.stop()
        await running


async def test_handed_over_messages_go_in_order_without_a_claim(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    first = await put(store, dispatcher, 9001, ["Một", "Hai"], "u1", clock())
    # While those are under way, the chat's next update's messages queue behind them.
    second = await put(store, dispatcher, 9001, ["Ba"], "u2", clock())
    await put(store, dispatcher, 9002, ["Khác"], "u3", clock())
    await dispatcher.drain()

    assert texts(fake_api, 9001) == ["Một", "Hai", "Ba"]
    assert texts(fake_api, 9002) == ["Khác"]
    for row_id in first + second:
        row = await outbox_row(store, row_id)
        assert (row.status, row.attempts, row.lease_until) == ("sent", 1, None)
    assert await dispatcher.claim_and_start() == 0


async def test_once_a_claim_took_what_the_queue_held_no_delivery_claims_again(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A message committed unleased (a scheduled job's) is claimed while handed-over ones
    are under way; the queue then holds nothing more, and delivering and recording
    those, and the next ones handed over, claim nothing."""
    claims: list[int] = []
    claim_due = SqlOutboxRepository.claim_due

    async def counted(self: SqlOutboxRepository, *args: object, **kwargs: object) -> list:
        found = await claim_due(self, *args, **kwargs)  # type: ignore[arg-type]
        claims.append(len(found))
        return found
    monkeypatch.setattr(SqlOutboxRepository, "claim_due", counted)
    async with running_while_telegram_waits(store, telegram, fake_api, clock) as dispatcher:
        await eventually(lambda: claims == [0], "the first look, at start", 10)
        for n in range(5):
            await put(store, dispatcher, 9021 + n, [f"Tin {n}"], f"h{n}", clock())
        await enqueue(store, 9030, Reply("Từ hàng đợi"), "queued", clock())
        dispatcher.wake()
        await eventually(lambda: claims == [0, 1], "the unleased one claimed", 10)
        assert fake_api.holding is not None
        fake_api.holding.set()
        for n in range(5):
            await put(store, dispatcher, 9031 + n, [f"Sau {n}"], f"l{n}", clock())

        async def recorded() -> bool:
            rows = await outbox_rows(store)
            return len(rows) == 11 and all(row.status == "sent" for row in rows)
        await eventually(recorded, "every message delivered and recorded", 10)
        await asyncio.sleep(0.2)  # (a claim a recording asked for would have begun)
        assert claims == [0, 1]


async def test_a_message_queued_behind_one_under_way_goes_once_that_one_is_recorded(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    """The claim cannot take a chat's message while an earlier one is under way: it looks
    again once that one is recorded, not at the next poll."""
    async with running_while_telegram_waits(store, telegram, fake_api, clock) as dispatcher:
        await put(store, dispatcher, 9041, ["Trước"], "first", clock())
        await eventually(lambda: fake_api.held == 1, "the first under way", 10)
        await enqueue(store, 9041, Reply("Sau"), "behind", clock())
        dispatcher.wake()
        await asyncio.sleep(0.2)  # the claim, which leaves it
        assert fake_api.holding is not None
        fake_api.holding.set()
        await eventually(lambda: texts(fake_api, 9041) == ["Trước", "Sau"], "both, in order",
                         10)


async def test_messages_behind_one_waiting_in_the_queue_are_left_to_it(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    waiting = await enqueue(store, 9011, Reply("Trước"), "older", clock())
    later = await put(store, dispatcher, 9011, ["Sau"], "u1", clock())
    await dispatcher.drain()
    assert texts(fake_api, 9011) == []
    assert (await outbox_row(store, later[0])).lease_until is None

    await dispatcher.deliver_all()
    assert texts(fake_api, 9011) == ["Trước", "Sau"]
    assert (await outbox_row(store, waiting)).status == "sent"


async def test_after_a_failure_the_chat_s_next_messages_wait_for_its_retry(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    fake_api.fail_next("sendMessage", Failure(502, "Bad Gateway"))
    ids = await put(store, dispatcher, 9021, ["Một", "Hai", "Ba"], "u1", clock())
    await dispatcher.drain()
    assert texts(fake_api, 9021) == []
    rows = [await outbox_row(store, row_id) for row_id in ids]
    assert [(r.status, r.attempts, r.lease_until) for r in rows] == \
        [("pending", 1, None), ("pending", 0, None), ("pending", 0, None)]
    # A new update now: its message is not leased, it waits behind the retry.
    later = await put(store, dispatcher, 9021, ["Bốn"], "u2", clock())
    await dispatcher.drain()
    assert texts(fake_api, 9021) == []

    clock.advance(seconds=5)
    await dispatcher.deliver_all()
    assert texts(fake_api, 9021) == ["Một", "Hai", "Ba", "Bốn"]
    assert {(await outbox_row(store, row_id)).status for row_id in ids + later} == {"sent"}


async def test_messages_put_in_a_savepoint_rolled_back_are_not_handed_over(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    await put(store, dispatcher, 9031, ["Xin lỗi"], "u1", clock(), undone=["Không"])
    await dispatcher.drain()
    assert texts(fake_api, 9031) == ["Xin lỗi"]
    assert await dispatcher.claim_and_start() == 0


async def test_a_message_put_again_is_not_put_twice_and_the_next_is_still_leased(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    """A redelivered update puts its message again: it is not put twice, and the chat's
    next message in that transaction is leased as it would have been."""
    [first] = await put(store, dispatcher, 9041, ["Một"], "u1", clock())
    await dispatcher.drain()
    chat = Chat("telegram", "9041")
    for brief in (False, True):  # through the session, and on the driver
        async with store.unit_of_work(brief=brief) as uow:
            uow.outbox.lease_new(dispatcher, dispatcher.lease_seconds)
            again = await uow.outbox.enqueue(Outgoing(chat, Reply("Một").to_json(), "u1:0"),
                                             clock())
            after = await uow.outbox.enqueue(Outgoing(
                chat, Reply(f"Hai {brief}").to_json(), f"u2:{brief}"), clock())
        assert again is None and after is not None
        assert [item.id for item in uow.outbox.leased] == [after]
        dispatcher.hand_over(uow.outbox.leased)
        await dispatcher.drain()
    assert texts(fake_api, 9041) == ["Một", "Hai False", "Hai True"]
    assert (await outbox_row(store, first)).status == "sent"


async def test_a_stop_gives_back_what_waits_at_the_chat_s_pace(
        store: Store, dispatcher: OutboxDispatcher, telegram: TelegramChannel,
        fake_api: RecordingBotApi, clock: Clock) -> None:
    """Ten messages to one chat go three at once, then one a second: a stop does not wait
    for them all; the rest are the queue's again, and the next start sends them in order."""
    wanted = [f"Tin {n}" for n in range(10)]
    ids = await put(store, dispatcher, 9101, wanted, "stop", clock())
    running = asyncio.create_task(dispatcher.run())
    await fake_api.wait_for(lambda calls: len(fake_api.ok_to(9101)) >= 4)
    loop = asyncio.get_running_loop()
    stopping = loop.time()
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    assert loop.time() - stopping < 2.5, "a stop waits for the message in hand at most"
    sent = texts(fake_api, 9101)
    assert 4 <= len(sent) < len(wanted) and sent == wanted[:len(sent)]
    for row_id in ids[len(sent):]:
        row = await outbox_row(store, row_id)
        assert (row.status, row.attempts, row.lease_until) == ("pending", 0, None)

    await OutboxDispatcher(store, [telegram], clock).deliver_all()
    assert texts(fake_api, 9101) == wanted, "the rest once each, in order"
