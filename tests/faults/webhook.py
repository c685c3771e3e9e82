"""Telegram's side of a webhook: each update is posted until a worker answers 200.

Telegram keeps an update and delivers it again when its POST failed (no answer, or any
status but 2xx), so an update the service never acknowledged comes back, even one it
took whose answer was lost; behind one address there may be several workers, and a
redelivery may reach another one.
"""

import asyncio
import random
from collections import Counter
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import aiohttp

from tests.e2e.service import SECRET

FIRST_RETRY, LAST_RETRY = 0.25, 4.0
"""Seconds before delivering again, doubling from the first to the last (Telegram waits
longer after each failure)."""
GIVE_UP_AFTER = 240.0


class Webhook:
    def __init__(self, urls: Sequence[str], seed: int = 0,
                 retry: tuple[float, float] = (FIRST_RETRY, LAST_RETRY),
                 racing: float = 0.0, losing: float = 0.0) -> None:
        self.urls = list(urls)
        self.retry = retry
        self.racing = racing
        """The share of updates posted to every worker at once (a redelivery racing the
        first delivery)."""
        self.losing = losing
        """The share of answers lost on the way back: the update was taken, but Telegram
        never saw the 200 and delivers it again."""
        self.lost: set[int] = set()
        self.raced: list[list[int | str]] = []
        """The answers of the workers to each update posted to all at once."""
        self.random = random.Random(seed)
        self.answers: Counter[str] = Counter()
        """Every POST's outcome: its status, or the client error."""
        self.acknowledged: set[int] = set()
        self.redelivered: set[int] = set()
        self.in_flight = 0
        self._posting = asyncio.Condition()
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "Webhook":
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        assert self._session is not None
        await self._session.close()

    async def deliver(self, update: dict[str, Any]) -> None:
        """Post to a worker (chosen at random; sometimes to all at once) until one answers
        200."""
        if len(self.urls) > 1 and self.random.random() < self.racing:
            answers = await asyncio.gather(*(self.post(url, update) for url in self.urls))
            self.raced.append(list(answers))
            if 200 in answers:
                return
        await self.deliver_to(self.random.choice(self.urls), update)

    async def deliver_to(self, url: str, update: dict[str, Any]) -> None:
        """Post until answered 200: first to `url`, then to any worker."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GIVE_UP_AFTER
        pause, longest = self.retry
        while await self.post(url, update) != 200:
            self.redelivered.add(update["update_id"])
            if loop.time() > deadline:
                raise AssertionError(f"update {update['update_id']} never acknowledged: "
                                     f"{dict(self.answers)}")
            await asyncio.sleep(pause)
            pause = min(pause * 2, longest)
            url = self.random.choice(self.urls)

    async def busy(self, posts: int) -> None:
        """Return when `posts` POSTs are under way at once."""
        async with self._posting:
            await self._posting.wait_for(lambda: self.in_flight >= posts)

    async def post(self, url: str, update: dict[str, Any]) -> int | str:
        assert self._session is not None, "use `async with Webhook(...)`"
        async with self._posting:
            self.in_flight += 1
            self._posting.notify_all()
        try:
            async with self._session.post(
                    f"{url}/webhook/telegram", json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                await response.read()
                answer: int | str = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            answer = exc.__class__.__name__
        finally:
            self.in_flight -= 1
        if answer == 200 and self.random.random() < self.losing:
            self.lost.add(update["update_id"])
            answer = "lost"
        self.answers[str(answer)] += 1
        if answer == 200:
            self.acknowledged.add(update["update_id"])
        return answer
