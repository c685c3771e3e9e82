"""The outbox dispatcher: delivers owed messages, durably and within each channel's limits.

Rows are leased in batches: only the oldest pending message of a chat is eligible, so a
chat's messages keep their order; a 429 delays that chat only; transient failures back
off exponentially; a permanent refusal (blocked by the user, chat gone) is recorded as
undeliverable with its reason. Nothing is dropped without a trace.

Telegram offers no idempotent send, so delivery is at least once: a message the API took
is sent again only if its worker could not record it as sent (it died, or the database
stayed down past the lease), and each delivery ends well within its lease, so two
workers never hold one message at the same time.
"""

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Collection, Coroutine, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.channels.base import Outcome, RetryLater, Sender, Sent, Undeliverable
from bot.core.errors import SharedRollback, StorageError
from bot.core.ports import OutboxQueue, Queued
from bot.runtime.logs import request_scope
from bot.runtime.metrics import DELIVERIES, RATE_LIMITED, UNDELIVERABLE, reason_kind
from bot.spine.capabilities import capabilities

log = logging.getLogger(__name__)

BATCH = 200
LEASE_SECONDS = 60.0
"""The default lease: after a worker dies, the messages it held are sent again after this."""
MAX_ATTEMPTS = 40
"""With backoff capped at 10 minutes, about five hours of trying before giving up."""
MAX_BACKOFF = 600.0
FIRST_RECORD_RETRY = 0.5
SEND_SHARE = 0.4
"""The least share of its lease a message starts being sent with; half is kept for
recording the outcome."""


@dataclass(frozen=True)
class Pacing:
    """A channel's sending limits as the deployment sets them, in place of those its
    Capabilities declare (a bot allowed more by its platform, or tests not about pacing)."""

    rate_per_second: float | None
    per_chat_interval: float


class QueueStore(Protocol):
    def outbox_queue(self, brief: bool = False,
                     alone: bool = False) -> AbstractAsyncContextManager[OutboxQueue]:
        """`brief`: a few small statements (recording outcomes), which the database may
        run without handing them to another thread, in a transaction shared with
        messages' steps (group commit) unless `alone`."""
        ...


