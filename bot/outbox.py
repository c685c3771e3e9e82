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
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Protocol

from bot.capabilities import capabilities
from bot.channels.base import Outcome, RetryLater, Sender, Sent, Undeliverable
from bot.logs import request_scope
from bot.metrics import DELIVERIES, RATE_LIMITED, UNDELIVERABLE, reason_kind
from bot.ports import OutboxQueue, Queued
from storage.errors import StorageError

log = logging.getLogger(__name__)

BATCH = 200
LEASE_SECONDS = 60.0
"""The default lease: after a worker dies, the messages it held are sent again after this."""
MAX_ATTEMPTS = 40
"""With backoff capped at 10 minutes, about five hours of trying before giving up."""
MAX_BACKOFF = 600.0
FIRST_RECORD_RETRY = 0.5


class QueueStore(Protocol):
    def outbox_queue(self) -> AbstractAsyncContextManager[OutboxQueue]: ...


class ChatPacer:
    """Per-chat token buckets: a chat gets `burst` messages at once (a reply to what
    the person just did), then one per `interval` seconds, as Telegram asks."""

    def __init__(self, interval: float, burst: int = 3) -> None:
        self.interval = interval
        self.burst = float(burst)
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def delay(self, chat: tuple[str, str]) -> float:
        """Take a token for `chat`; returns how long to wait before sending."""
        now = time.monotonic()
        tokens, updated = self._buckets.get(chat, (self.burst, now))
        tokens = min(self.burst, tokens + (now - updated) / self.interval)
        wait = 0.0 if tokens >= 1 else (1 - tokens) * self.interval
        self._buckets[chat] = (tokens - 1, now)
        if len(self._buckets) > 50_000:
            self._forget_full(now)
        return wait

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


class OutboxDispatcher:
    """Claims due messages and delivers each in its own task, so a slow chat (paced, or
    waiting out a 429) never holds up the others; each outcome is recorded as soon as
    it is known, and finishing a message wakes the loop for that chat's next one."""

    def __init__(self, store: QueueStore, senders: list[Sender],
                 clock: Callable[[], datetime], poll_interval: float = 1.0,
                 max_in_flight: int = 64, lease_seconds: float = LEASE_SECONDS,
                 share: int = 1) -> None:
        self.store = store
        self.senders = {sender.channel: sender for sender in senders}
        self.clock = clock
        self.poll_interval = poll_interval
        self.max_in_flight = max_in_flight
        self.lease_seconds = lease_seconds
        # A channel's overall limit is the bot's: `share` processes sending for the same
        # bot (the workers of a pool) each keep to their part of it.
        declared = [capabilities(s.channel) for s in senders]
        self._limits = {c.channel: RateLimiter(c.rate_per_second / share)
                        for c in declared if c.rate_per_second}
        self._pacers = {c.channel: ChatPacer(c.per_chat_interval)
                        for c in declared if c.per_chat_interval}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._closing = False
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New messages were committed: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        try:
            while True:
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
        room = self.max_in_flight - len(self._in_flight)
        if room <= 0 or not self.senders:
            return 0
        async with self.store.outbox_queue() as queue:
            batch = await queue.claim_due(self.clock(), min(room, BATCH), self.lease_seconds,
                                          list(self.senders))
        for item in batch:
            task = asyncio.create_task(self._deliver_and_record(item))
            self._in_flight.add(task)
            task.add_done_callback(self._finished)
        return len(batch)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wake.set()

    async def drain(self) -> None:
        """Wait for the deliveries under way (at shutdown, or in tests)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def deliver_all(self) -> None:
        """Deliver until nothing is due (tests and command-line tools)."""
        while await self.claim_and_start() or self._in_flight:
            await self.drain()

    async def _deliver_and_record(self, item: Queued) -> None:
        # Logged under the id of the request that made the message.
        with request_scope(item.request_id):
            await self._deliver_and_record_traced(item)

    async def _deliver_and_record_traced(self, item: Queued) -> None:
        lease_ends = asyncio.get_running_loop().time() + self.lease_seconds
        # Half the lease to send, half to record: the lease never ends mid-delivery.
        outcome = await self._deliver(item, self.lease_seconds / 2)
        pause = FIRST_RECORD_RETRY
        while True:
            try:
                async with self.store.outbox_queue() as queue:
                    await self._record(queue, item, outcome, self.clock())
                return
            except StorageError as exc:
                # Unrecorded, the message waits for its lease to end and is then sent
                # (again, if it was delivered): keep trying while the lease lasts, not
                # after, when another worker may hold the message.
                if (self._closing
                        or asyncio.get_running_loop().time() + pause >= lease_ends):
                    log.warning("outbox: could not record outcome of %s (%s)", item.id, exc)
                    return
                if pause == FIRST_RECORD_RETRY:
                    log.warning("outbox: recording the outcome of %s when the database is "
                                "back (%s)", item.id, exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

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
            wait = pacer.delay((item.chat.channel, item.chat.chat_id))
            if wait > 0:
                await asyncio.sleep(wait)
        limiter = self._limits.get(sender.channel)
        if limiter is not None:
            await limiter.acquire()

    async def _record(self, queue: OutboxQueue, item: Queued, outcome: Outcome,
                      now: datetime) -> None:
        channel = item.chat.channel
        if isinstance(outcome, RetryLater) and outcome.flood:
            RATE_LIMITED.labels(channel).inc()
        if isinstance(outcome, Sent):
            DELIVERIES.labels(channel, "sent").inc()
            log.debug("outbox: message %s to %s sent", item.id, channel)
            await queue.mark_sent(item.id, outcome.external_id, now)
        elif isinstance(outcome, Undeliverable):
            log.warning("outbox: message %s to %s undeliverable: %s", item.id,
                        item.chat.channel, outcome.reason)
            await queue.mark_undeliverable(item.id, outcome.reason, now)
            _given_up(channel, outcome.reason)
        elif not outcome.flood and item.attempts + 1 >= MAX_ATTEMPTS:
            reason = f"gave up after {item.attempts + 1} attempts: {outcome.reason}"
            log.warning("outbox: message %s %s", item.id, reason)
            await queue.mark_undeliverable(item.id, reason, now)
            _given_up(channel, reason)
        else:
            await self._retry(queue, item, outcome, now)
            DELIVERIES.labels(channel, "retry").inc()
            return
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


def _given_up(channel: str, reason: str) -> None:
    DELIVERIES.labels(channel, "undeliverable").inc()
    UNDELIVERABLE.labels(channel, reason_kind(reason)).inc()


def backoff(attempts: int) -> float:
    """Seconds before the next try after `attempts` failures: 1, 2, 4 ... 600, jittered."""
    base: float = min(MAX_BACKOFF, 2.0 ** attempts)
    return base * random.uniform(0.8, 1.2)
