"""Outbound pacing: many notifications through the outbox, against a fake Bot API that
enforces Telegram's limits (benchmarks/fake_telegram.py --enforce: at most 30 messages
in any 1 s window overall, at most one per second to a chat, else 429 with
retry_after), in another process.

The notifications are put in the outbox the way the service puts them (bot/delivery/notify.py's
Notifier, under once-only keys, in transactions of the scheduler's batch size). Then the
real outbox dispatcher (bot/delivery/outbox.py) with the real Telegram sender
(bot/channels/telegram, PTB over our aiohttp transport) delivers them, with the
pacing it ships with, on a fresh SQLite database.

Three runs, each against a fresh fake that enforces the limits:
1. BENCH_PACING_NOTIFICATIONS (10,000) to BENCH_PACING_CHATS (5,000), in a shuffled
   order: the overall limit;
2. BENCH_BURST_CHATS (20) chats owed three messages each at once, as a reply of several
   messages is: the per-chat limit, while the overall one leaves room;
3. 429 also injected every BENCH_INJECT_EVERY-th message (100) with retry_after
   BENCH_RETRY_AFTER (3 s): BENCH_INJECT_NOTIFICATIONS (1,500) to BENCH_INJECT_CHATS
   (750), scaled down to keep the whole benchmark near seven minutes (the first run
   alone takes 10,000 / 30 s).
Each checks at the fake that every notification arrived exactly once and in order per
chat.
"""

import asyncio
import contextlib
import math
import random
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy import func, select

from benchmarks.common import Child, Machine, Table, env_int, report
from bot.channels.telegram import CAPABILITIES, TelegramChannel, build_application
from bot.core.ports import Chat
from bot.delivery.notify import Notifier
from bot.delivery.outbox import OutboxDispatcher
from bot.files.media import Media
from bot.spine.dispatch import utcnow
from bot.spine.messages import IncomingMessage, Reply
from storage.db import Database
from storage.migrate import upgrade
from storage.models import OutboxRow
from storage.uow import Store
from tests.e2e.service import TOKEN

NOTIFICATIONS = env_int("BENCH_PACING_NOTIFICATIONS", 10_000)
CHATS = env_int("BENCH_PACING_CHATS", 5_000)
BURST_CHATS = env_int("BENCH_BURST_CHATS", 20)
INJECT_NOTIFICATIONS = env_int("BENCH_INJECT_NOTIFICATIONS", 1_500)
INJECT_CHATS = env_int("BENCH_INJECT_CHATS", 750)
INJECT_EVERY = env_int("BENCH_INJECT_EVERY", 100)
RETRY_AFTER = env_int("BENCH_RETRY_AFTER", 3)
BATCH = 2000  # as the scheduler's rounds
LIMIT = CAPABILITIES.rate_per_second or 30.0
CHAT_INTERVAL = CAPABILITIES.per_chat_interval
FIRST_CHAT = 600_000_001


@dataclass
class Outcome:
    label: str
    notifications: int
    chats: int
    seconds: float
    enqueue_seconds: float
    delivered: list[tuple[int, str, float]]
    attempts: list[float]
    """When each message arrived at the fake, refused or not."""
    refused: dict[str, int]
    expected: dict[tuple[int, str], int]
    """(chat, text) → its place in that chat's sequence."""
    rows: dict[str, int]
    """Outbox rows by status at the end."""

    @property
    def rate(self) -> float:
        return len(self.delivered) / self.seconds

    @property
    def ideal(self) -> float:
        """The shortest time the limits allow: the overall rate, or the chat owed most."""
        most = max(Counter(chat for chat, _text in self.expected).values())
        return max(self.notifications / LIMIT, (most - 1) * CHAT_INTERVAL)

    def exactly_once(self) -> tuple[int, int, int]:
        """(delivered once, never delivered, delivered more than once)."""
        seen = Counter((chat, text) for chat, text, _at in self.delivered)
        once = sum(1 for key in self.expected if seen[key] == 1)
        missing = sum(1 for key in self.expected if seen[key] == 0)
        return once, missing, sum(1 for key in self.expected if seen[key] > 1)

    def out_of_order(self) -> int:
        """Chats whose messages arrived in another order than they were put in."""
        places: dict[int, list[int]] = defaultdict(list)
        for chat, text, _at in self.delivered:
            places[chat].append(self.expected.get((chat, text), -1))
        return sum(1 for seq in places.values() if seq != sorted(seq))

    def busiest_second(self) -> int:
        """Most messages accepted in any 1 s window."""
        return busiest_second([at for _chat, _text, at in self.delivered])

    def closest_in_a_chat(self) -> float:
        """Shortest time between two accepted messages to the same chat."""
        last: dict[int, float] = {}
        closest = math.inf
        for chat, _text, at in sorted(self.delivered, key=lambda d: d[2]):
            if chat in last:
                closest = min(closest, at - last[chat])
            last[chat] = at
        return closest