class ChatPacer:
    """Per-chat token buckets: a chat gets `burst` messages at once (a reply to what
    the person just did), then one per `interval` seconds, as Telegram asks."""

    def __init__(self, interval: float, burst: int = 3,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def delay(self, chat: tuple[str, str]) -> float:
        """0 when `chat` may send now, taking its token; else the seconds until it
        may, taking none. The token is taken when the message goes, not when the
        wait began: a sender that wakes late must not then send two at once."""
        now = self._clock()
        tokens, updated = self._buckets.get(chat, (self.burst, now))
        tokens = min(self.burst, tokens + (now - updated) / self.interval)
        if tokens < 1 - 1e-9:  # not a rounding error short of a whole token
            self._buckets[chat] = (tokens, now)
            return (1 - tokens) * self.interval
        self._buckets[chat] = (max(tokens - 1, 0.0), now)
        if len(self._buckets) > 50_000:
            self._forget_full(now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        """Drop chats whose bucket has refilled: they are as good as new."""
        full_after = self.burst * self.interval
        self._buckets = {chat: state for chat, state in self._buckets.items()
                         if now - state[1] < full_after}


class RateLimiter:
    """A token bucket: at most `rate` acquisitions per second after a burst of `burst`
    (by default none: sends are spread evenly, 1/rate seconds apart)."""

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        self.rate = rate
        self.capacity = burst
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


@dataclass
class _Outcome:
    """A message's outcome, to record in the next batch; `release`: given back unsent."""

    item: Queued
    outcome: Outcome | None
    deadline: float
    """The event loop's time when the lease ends: recording is tried until then."""

    @property
    def chat(self) -> tuple[str, str]:
        return self.item.chat.channel, self.item.chat.chat_id


class OutboxDispatcher:
    """Delivers owed messages: those the dispatcher hands over as their transaction
    commits (leased as they were put, bot.spine.dispatch), and those it claims from the queue
    (retries, other writers', a dead worker's). Each chat has a line, delivered in order
    by a task of its own, so a slow chat (paced, or waiting out a 429) never holds up
    the others. Outcomes are recorded in batches: all that came while the previous
    batch was being written, in one transaction."""

    def __init__(self, store: QueueStore, senders: list[Sender],
                 clock: Callable[[], datetime], poll_interval: float = 1.0,
                 max_in_flight: int = 64, lease_seconds: float = LEASE_SECONDS,
                 share: int = 1, pacing: Mapping[str, Pacing] | None = None) -> None:
        self.store = store
        self.senders = {sender.channel: sender for sender in senders}
        self.clock = clock
        self.poll_interval = poll_interval
        self.max_in_flight = max_in_flight
        self.lease_seconds = lease_seconds
        # A channel's overall limit is the bot's: `share` processes sending for the same
        # bot (the workers of a pool) each keep to their part of it.
        declared = {s.channel: (pacing or {}).get(s.channel) or capabilities(s.channel)
                    for s in senders}
        self._limits = {channel: RateLimiter(c.rate_per_second / share)
                        for channel, c in declared.items() if c.rate_per_second}
        self._pacers = {channel: ChatPacer(c.per_chat_interval)
                        for channel, c in declared.items() if c.per_chat_interval}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._lines: dict[tuple[str, str], deque[Queued]] = {}
        self._held: dict[tuple[str, str], list[int]] = {}
        """Per chat, the messages leased here and not recorded yet, in order."""
        self._stalled: set[tuple[str, str]] = set()
        """Chats whose message waits for a retry: the next ones wait for the queue."""
        self._deferred: dict[str, set[int]] = {}
        """Per channel, messages put off by a failure of the channel (not a 429) since
        its last success: its next success brings them forward."""
        self._outcomes: list[_Outcome] = []
        self._recording: asyncio.Task[None] | None = None
        self._closing = False
        self._stopping = False
        self._wanted = False
        """Whether the queue may hold something to claim that no hand-over brings."""
        self._wake = asyncio.Event()

    @property
    def channels(self) -> Collection[str]:
        return self.senders.keys()

    def wake(self) -> None:
        """New messages were committed: look now rather than at the next poll."""
        self._wanted = True
        self._wake.set()

    def held(self, channel: str, chat_id: str) -> int | None:
        """The last message of a chat leased here and not recorded (0: none); None when
        the chat's next messages must wait for the queue (storage.outbox.LeaseHolder)."""
        chat = (channel, chat_id)
        if self._closing or chat in self._stalled:
            return None
        held = self._held.get(chat)
        return held[-1] if held else 0

    def hand_over(self, items: list[Queued]) -> None:
        """Messages leased by a transaction that just committed: delivered now."""
        for item in items:
            self._take(item, claimed=False)

    def stop(self) -> None:
        """End run() once the claim under way is done."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Claims until stop(), then the deliveries under way are finished or given
        back; a claim is never cut inside its transaction."""
        try:
            while not self._stopping:
                try:
                    await self.claim_and_start()
                except StorageError as exc:
                    log.warning("outbox: database unavailable (%s)", exc)
                except Exception:
                    # Owed messages must not wait for a restart: the loop goes on.
                    log.exception("outbox: claiming failed")
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancellation that arrives as the wake-up does, and shutdown then hangs.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_interval):
                        await self._wake.wait()
                self._wake.clear()
        finally:
            self._closing = True
            await self.drain()

    async def claim_and_start(self) -> int:
        """Lease what is due and start delivering it; returns how many were started."""
        room = self.max_in_flight - len(self._lines)
        if room <= 0 or not self.senders:
            self._wanted = True
            return 0
        self._wanted = False
        limit = min(room, BATCH)
        channels = list(self.senders)
        async with self.store.outbox_queue() as queue:
            now = self.clock()
            batch = await queue.claim_due(now, limit, self.lease_seconds, channels)
            # What the claim left is due later, or waits behind a message held here (an
            # earlier one of its chat): look again as those are recorded only if one
            # does. Looking again while any message was held kept a busy service
            # claiming nothing, once an update or so (benchmarks/RESULTS.md).
            if len(batch) == limit or await queue.waits_behind(
                    now, [held for ids in self._held.values() for held in ids], channels):
                self._wanted = True
        for item in batch:
            self._take(item, claimed=True)
        return len(batch)

    def _take(self, item: Queued, claimed: bool) -> None:
        chat = (item.chat.channel, item.chat.chat_id)
        if claimed and item.id in self._held.get(chat, ()):
            # Its lease ran out while it waited here (its line is slow, or its outcome
            # not yet recorded): it is still this dispatcher's to send or record, once.
            return
        if claimed:
            self._stalled.discard(chat)
        elif chat in self._stalled:
            # Leased before an earlier message of the chat failed: it waits behind it.
            self._held.setdefault(chat, []).append(item.id)
            self._record_later(_Outcome(item, None, self._lease_end(item)))
            return
        self._held.setdefault(chat, []).append(item.id)
        line = self._lines.get(chat)
        if line is None:
            line = self._lines[chat] = deque()
            self._start(self._deliver_line(chat, line))
        line.append(item)

    def _start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._in_flight.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if self._wanted:
            self._wake.set()

    async def drain(self) -> None:
        """Wait for the deliveries under way (at shutdown, or in tests)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def deliver_all(self) -> None:
        """Deliver until nothing is due (tests and command-line tools)."""
        while await self.claim_and_start() or self._in_flight:
            await self.drain()

    def _lease_end(self, item: Queued) -> float:
        """The event loop's time when the item's lease ends."""
        left = (self.lease_seconds if item.lease_until is None
                else (item.lease_until - self.clock()).total_seconds())
        return asyncio.get_running_loop().time() + left

    async def _deliver_line(self, chat: tuple[str, str], line: deque[Queued]) -> None:
        while line:
            if self._closing:
                # Stopping: what waits behind the message in hand is given back at once
                # for the next worker or start, rather than sent at the chat's pace (a
                # long line would hold the stop past the service manager's patience).
                self._give_back(chat, line)
                break
            item = line[0]
            deadline = self._lease_end(item)
            # Half the lease to send, half to record: it never ends mid-delivery.
            within = deadline - asyncio.get_running_loop().time() - self.lease_seconds / 2
            if within < SEND_SHARE * self.lease_seconds:
                # It waited behind the chat's earlier messages: a send cut short by the
                # lease's end could go out twice, so the queue sends it on a fresh lease.
                self._give_back(chat, line)
                break
            # Logged under the id of the request that made the message.
            with request_scope(item.request_id):
                outcome = await self._deliver(item, within)
            line.popleft()
            self._record_later(_Outcome(item, outcome, deadline))
            if isinstance(outcome, RetryLater) and (
                    outcome.flood or item.attempts + 1 < MAX_ATTEMPTS):
                self._give_back(chat, line)
        del self._lines[chat]

    def _give_back(self, chat: tuple[str, str], line: deque[Queued]) -> None:
        """The chat's next messages wait in the queue, behind the one that must."""
        self._stalled.add(chat)
        while line:
            rest = line.popleft()
            self._record_later(_Outcome(rest, None, self._lease_end(rest)))

    def _record_later(self, outcome: _Outcome) -> None:
        self._outcomes.append(outcome)
        if self._recording is None:
            self._recording = self._start(self._record_batches())

    async def _record_batches(self) -> None:
        pause = FIRST_RECORD_RETRY
        alone = False
        try:
            while self._outcomes:
                batch, self._outcomes = self._outcomes, []
                try:
                    async with self.store.outbox_queue(brief=True, alone=alone) as queue:
                        await self._record(queue, batch, self.clock())
                except SharedRollback:
                    # A message's step failed in the transaction these shared: again, alone.
                    self._outcomes[:0] = batch
                    alone = True
                    continue
                except StorageError as exc:
                    # Unrecorded, a message waits for its lease to end and is then sent
                    # (again, if it was delivered): keep trying while the lease lasts,
                    # not after, when another worker may hold the message.
                    now = asyncio.get_running_loop().time()
                    kept = [o for o in batch if not self._closing and now + pause < o.deadline]
                    for lost in batch:
                        if lost not in kept:
                            log.warning("outbox: could not record outcome of %s (%s)",
                                        lost.item.id, exc)
                            self._recorded(lost)
                    self._outcomes[:0] = kept
                    if kept:
                        if pause == FIRST_RECORD_RETRY:
                            log.warning("outbox: recording outcomes when the database is "
                                        "back (%s)", exc)
                        await asyncio.sleep(pause)
                        pause = min(pause * 2, 5.0)
                    continue
                pause, alone = FIRST_RECORD_RETRY, False
                for done in batch:
                    self._recorded(done)
                    if not isinstance(done.outcome, (Sent, Undeliverable)):
                        self._wanted = True  # a retry, or messages given back
                if self._wanted:
                    self._wake.set()
        finally:
            self._recording = None

    def _recorded(self, done: _Outcome) -> None:
        held = self._held.get(done.chat)
        if held is not None:
            held.remove(done.item.id)
            if not held:
                del self._held[done.chat]

    async def _deliver(self, item: Queued, within: float) -> Outcome:
        sender = self.senders[item.chat.channel]
        sending = asyncio.timeout(within)
        try:
            async with sending:
                await self._pace(sender, item)
                return await sender.deliver(item)
        except StorageError as exc:  # reading a file to send
            log.warning("outbox: sending %s waits for the database (%s)", item.id, exc)
            return RetryLater(0, "database unavailable")
        except Exception as exc:
            if isinstance(exc, TimeoutError) and sending.expired():
                return RetryLater(0, "no answer within the lease")
            # A sender bug must not stall the queue.
            log.exception("outbox: sending %s failed unexpectedly", item.id)
            return RetryLater(0, f"internal error: {exc.__class__.__name__}")

    async def _pace(self, sender: Sender, item: Queued) -> None:
        pacer = self._pacers.get(sender.channel)
        if pacer is not None:
            chat = (item.chat.channel, item.chat.chat_id)
            # Not a poll: each wait is the time the token needs; late wakers ask again.
            while (wait := pacer.delay(chat)) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)
        limiter = self._limits.get(sender.channel)
        if limiter is not None:
            await limiter.acquire()

    async def _record(self, queue: OutboxQueue, batch: list[_Outcome], now: datetime) -> None:
        sent: list[tuple[int, str | None]] = []
        released: list[int] = []
        forward: list[int] = []
        for done in batch:
            item, outcome = done.item, done.outcome
            channel = item.chat.channel
            with request_scope(item.request_id):
                if outcome is None:
                    released.append(item.id)
                elif isinstance(outcome, Sent):
                    log.debug("outbox: message %s to %s sent", item.id, channel)
                    sent.append((item.id, outcome.external_id))
                    await self._forget(queue, item)
                    # The channel is back: what its outage put off need not wait out
                    # the backoff.
                    forward.extend(self._deferred.pop(channel, ()))
                elif await self._record_failure(queue, item, outcome, now):
                    self._deferred.setdefault(channel, set()).add(item.id)
        if sent:
            await queue.mark_sent(sent, now)
        if released:
            await queue.release(released)
        if forward:
            log.info("outbox: %d messages put off by an outage are due now", len(forward))
            await queue.due_now(forward, now)
            self._wanted = True
        # Counted once written, not again when a batch is written a second time.
        for done in batch:
            if done.outcome is not None:
                _count(done.item, done.outcome)

    async def _record_failure(self, queue: OutboxQueue, item: Queued,
                              outcome: RetryLater | Undeliverable, now: datetime) -> bool:
        """True when the message was put off by a failure of the channel."""
        if isinstance(outcome, Undeliverable):
            log.warning("outbox: message %s to %s undeliverable: %s", item.id,
                        item.chat.channel, outcome.reason)
            await queue.mark_undeliverable(item.id, outcome.reason, now)
        elif not outcome.flood and item.attempts + 1 >= MAX_ATTEMPTS:
            log.warning("outbox: message %s %s", item.id, _gave_up(item, outcome))
            await queue.mark_undeliverable(item.id, _gave_up(item, outcome), now)
        else:
            await self._retry(queue, item, outcome, now)
            return not outcome.flood
        await self._forget(queue, item)
        return False

    async def _forget(self, queue: OutboxQueue, item: Queued) -> None:
        declared = capabilities(item.chat.channel)
        # An erased person's last message keeps nothing, wherever it is shown.
        if item.sensitive and (item.chat_pseudonym is not None or not declared.shown_later):
            await queue.forget(item, keep_file=declared.links_files)

    async def _retry(self, queue: OutboxQueue, item: Queued, outcome: RetryLater,
                     now: datetime) -> None:
        if outcome.flood:
            await queue.mark_retry(item.id, now + timedelta(seconds=outcome.seconds),
                                   outcome.reason, counted=False)
        else:
            await queue.mark_retry(item.id, now + timedelta(seconds=backoff(item.attempts)),
                                   outcome.reason)


def _gave_up(item: Queued, outcome: RetryLater) -> str:
    return f"gave up after {item.attempts + 1} attempts: {outcome.reason}"


def _count(item: Queued, outcome: Outcome) -> None:
    channel = item.chat.channel
    if isinstance(outcome, Sent):
        DELIVERIES.labels(channel, "sent").inc()
    elif isinstance(outcome, Undeliverable):
        _given_up(channel, outcome.reason)
    elif not outcome.flood and item.attempts + 1 >= MAX_ATTEMPTS:
        _given_up(channel, _gave_up(item, outcome))
    else:
        if outcome.flood:
            RATE_LIMITED.labels(channel).inc()
        DELIVERIES.labels(channel, "retry").inc()


def _given_up(channel: str, reason: str) -> None:
    DELIVERIES.labels(channel, "undeliverable").inc()
    UNDELIVERABLE.labels(channel, reason_kind(reason)).inc()


def backoff(attempts: int) -> float:
    """Seconds before the next try after `attempts` failures: 1, 2, 4 ... 600, jittered."""
    base: float = min(MAX_BACKOFF, 2.0 ** attempts)
    return base * random.uniform(0.8, 1.2)
