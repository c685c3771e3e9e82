"""Flood control: a chat that sends far more than a person can is slowed down.

Each chat has a token bucket: `burst` messages at once (a PAKN takes about thirteen,
which a person who knows the way taps through in seconds), then `per_minute` a minute.
A message with no token left is not taken: it is not processed, not recorded, not
acknowledged as received. Instead the chat is closed for a minute, and the person is
told once, at the first refused message, that their messages are not being taken and
when to try again; what they send meanwhile costs nothing.

The buckets live in memory, in each process. The check must cost nothing and come
before any database work: a counter in the database would cost a transaction per
message, which is what a flood must not get. The price is that each worker counts on
its own, so with several workers a chat may get up to the limit at each: still
bounded. A restart forgets the counts, which matters little: a minute later they would
have refilled anyway.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

CLOSED_FOR = timedelta(minutes=1)
"""How long a flooding chat is refused: the unit of the setting, a minute."""
FORGET_AT = 50_000
"""Chats tracked before the idle ones (full bucket, not closed) are forgotten."""


@dataclass(frozen=True)
class Throttled:
    """A message was refused; the chat takes none before `until`. `tell`: the person has
    not been told yet in this period."""

    until: datetime
    tell: bool


@dataclass
class _Bucket:
    tokens: float
    updated: datetime
    closed_until: datetime | None = None
    told: bool = False


class FloodGate:
    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def admit(self, chat: tuple[str, str], now: datetime) -> Throttled | None:
        """Take a token for a message from `chat`; None when it may be processed."""
        bucket = self._buckets.get(chat)
        if bucket is None:
            if len(self._buckets) >= FORGET_AT:
                self._forget_idle(now)
            bucket = self._buckets[chat] = _Bucket(self.burst, now)
        if bucket.closed_until is not None:
            if now < bucket.closed_until:
                return Throttled(bucket.closed_until, tell=not bucket.told)
            bucket.closed_until, bucket.told = None, False
        elapsed = max(0.0, (now - bucket.updated).total_seconds())
        bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        bucket.closed_until = now + CLOSED_FOR
        return Throttled(bucket.closed_until, tell=True)

    def refund(self, chat: tuple[str, str]) -> None:
        """A message admitted but not taken (the database was away) costs nothing: the
        channel delivers it again, as often as it takes."""
        bucket = self._buckets.get(chat)
        if bucket is not None:
            bucket.tokens = min(self.burst, bucket.tokens + 1)

    def told(self, chat: tuple[str, str]) -> None:
        """The person was told (the message is committed): not again in this period."""
        bucket = self._buckets.get(chat)
        if bucket is not None:
            bucket.told = True

    def _forget_idle(self, now: datetime) -> None:
        """Drop chats whose bucket has refilled and that are not closed: as good as new."""
        refill = timedelta(seconds=self.burst / self.rate) if self.rate else timedelta(0)
        self._buckets = {
            chat: bucket for chat, bucket in self._buckets.items()
            if bucket.closed_until is not None or now - bucket.updated < refill}
