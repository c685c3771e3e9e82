"""Telegram's limits: about 30 messages a second overall, and per chat a burst of 3 then
one a second. The per-chat pacer's arithmetic runs on a clock the test moves; the rest on
the real clock, with small tolerances for scheduling noise."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import pacing
from bot.channels.telegram import CAPABILITIES, TelegramChannel
from bot.channels.zalo import ZALO_BOT, ZALO_OA
from bot.delivery.outbox import ChatPacer, OutboxDispatcher, Pacing, RateLimiter
from bot.runtime.settings import Settings
from bot.spine.messages import Reply
from storage.uow import Store
from tests.delivery.conftest import Clock, RecordingBotApi, enqueue, outbox_rows

SLACK = 0.1
"""Seconds a deadline may be missed by (HTTP round trip, event loop scheduling)."""
LATE = 1.0
"""How much later than planned a loaded machine may run a timer. The limits are the lower
bounds (never sooner than allowed), which hold whatever the load; the upper bounds only
catch a stall, so they leave room for a machine busy with other tests."""


class Stalls:
    """The longest the test's event loop went without running a ticker due every 10 ms:
    how late any of its timers ran for reasons not the dispatcher's (a machine starved
    of CPU by other tests). An upper bound allows that much on top of LATE."""

    TICK = 0.01

    def __init__(self) -> None:
        self.worst = 0.0

    async def _tick(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(self.TICK)
            now = time.monotonic()
            self.worst = max(self.worst, now - last - self.TICK)
            last = now


@contextlib.asynccontextmanager
async def stalls() -> AsyncIterator[Stalls]:
    measured = Stalls()
    ticker = asyncio.create_task(measured._tick())
    try:
        yield measured
    finally:
        ticker.cancel()


async def test_the_rate_limiter_allows_about_30_acquisitions_a_second() -> None:
    limiter = RateLimiter(30)
    began = time.monotonic()
    times = []

    async def take() -> None:
        await limiter.acquire()
        times.append(time.monotonic() - began)

    async with stalls() as stalled:
        await asyncio.gather(*(take() for _ in range(90)))

    elapsed = time.monotonic() - began
    assert 89 / 30 - SLACK <= elapsed < 89 / 30 + LATE + stalled.worst, stalled.worst
    times.sort()
    assert times[0] < LATE + stalled.worst  # the first at once (the next wait 1/30 s each),
    for k in range(1, 90):  # then one each 1/30 s: never more than 30 in any second
        assert times[k] >= k / 30 - 0.02, (k, times[k])
    assert all(times[k + 30] - times[k] >= 1.0 - 0.02 for k in range(60))


class _Timeline:
    """A clock the test moves by hand, so the pacer's arithmetic is checked exactly."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _send_paced(pacer: ChatPacer, timeline: _Timeline, chat: tuple[str, str],
                late_by: list[float], busy_for: list[float] | None = None) -> list[float]:
    """Send one message after another, as the dispatcher does for one chat: ask, sleep
    as told and wake `late_by[k]` seconds late (a busy machine), until told to go;
    sending then takes `busy_for[k]` seconds. The send times."""
    sent = []
    for k, late in enumerate(late_by):
        while (wait := pacer.delay(chat)) > 0:
            timeline.now += wait + late
        sent.append(timeline.now)
        timeline.now += busy_for[k] if busy_for else 0.0
    return sent


def test_the_chat_pacer_gives_a_burst_of_three_then_one_a_second() -> None:
    timeline = _Timeline()
    pacer = ChatPacer(1.0, burst=3, clock=timeline)

    sent = _send_paced(pacer, timeline, ("telegram", "42"), [0.0] * 6)

    assert sent == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]
    assert pacer.delay(("telegram", "43")) == 0.0  # other chats have their own bucket
    assert pacer.delay(("webchat", "42")) == 0.0
    timeline.now += 3.0  # a chat quiet for three intervals has its burst again
    assert _send_paced(pacer, timeline, ("telegram", "42"), [0.0] * 4) == [6.0] * 3 + [7.0]


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.tuples(st.floats(0, 3), st.floats(0, 2)), min_size=1, max_size=30),
       interval=st.sampled_from([1.0, 0.5, 60 / 20]),
       burst=st.integers(1, 5))
def test_the_chat_pacer_never_lets_a_window_hold_more_than_the_limit(
        steps: list[tuple[float, float]], interval: float, burst: int) -> None:
    """However late the sender wakes and however long a send takes, no stretch of time
    of length T sees more than `burst + T / interval` messages of one chat: what
    Telegram's per-chat limit asks."""
    timeline = _Timeline()
    pacer = ChatPacer(interval, burst=burst, clock=timeline)

    sent = _send_paced(pacer, timeline, ("telegram", "42"),
                       [late for late, _ in steps], [busy for _, busy in steps])

    for first, start in enumerate(sent):
        for last in range(first, len(sent)):
            assert last - first + 1 <= burst + (sent[last] - start) / interval + 1e-9, (
                first, last, sent)


