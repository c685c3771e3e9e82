"""Failures: order kept through retries, flood control per chat, refusals recorded with
their reason, transient errors backed off until the dispatcher gives up (on the record)."""

import itertools
import time
from datetime import timedelta

import pytest

from bot.channels.telegram import TelegramChannel
from bot.delivery.outbox import MAX_ATTEMPTS, MAX_BACKOFF, OutboxDispatcher
from bot.spine.messages import Reply
from storage.uow import Store
from tests.delivery.conftest import (
    TOKEN,
    Clock,
    RecordingBotApi,
    connect,
    enqueue,
    outbox_row,
    seconds_until,
)
from tests.fakes.telegram_api import Failure

SERVER_ERROR = Failure(500, "Internal Server Error")

# PTB 22 warns when RetryAfter.retry_after is read as seconds; the channel accepts both the
# number and the timedelta of later versions, so the warning says nothing about delivery.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


async def deliver_as_fresh_worker(store: Store, telegram: TelegramChannel,
                                  clock: Clock) -> None:
    """One delivery round by a new dispatcher.

    In production a retry comes at least ~1 s of real time after the previous try, when
    the chat's pacing bucket has refilled. These tests move only the dispatcher's clock,
    so rounds that stand for minutes or hours use a new dispatcher (as a restarted worker
    would be: full buckets) instead of sleeping through the real per-chat pacing."""
    await OutboxDispatcher(store, [telegram], clock).deliver_all()


def expected_backoff(failures_before: int) -> tuple[float, float]:
    """The documented backoff after `failures_before` earlier failures: 1, 2, 4 ... 600 s,
    jittered by ±20 %."""
    base = min(MAX_BACKOFF, 2.0 ** failures_before)
    return 0.8 * base, 1.2 * base


# --- order ------------------------------------------------------------------------------


