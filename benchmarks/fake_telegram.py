"""The tests' fake Bot API as a process of its own, for the benchmarks.

On top of tests/fakes/telegram_api.py it can
- stream every recorded call to subscribers (`GET /_stream`, a websocket sending JSON
  lists of calls, each with its arrival time), so a load generator in another process
  reads the bot's replies and presses the buttons they offer;
- enforce Telegram's documented sending limits (`--enforce`): at most 30 messages in
  any 1 s window overall, and at most one message per second to a chat (Telegram's FAQ
  only says short bursts *may* be tolerated, so the strict rule is the one a bot can
  count on); a message that breaks one is refused with 429 and `retry_after`;
- inject 429 every `--inject-every` messages with `--retry-after` seconds;
and report what happened at `GET /_stats`.

Run: `python -m benchmarks.fake_telegram TOKEN [--enforce] [--inject-every N]`; it
prints its base URL on the first line of stdout.
"""

import argparse
import asyncio
import math
import time
from collections import Counter, deque
from typing import Any

from aiohttp import web

from tests.fakes.telegram_api import Call, FakeBotApi, _error, _parse

SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
GLOBAL_PER_SECOND = 30
CHAT_INTERVAL = 1.0


class BenchBotApi(FakeBotApi):
    def __init__(self, token: str, enforce: bool = False, inject_every: int = 0,
                 retry_after: int = 3) -> None:
        super().__init__(token)
        self.enforce = enforce
        self.inject_every = inject_every
        self.retry_after = retry_after
        self.refused: Counter[str] = Counter()
        self._attempts = 0
        self._window: deque[float] = deque()
        self._last_to_chat: dict[int, float] = {}
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()

    async def start_on(self, port: int) -> "BenchBotApi":
        app = web.Application(client_max_size=50 << 20)
        app.router.add_post("/bot{token}/{method}", self._limited)
        app.router.add_get("/bot{token}/{method}", self._limited)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        app.router.add_get("/_stream", self._stream)
        app.router.add_get("/_stats", self._stats)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{bound}"
        return self

    async def _limited(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method not in SENDS or request.match_info["token"] != self.token:
            return await self._method(request)
        params, _files = await _parse(request)  # aiohttp keeps the body for _method
        now = time.monotonic()
        self._attempts += 1
        refusal = self._refusal(int(params.get("chat_id", 0)), now)
        if refusal is None:
            return await self._method(request)
        reason, wait = refusal
        self.refused[reason] += 1
        await self._record(Call(method, params | {"_failed": 429, "_reason": reason}, at=now))
        return _error(429, f"Too Many Requests: retry after {wait}",
                      parameters={"retry_after": wait})

    def _refusal(self, chat_id: int, now: float) -> tuple[str, int] | None:
        """Why this message is refused, and the retry_after given; None to accept it.
        Only accepted messages count toward the limits."""
        if self.inject_every and self._attempts % self.inject_every == 0:
            return "injected", self.retry_after
        if self.enforce:
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            if len(self._window) >= GLOBAL_PER_SECOND:
                return "over 30/s overall", _whole_seconds(self._window[0] + 1.0 - now)
            last = self._last_to_chat.get(chat_id)
            if last is not None and now - last < CHAT_INTERVAL:
                return "over 1/s in a chat", _whole_seconds(last + CHAT_INTERVAL - now)
            self._window.append(now)
            self._last_to_chat[chat_id] = now
        return None

    async def _record(self, call: Call) -> None:
        await super()._record(call)
        if self._subscribers:
            event = {"method": call.method, "chat_id": call.chat_id, "text": call.text,
                     "markup": call.params.get("reply_markup"), "at": call.at,
                     "failed": call.params.get("_failed")}
            for queue in self._subscribers:
                queue.put_nowait(event)

    async def _stream(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            while not ws.closed:
                events = [await queue.get()]
                while not queue.empty():
                    events.append(queue.get_nowait())
                await ws.send_json(events)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._subscribers.discard(queue)
        return ws

    async def _stats(self, request: web.Request) -> web.Response:
        sends = [c for c in self.calls if c.method in SENDS]
        delivered = [c for c in sends if "_failed" not in c.params]
        return web.json_response({
            "methods": Counter(c.method for c in self.calls),
            "refused": self.refused,
            "delivered": [[c.chat_id, c.text, c.at] for c in delivered],
            "attempts": [c.at for c in sends],
        })


def _whole_seconds(seconds: float) -> int:
    """Telegram's retry_after is a whole number of seconds, at least 1."""
    return max(1, math.ceil(seconds))


async def serve(args: argparse.Namespace) -> None:
    api = await BenchBotApi(args.token, args.enforce, args.inject_every,
                            args.retry_after).start_on(args.port)
    print(api.url, flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("token")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--enforce", action="store_true")
    parser.add_argument("--inject-every", type=int, default=0)
    parser.add_argument("--retry-after", type=int, default=3)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