async def test_the_dispatcher_paces_each_chat_without_holding_up_the_others(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    for n in range(5):
        await enqueue(store, 9001, Reply(f"A{n}"), f"pace-a{n}", clock())
    for n in range(3):
        await enqueue(store, 9002, Reply(f"B{n}"), f"pace-b{n}", clock())

    async with stalls() as stalled:
        await dispatcher.deliver_all()

    a = fake_api.to_chat(9001)
    b = fake_api.to_chat(9002)
    assert [c.params["text"] for c in a] == [f"A{n}" for n in range(5)]
    assert [c.params["text"] for c in b] == [f"B{n}" for n in range(3)]
    first = a[0].at
    late = LATE + stalled.worst
    assert a[2].at - first < late, stalled.worst  # the burst (paced, it would go at 2 s)
    assert a[3].at - first >= 1.0 - SLACK
    assert a[4].at - first >= 2.0 - SLACK
    assert a[4].at - a[3].at >= 1.0 - SLACK
    assert b[2].at - first < late, stalled.worst  # chat B did not wait behind chat A
    rows = await outbox_rows(store)
    assert {(r.status, r.attempts, r.last_error) for r in rows} == {("sent", 1, None)}
    assert all(r.external_id for r in rows)


async def test_the_dispatcher_sends_about_30_messages_a_second_overall(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    chats = range(9100, 9160)
    for chat in chats:
        await enqueue(store, chat, Reply(f"Khảo sát {chat}"), f"rate-{chat}", clock())
    dispatcher = OutboxDispatcher(store, [telegram], clock)

    await dispatcher.deliver_all()

    calls = sorted((c for c in fake_api.calls if c.method == "sendMessage"),
                   key=lambda c: c.at)
    assert len(calls) == len(chats)
    first = calls[0].at
    for k, call in enumerate(calls):
        assert call.at - first >= k / 30 - SLACK, (k, call.at - first)
    assert calls[-1].at - first >= 59 / 30 - SLACK
    rows = await outbox_rows(store)
    assert {(r.status, r.attempts, r.last_error) for r in rows} == {("sent", 1, None)}
    assert sorted(int(r.external_id or 0) for r in rows) == list(range(1, len(chats) + 1))


async def test_a_deployment_sets_its_own_limits_in_place_of_the_declared_ones(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    """PAKN_TELEGRAM_CHAT_INTERVAL_MS and PAKN_TELEGRAM_PER_SECOND (bot.app): a chat paced
    every 200 ms, the bot at 50 a second."""
    own = {"telegram": Pacing(50, 0.2)}
    for n in range(8):
        await enqueue(store, 9201, Reply(f"C{n}"), f"own-{n}", clock())
    async with stalls() as stalled:
        await OutboxDispatcher(store, [telegram], clock, pacing=own).deliver_all()
    paced = fake_api.to_chat(9201)
    assert [c.params["text"] for c in paced] == [f"C{n}" for n in range(8)]
    assert paced[7].at - paced[0].at >= 5 * 0.2 - SLACK, "after the burst, 200 ms apart"
    assert paced[7].at - paced[0].at < 1.0 + LATE + stalled.worst, (
        "not a second apart (5 s)", stalled.worst)

    chats = range(9300, 9360)
    for chat in chats:
        await enqueue(store, chat, Reply("D"), f"own-{chat}", clock())
    await OutboxDispatcher(store, [telegram], clock, pacing=own).deliver_all()
    calls = sorted((c for c in fake_api.calls if c.method == "sendMessage"
                    and int(c.params["chat_id"]) in chats), key=lambda c: c.at)
    assert len(calls) == len(chats)
    for k, call in enumerate(calls):
        assert call.at - calls[0].at >= k / 50 - SLACK, (k, call.at - calls[0].at)
    assert calls[-1].at - calls[0].at < 59 / 30, "faster than the declared 30 a second"


def test_the_settings_set_each_chat_platform_s_limits() -> None:
    """What bot.app hands the outbox: PAKN_TELEGRAM_* for Telegram, PAKN_ZALO_CHAT_INTERVAL_MS
    for both Zalo platforms, whose overall limit stays the declared one; by default a
    second per chat on all three."""
    chosen = pacing(Settings(telegram_per_second=50, telegram_chat_interval_ms=200,
                           zalo_chat_interval_ms=250))
    assert chosen == {"telegram": Pacing(50, 0.2), ZALO_BOT: Pacing(20.0, 0.25),
                    ZALO_OA: Pacing(20.0, 0.25)}
    shipped = pacing(Settings())
    assert {p.per_chat_interval for p in shipped.values()} == {1.0}
    assert shipped["telegram"].rate_per_second == 29


async def test_the_workers_of_a_pool_share_the_overall_limit(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    """Two workers sending for one bot (`pakn serve --workers 2`) keep, together, to the
    bot's limit: each to half of it."""
    chats = range(9200, 9260)
    for chat in chats:
        await enqueue(store, chat, Reply(f"Khảo sát {chat}"), f"share-{chat}", clock())
    # A few in flight each, so that both claim messages all along.
    workers = [OutboxDispatcher(store, [telegram], clock, max_in_flight=4, share=2)
               for _ in range(2)]

    await asyncio.gather(*(worker.deliver_all() for worker in workers))

    calls = sorted((c for c in fake_api.calls if c.method == "sendMessage"),
                   key=lambda c: c.at)
    assert sorted(c.chat_id for c in calls) == list(chats), "each message once"
    rate = CAPABILITIES.rate_per_second
    assert rate is not None
    first = calls[0].at
    for k, call in enumerate(calls):  # one at once from each, then the shared rate
        assert call.at - first >= (k - 1) / rate - SLACK, (k, call.at - first)