def busiest_second(times: list[float]) -> int:
    """Most of these moments in any 1 s window."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def plan(notifications: int, chats: int, shuffled: bool) -> list[tuple[int, str]]:
    """Who gets what, in the order it is put in the outbox: every chat its share, in a
    shuffled order or each chat's together, each text naming its place in that chat's
    sequence."""
    targets = sorted(FIRST_CHAT + n % chats for n in range(notifications))
    if shuffled:
        random.Random(notifications).shuffle(targets)
    counts: Counter[int] = Counter()
    messages = []
    for chat in targets:
        counts[chat] += 1
        messages.append((chat, f"Nhắc việc số {counts[chat]}: PAKN PA-2026-{chat % 10**6:06d} "
                               "sắp đến hạn xử lý, xin kiểm tra và trả lời người dân."))
    return messages


async def enqueue(store: Store, messages: list[tuple[int, str]], label: str) -> None:
    for start in range(0, len(messages), BATCH):
        async with store.unit_of_work() as uow:
            notifier = Notifier(uow, "vi", utcnow(), f"bench:{label}")
            for n, (chat, text) in enumerate(messages[start:start + BATCH], start=start):
                await notifier.send(Chat("telegram", str(chat)), Reply(text),
                                    key=f"bench:{label}:{n}")


async def not_handled(message: IncomingMessage) -> bool:
    raise AssertionError("the pacing benchmark receives nothing")


async def pending(database: Database) -> int:
    async with database.reading() as session:
        return int((await session.execute(select(func.count()).select_from(OutboxRow)
                                          .where(OutboxRow.status == "pending"))).scalar_one())


async def rows_by_status(database: Database) -> dict[str, int]:
    async with database.reading() as session:
        rows = await session.execute(select(OutboxRow.status, func.count())
                                     .group_by(OutboxRow.status))
        return {str(status): int(count) for status, count in rows.all()}


async def deliver(label: str, notifications: int, chats: int, shuffled: bool,
                  fake_args: list[str]) -> Outcome:
    print(f"  {label}: {notifications:,} notifications to {chats:,} chats ...", flush=True)
    messages = plan(notifications, chats, shuffled)
    places: Counter[int] = Counter()
    expected = {}
    for chat, text in messages:
        places[chat] += 1
        expected[(chat, text)] = places[chat]
    with tempfile.TemporaryDirectory(prefix="bench-pacing-") as workdir:
        url = f"sqlite+aiosqlite:///{workdir}/pakn.db"
        await asyncio.to_thread(upgrade, url)
        database = Database(url)
        store = Store(database)
        began = time.monotonic()
        await enqueue(store, messages, label)
        enqueue_seconds = time.monotonic() - began
        async with Child("benchmarks.fake_telegram", TOKEN, "--enforce", *fake_args) as fake:
            telegram = TelegramChannel(build_application(TOKEN, fake.url), not_handled,
                                       Media(store, utcnow), webhook_secret=None)
            await telegram.application.initialize()
            dispatcher = OutboxDispatcher(store, [telegram], utcnow)
            started = time.monotonic()
            running = asyncio.create_task(dispatcher.run())
            try:
                while True:
                    if not await pending(database):
                        break
                    await asyncio.sleep(0.5)
            finally:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
                await telegram.application.shutdown()
            async with aiohttp.ClientSession() as http, \
                    http.get(f"{fake.url}/_stats") as response:
                stats: dict[str, Any] = await response.json()
        rows = await rows_by_status(database)
        await database.dispose()
    delivered = [(int(chat), str(text), float(at)) for chat, text, at in stats["delivered"]]
    finished = max((at for _chat, _text, at in delivered), default=started)
    outcome = Outcome(label, notifications, chats, finished - started, enqueue_seconds,
                      delivered, stats["attempts"], stats["refused"], expected, rows)
    print(f"    {outcome.seconds:.1f} s, {outcome.rate:.2f} messages/s, "
          f"429: {sum(outcome.refused.values())}", flush=True)
    return outcome


def tables(runs: list[Outcome]) -> list[Table]:
    figures = Table(
        f"Outbox delivery against Telegram's limits ({LIMIT:.0f} messages/s overall, 1/s "
        "per chat), enforced by the fake Bot API",
        ["run", "notifications", "chats", "seconds", "ideal s", "lost s", "messages/s",
         "of the limit", "busiest 1 s sent", "busiest 1 s accepted",
         "closest in a chat s", "429 over 30/s", "429 over 1/s per chat", "429 injected"])
    checks = Table("Delivery checks at the fake Bot API (and the outbox rows afterwards)",
                   ["run", "delivered once", "never", "twice or more",
                    "chats out of order", "rows sent", "rows undeliverable",
                    "time to enqueue s"])
    for run in runs:
        figures.add(run.label, f"{run.notifications:,}", f"{run.chats:,}", run.seconds,
                    run.ideal, run.seconds - run.ideal, run.rate, f"{run.rate / LIMIT:.1%}",
                    busiest_second(run.attempts), run.busiest_second(),
                    run.closest_in_a_chat(),
                    run.refused.get("over 30/s overall", 0),
                    run.refused.get("over 1/s in a chat", 0), run.refused.get("injected", 0))
        once, missing, repeated = run.exactly_once()
        checks.add(run.label, f"{once:,} of {len(run.expected):,}", missing, repeated,
                   run.out_of_order(), f"{run.rows.get('sent', 0):,}",
                   run.rows.get("undeliverable", 0), run.enqueue_seconds)
    return [figures, checks]


async def run_all() -> None:
    machine = Machine()
    bulk = await deliver("bulk, shuffled", NOTIFICATIONS, CHATS, True, [])
    burst = await deliver("3 at once per chat", BURST_CHATS * 3, BURST_CHATS, False, [])
    faults = await deliver(f"+ 429 every {INJECT_EVERY}th, retry_after {RETRY_AFTER} s",
                           INJECT_NOTIFICATIONS, INJECT_CHATS, True,
                           ["--inject-every", str(INJECT_EVERY),
                            "--retry-after", str(RETRY_AFTER)])
    injected = faults.refused.get("injected", 0)
    expected = faults.notifications / bulk.rate
    notes = [
        f"The first run is the full {NOTIFICATIONS:,} notifications to {CHATS:,} chats; the "
        f"third is scaled down to {INJECT_NOTIFICATIONS:,} to {INJECT_CHATS:,} "
        "(BENCH_INJECT_NOTIFICATIONS, BENCH_INJECT_CHATS) to keep the time down.",
        f"ideal: notifications / {LIMIT:.0f} per second (or, when longer, the chat owed most "
        "at one per second); lost: measured − ideal. Timed from the dispatcher's start to "
        "the last message accepted by the fake; the outbox was filled beforehand.",
        "busiest 1 s: the most messages that reached the fake within any 1 s, all of them "
        "(sent) or those it let through (accepted).",
        f"With 429s injected: {faults.seconds:.1f} s against {expected:.1f} s expected at the "
        f"first run's rate, so {faults.seconds - expected:.1f} s lost to {injected} injected "
        f"429s; had each stalled every chat for {RETRY_AFTER} s, that would have been "
        f"{injected * RETRY_AFTER} s. Every message was still delivered exactly once, in "
        "order per chat (table above).",
        "The fake counts only accepted messages toward the limits, and answers a message "
        "that breaks one with 429 and the retry_after that would let it through "
        "(whole seconds, at least 1).",
        f"Machine: {machine.describe()}.",
    ]
    report("pacing", "Outbound pacing through the outbox", tables([bulk, burst, faults]),
           notes)


def main() -> None:
    asyncio.run(run_all())


if __name__ == "__main__":
    main()
