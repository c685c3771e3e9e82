"""A TCP proxy between the service and PostgreSQL, to stop and restart "the database"
without touching the server the other tests share.

`stop()` drops every connection and refuses new ones, as a stopped server does;
`start()` accepts again on the same port.
"""

import asyncio
import contextlib

from tests.ports import free_port


class DatabaseProxy:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._streams: set[asyncio.StreamWriter] = set()
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def stop(self) -> None:
        assert self._server is not None, "not started"
        self._server.close()
        for stream in list(self._streams):
            stream.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def close(self) -> None:
        if self._server is not None:
            await self.stop()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _connect(self, client_in: asyncio.StreamReader,
                       client_out: asyncio.StreamWriter) -> None:
        try:
            server_in, server_out = await asyncio.open_connection(*self.target)
        except OSError:
            client_out.transport.abort()
            return
        self.accepted += 1
        self._streams |= {client_out, server_out}
        pipes = [asyncio.create_task(self._pipe(client_in, server_out)),
                 asyncio.create_task(self._pipe(server_in, client_out))]
        self._pipes.update(pipes)
        await asyncio.gather(*pipes, return_exceptions=True)
        self._pipes.difference_update(pipes)
        self._streams -= {client_out, server_out}

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(1 << 16):
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            # One side gone: the whole connection is.
            with contextlib.suppress(Exception):
                sink.transport.abort()