async def test_a_chats_later_messages_wait_for_an_earlier_one_being_retried(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    texts = ["Tin 1: đã nhận phản ánh", "Tin 2: đã chuyển phòng TN&MT", "Tin 3: đã giải quyết"]
    ids = [await enqueue(store, 4001, Reply(text), f"order-{n}", clock())
           for n, text in enumerate(texts)]
    fake_api.fail_next("sendMessage", SERVER_ERROR)

    await dispatcher.deliver_all()

    [failed] = fake_api.to_chat(4001)
    assert (failed.params["text"], failed.params["_failed"]) == (texts[0], 500)
    first = await outbox_row(store, ids[0])
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.last_error is not None and "Internal Server Error" in first.last_error
    retry_in = seconds_until(first.next_attempt_at, clock())
    low, high = expected_backoff(0)
    assert low <= retry_in <= high
    for later in ids[1:]:
        row = await outbox_row(store, later)
        assert (row.status, row.attempts, row.external_id) == ("pending", 0, None)
        assert row.next_attempt_at <= clock()  # due, yet held back behind the first

    # The later messages are due and the first is not: still nothing may overtake it.
    clock.advance(seconds=low / 2)
    await dispatcher.deliver_all()
    assert len(fake_api.to_chat(4001)) == 1

    clock.advance(seconds=high)
    await dispatcher.deliver_all()

    assert [c.params["text"] for c in fake_api.ok_to(4001)] == texts
    rows = [await outbox_row(store, row_id) for row_id in ids]
    assert [r.status for r in rows] == ["sent"] * 3
    assert [r.attempts for r in rows] == [2, 1, 1]
    assert [r.last_error for r in rows] == [None] * 3
    message_ids = [fake_api.message_id(4001, text) for text in texts]
    assert [r.external_id for r in rows] == [str(m) for m in message_ids]
    assert message_ids == sorted(message_ids)


async def test_several_chats_each_keep_their_own_order(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    for n in range(3):
        for chat in (4101, 4102, 4103):
            await enqueue(store, chat, Reply(f"{chat}: tin {n}"), f"multi-{chat}-{n}", clock())

    await dispatcher.deliver_all()

    for chat in (4101, 4102, 4103):
        assert [c.params["text"] for c in fake_api.to_chat(chat)] == \
            [f"{chat}: tin {n}" for n in range(3)]


# --- flood control (429) ------------------------------------------------------------------


async def test_flood_control_delays_only_that_chat_by_retry_after(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    start = clock()
    fake_api.fail_next("sendMessage",
                       Failure(429, "Too Many Requests: retry after 17", retry_after=17))
    flooded = await enqueue(store, 5001, Reply("A1: câu hỏi khảo sát"), "flood-a1", start)

    await dispatcher.deliver_all()

    [refused] = fake_api.to_chat(5001)
    assert refused.params["_failed"] == 429
    row = await outbox_row(store, flooded)
    assert row.status == "pending"
    assert row.external_id is None
    assert row.next_attempt_at == start + timedelta(seconds=17)  # exactly, no jitter
    assert row.last_error is not None and "retry after 17" in row.last_error

    # Other chats go on at once; the flooded chat's next message waits behind the first.
    other = await enqueue(store, 5002, Reply("B1: cảm ơn"), "flood-b1", start)
    behind = await enqueue(store, 5001, Reply("A2: câu tiếp theo"), "flood-a2", start)
    began = time.monotonic()
    await dispatcher.deliver_all()
    assert time.monotonic() - began < 2.0  # nobody sat out the 17 seconds
    assert [c.params["text"] for c in fake_api.ok_to(5002)] == ["B1: cảm ơn"]
    assert len(fake_api.to_chat(5001)) == 1
    row = await outbox_row(store, other)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.external_id == str(fake_api.message_id(5002, "B1: cảm ơn"))

    clock.set(start + timedelta(seconds=16.9))
    await dispatcher.deliver_all()
    assert len(fake_api.to_chat(5001)) == 1

    clock.set(start + timedelta(seconds=17))
    await dispatcher.deliver_all()

    assert [c.params["text"] for c in fake_api.ok_to(5001)] == \
        ["A1: câu hỏi khảo sát", "A2: câu tiếp theo"]  # one successful send each, in order
    assert len(fake_api.to_chat(5001)) == 3
    first, second = await outbox_row(store, flooded), await outbox_row(store, behind)
    assert (first.status, first.last_error) == ("sent", None)
    assert first.external_id == str(fake_api.message_id(5001, "A1: câu hỏi khảo sát"))
    assert first.sent_at == start + timedelta(seconds=17)
    assert (second.status, second.attempts, second.last_error) == ("sent", 1, None)
    assert second.external_id == str(fake_api.message_id(5001, "A2: câu tiếp theo"))


async def test_flood_control_alone_never_makes_a_message_undeliverable(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    fake_api.fail_next("sendMessage", Failure(429, "Too Many Requests: retry after 3",
                                              retry_after=3), times=MAX_ATTEMPTS + 5)
    row_id = await enqueue(store, 5101, Reply("Mời tham gia khảo sát"), "flood-many", clock())

    for _ in range(MAX_ATTEMPTS + 5):
        await deliver_as_fresh_worker(store, telegram, clock)
        row = await outbox_row(store, row_id)
        assert row.status == "pending"
        assert row.next_attempt_at == clock() + timedelta(seconds=3)
        clock.advance(seconds=3)
    await deliver_as_fresh_worker(store, telegram, clock)

    assert len(fake_api.failed_to(5101)) == MAX_ATTEMPTS + 5
    assert len(fake_api.ok_to(5101)) == 1
    row = await outbox_row(store, row_id)
    assert (row.status, row.last_error) == ("sent", None)
    assert row.external_id == str(fake_api.message_id(5101, "Mời tham gia khảo sát"))


async def test_floods_do_not_count_toward_giving_up(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    fake_api.fail_next("sendMessage", Failure(429, "Too Many Requests: retry after 1",
                                              retry_after=1), times=MAX_ATTEMPTS)
    fake_api.fail_next("sendMessage", SERVER_ERROR)
    row_id = await enqueue(store, 5201, Reply("Kết quả giải quyết PA-2026-000009"),
                           "flood-then-500", clock())
    for _ in range(MAX_ATTEMPTS):  # a busy broadcast: Telegram asks us to slow down
        await deliver_as_fresh_worker(store, telegram, clock)
        clock.advance(seconds=1)
    assert (await outbox_row(store, row_id)).status == "pending"

    await deliver_as_fresh_worker(store, telegram, clock)  # then one server error

    assert fake_api.to_chat(5201)[-1].params["_failed"] == 500
    row = await outbox_row(store, row_id)
    # The first transient failure: retried after the first backoff step, not given up.
    assert row.status == "pending", row.last_error
    low, high = expected_backoff(0)
    assert low <= seconds_until(row.next_attempt_at, clock()) <= high
    clock.set(row.next_attempt_at)
    await deliver_as_fresh_worker(store, telegram, clock)
    row = await outbox_row(store, row_id)
    assert row.status == "sent"


async def test_a_flood_does_not_lengthen_the_backoff_of_a_later_failure(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    fake_api.fail_next("sendMessage", Failure(429, "Too Many Requests: retry after 5",
                                              retry_after=5))
    fake_api.fail_next("sendMessage", SERVER_ERROR)
    row_id = await enqueue(store, 5301, Reply("Tin nhắn"), "flood-backoff", clock())
    await dispatcher.deliver_all()
    clock.advance(seconds=5)

    await dispatcher.deliver_all()

    assert [c.params["_failed"] for c in fake_api.to_chat(5301)] == [429, 500]
    row = await outbox_row(store, row_id)
    assert row.status == "pending"
    low, high = expected_backoff(0)  # the first transient failure of this message
    assert low <= seconds_until(row.next_attempt_at, clock()) <= high


# --- refusals -----------------------------------------------------------------------------


async def test_a_blocked_bot_is_undeliverable_with_the_reason_and_the_next_message_goes(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    fake_api.fail_next("sendMessage", Failure(403, "Forbidden: bot was blocked by the user"))
    blocked = await enqueue(store, 6001, Reply("Phiếu khảo sát mức độ hài lòng"), "blk-1",
                            clock())
    later = await enqueue(store, 6001, Reply("Nhắc lại: phiếu khảo sát"), "blk-2", clock())

    await dispatcher.deliver_all()

    calls = fake_api.to_chat(6001)
    assert [c.params.get("_failed") for c in calls] == [403, None]
    assert [c.params["text"] for c in calls] == ["Phiếu khảo sát mức độ hài lòng",
                                                "Nhắc lại: phiếu khảo sát"]
    row = await outbox_row(store, blocked)
    assert row.status == "undeliverable"
    assert row.attempts == 1
    assert row.external_id is None
    assert row.last_error is not None and "bot was blocked by the user" in row.last_error
    assert row.sent_at == clock()  # when it was given up, for the record
    row = await outbox_row(store, later)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.external_id == str(fake_api.message_id(6001, "Nhắc lại: phiếu khảo sát"))

    clock.advance(days=2)
    await dispatcher.deliver_all()
    assert len(fake_api.to_chat(6001)) == 2  # a refusal is not tried again


async def test_chat_not_found_is_undeliverable_with_the_reason(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    fake_api.fail_next("sendMessage", Failure(400, "Bad Request: chat not found"))
    row_id = await enqueue(store, 6101, Reply("Xin chào"), "nf-1", clock())

    await dispatcher.deliver_all()

    [call] = fake_api.to_chat(6101)
    assert call.params["_failed"] == 400
    row = await outbox_row(store, row_id)
    assert row.status == "undeliverable"
    assert row.attempts == 1
    assert row.external_id is None
    assert row.last_error is not None and "chat not found" in row.last_error.lower()

    clock.advance(days=2)
    await dispatcher.deliver_all()
    assert len(fake_api.to_chat(6101)) == 1


# --- transient failures ---------------------------------------------------------------------


async def test_server_errors_back_off_exponentially_then_give_up_on_the_record(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    fake_api.fail_next("sendMessage", SERVER_ERROR, times=MAX_ATTEMPTS + 1)
    row_id = await enqueue(store, 7001, Reply("Thông báo lịch tiếp dân"), "t500-1", clock())
    delays = []

    for failures in range(MAX_ATTEMPTS - 1):
        await deliver_as_fresh_worker(store, telegram, clock)
        row = await outbox_row(store, row_id)
        assert (row.status, row.attempts, row.external_id) == ("pending", failures + 1, None)
        assert row.last_error is not None and "Internal Server Error" in row.last_error
        delay = seconds_until(row.next_attempt_at, clock())
        low, high = expected_backoff(failures)
        assert low <= delay <= high, (failures, delay)
        delays.append(delay)
        if failures < 4:  # not a moment early
            clock.set(row.next_attempt_at - timedelta(milliseconds=100))
            await deliver_as_fresh_worker(store, telegram, clock)
            assert len(fake_api.to_chat(7001)) == failures + 1
        clock.set(row.next_attempt_at)

    await deliver_as_fresh_worker(store, telegram, clock)  # the last try

    assert len(fake_api.to_chat(7001)) == MAX_ATTEMPTS
    assert all(c.params["_failed"] == 500 for c in fake_api.to_chat(7001))
    row = await outbox_row(store, row_id)
    assert row.status == "undeliverable"
    assert row.attempts == MAX_ATTEMPTS
    assert row.external_id is None
    assert row.last_error is not None
    assert row.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts")
    assert "Internal Server Error" in row.last_error
    # It grew: each of the first steps about doubles, then it stays at the cap.
    assert all(later > earlier for earlier, later in itertools.pairwise(delays[:10]))
    assert all(0.8 * MAX_BACKOFF <= d <= 1.2 * MAX_BACKOFF for d in delays[10:])
    total = sum(delays)
    assert 3 * 3600 < total < 7 * 3600  # hours of trying, as documented

    clock.advance(days=1)
    await deliver_as_fresh_worker(store, telegram, clock)
    assert len(fake_api.to_chat(7001)) == MAX_ATTEMPTS


async def test_network_errors_back_off_and_never_leak_the_token(
        store: Store, clock: Clock) -> None:
    api = await RecordingBotApi(TOKEN).start()
    telegram = await connect(api, store, clock)
    await api.stop()  # Telegram unreachable from now on
    try:
        row_id = await enqueue(store, 7101, Reply("Tin nhắn"), "net-1", clock())
        for failures in range(4):
            await deliver_as_fresh_worker(store, telegram, clock)
            row = await outbox_row(store, row_id)
            assert (row.status, row.attempts, row.external_id) == ("pending", failures + 1,
                                                                   None)
            assert row.last_error is not None and row.last_error.startswith("network:")
            assert TOKEN not in row.last_error and TOKEN.split(":")[1] not in row.last_error
            low, high = expected_backoff(failures)
            assert low <= seconds_until(row.next_attempt_at, clock()) <= high
            clock.set(row.next_attempt_at)
        assert [c.method for c in api.calls] == ["getMe"]  # nothing reached the server
    finally:
        await telegram.application.shutdown()
