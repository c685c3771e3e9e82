"""Serving HTTP so that slow clients cannot hold connections.

aiohttp waits for a request's headers and body as long as the client keeps sending, a
byte at a time if it likes (the "slowloris" attack), and accepts any number of
connections from one address. This server adds, per connection:
- the headers of a request must arrive within PAKN_HEADER_TIMEOUT seconds of its first
  byte (of the connection's opening, for the first request);
- its body within PAKN_BODY_TIMEOUT seconds of its headers;
- at most PAKN_MAX_CONNECTIONS_PER_CLIENT connections open at once from one address
  (per worker process); a trusted reverse proxy (PAKN_TRUSTED_PROXIES) carries many
  clients' requests and is not capped: it keeps its own limits.
A connection past a timeout is closed; one over the cap is answered 429 and closed.
Websockets, once upgraded, are the web chat's business (heartbeats), not these timers'.
"""

import asyncio
import gc
import logging
import socket
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from typing import Any, cast

from aiohttp import web
from aiohttp.streams import StreamReader

from bot.present.i18n import _, use_locale
from bot.runtime.clients import Networks, trusted
from bot.runtime.settings import Settings

log = logging.getLogger(__name__)

KEEPALIVE = 75.0
"""Seconds an idle connection is kept between two requests (aiohttp's default is an
hour, meant for a proxy in front; a proxy reconnects when it must)."""


class Guard:
    """What every connection of the server shares: the settings and the open
    connections per address."""

    def __init__(self, settings: Settings) -> None:
        self.header_timeout = settings.header_timeout
        self.body_timeout = settings.body_timeout
        self.max_per_client = settings.max_connections_per_client
        self.proxies: Networks = settings.trusted_proxies
        self.language = settings.default_language
        self.open: Counter[str] = Counter()

    def refusal(self) -> bytes:
        with use_locale(self.language):
            text = _("Too many connections are open from your address. Please try again "
                     "in a few seconds.").encode()
        return (b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 10\r\nConnection: close\r\n"
                b"Content-Type: text/plain; charset=utf-8\r\n"
                b"Content-Length: " + str(len(text)).encode() + b"\r\n\r\n" + text)


class GuardedHandler(web.RequestHandler):
    def __init__(self, manager: web.Server, guard: Guard, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._guard = guard
        self._client: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._body: StreamReader | None = None
        self._between = False
        """The last request is whole: the next byte begins another one."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else None
        if address is not None and not trusted(address, self._guard.proxies):
            if self._guard.open[address] >= self._guard.max_per_client:
                log.warning("refused a connection: %d open from one address",
                            self._guard.open[address])
                # (uvloop's transports are not asyncio's classes: a cast, not a check)
                cast(asyncio.WriteTransport, transport).write(self._guard.refusal())
                self.force_close()
                return
            self._client = address
            self._guard.open[address] += 1
        self._arm(self._guard.header_timeout)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        if self._client is not None:
            self._guard.open[self._client] -= 1
            if self._guard.open[self._client] <= 0:
                del self._guard.open[self._client]
            self._client = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._upgraded or self._payload_parser is not None:
            self._disarm()  # a websocket now
            super().data_received(data)
            return
        if self._between and data:
            self._between = False
            self._arm(self._guard.header_timeout)
        before = len(self._messages)
        super().data_received(data)
        for _message, payload in list(self._messages)[before:]:
            self._disarm()
            self._body = payload if not payload.is_eof() else None
            self._between = self._body is None
            if self._body is not None:
                self._arm(self._guard.body_timeout)
        if self._body is not None and self._body.is_eof():
            self._body, self._between = None, True
            self._disarm()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = self._loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        log.info("closed a connection that was too slow to send its request")
        self.force_close()


class GuardedSite(web.TCPSite):
    """A TCP site whose connections are guarded."""

    def __init__(self, runner: web.AppRunner, settings: Settings,
                 sock: socket.socket | None = None) -> None:
        super().__init__(runner, settings.host, settings.port)
        self._guard = Guard(settings)
        self._sock = sock

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registered with the runner, which stops it
        loop = asyncio.get_running_loop()
        server = self._runner.server
        assert server is not None

        def connection() -> GuardedHandler:
            return GuardedHandler(server, self._guard, loop=loop, access_log=None,
                                  keepalive_timeout=KEEPALIVE)
        if self._sock is not None:
            self._server = await loop.create_server(connection, sock=self._sock)
        else:
            self._server = await loop.create_server(connection, self._host, self._port,
                                                    reuse_address=True)


def listen(settings: Settings, reuse_port: bool = False) -> socket.socket:
    """The service's listening socket, bound before anything starts: a port in use is
    known at once (OSError), before the database or the channels are touched. The workers
    of one pool each bind the port with `reuse_port`; the kernel spreads connections."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    return socket.create_server((settings.host, settings.port), family=family,
                                reuse_port=reuse_port)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """libuv's event loop (uvloop) where it is installed (not on Windows): the service
    spends about a tenth less CPU an update on it than on asyncio's own, in the sockets
    of webhooks, Bot API calls and asyncpg (benchmarks/RESULTS.md)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run(app: web.Application, settings: Settings, sock: socket.socket | None = None,
        ready: Callable[[], None] = lambda: None) -> None:
    """Serve `app` until SIGINT or SIGTERM, as aiohttp's run_app does; `ready` is called
    once the service listens."""
    loop = new_event_loop()
    asyncio.set_event_loop(loop)
    main = loop.create_task(_serve(app, settings, sock, ready))
    try:
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        main.cancel()
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(main)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


async def _serve(app: web.Application, settings: Settings, sock: socket.socket | None,
                 ready: Callable[[], None]) -> None:
    runner = web.AppRunner(app, access_log=None, handle_signals=True)
    await runner.setup()
    # What is loaded by now (the libraries, the directory, the catalogs) stays for the
    # process's life: out of the collector's sight, its full collections scan only what
    # came later. They took 150 to 170 ms each, stalling every update in flight
    # (benchmarks/RESULTS.md).
    gc.freeze()
    try:
        await GuardedSite(runner, settings, sock).start()
        ready()
        await asyncio.Event().wait()  # until a signal ends the loop
    finally:
        await runner.cleanup()
