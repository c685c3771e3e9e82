"""Waiting for a condition outside the fake API (the database, the load's progress)."""

import asyncio
import inspect
from collections.abc import Awaitable, Callable

POLL = 0.2


async def eventually(check: Callable[[], bool | Awaitable[bool]], what: str,
                     timeout: float = 120.0) -> None:
    """Return once `check()` is true; fail naming `what` after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL)
