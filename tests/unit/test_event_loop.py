"""`pakn serve` runs on libuv's event loop (uvloop), a dependency wherever it builds; the
service's own tests in processes of their own (tests/e2e, tests/faults, tests/limits)
serve on it."""

import asyncio

import uvloop

from bot.web.server import new_event_loop


def test_the_service_loop_is_libuvs_and_runs_coroutines() -> None:
    loop = new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
        assert loop.run_until_complete(asyncio.sleep(0, result="ran")) == "ran"
    finally:
        loop.close()
