"""python-telegram-bot's HTTP transport over aiohttp.

PTB's default httpx transport degrades under many concurrent requests; one pooled
aiohttp session keeps connections alive to the Bot API and shares the event loop of
our web server.
"""

import re
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# Errors may quote the URL, which holds the token: never let it reach a log.
_TOKEN = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")


class AiohttpRequest(BaseRequest):
    def __init__(self, connection_pool_size: int = 100, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 media_write_timeout: float | None = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if files else self._write_timeout
        connect = (self._connect_timeout if isinstance(connect_timeout, DefaultValue)
                   else connect_timeout)
        # aiohttp has no separate write timeout: the whole request may take read + write.
        total = None if read is None or write is None else read + write
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        form: aiohttp.FormData | None = None
        parameters: dict[str, Any] | None = None
        if files:
            form = aiohttp.FormData()
            for name, value in (request_data.json_parameters if request_data else {}).items():
                form.add_field(name, value)
            for name, (filename, content, mime) in _files(files):
                form.add_field(name, content, filename=filename, content_type=mime)
        elif request_data is not None:
            # One JSON body, which the Bot API takes for anything but uploads: PTB's form
            # would dump each parameter apart and then percent-encode every byte of the
            # text and keyboard (about 50 µs a message more, benchmarks/RESULTS.md).
            parameters = request_data.parameters
        try:
            async with self._session.request(method, url, data=form, json=parameters,
                                             timeout=timeout) as resp:
                return resp.status, await resp.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            detail = _TOKEN.sub("/bot<token>", str(exc))
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {detail}") from None


def _files(files: dict[str, Any]) -> list[tuple[str, tuple[str, bytes, str]]]:
    """PTB gives each file as (filename, content, mime type) or bare content."""
    result = []
    for name, value in files.items():
        if isinstance(value, tuple):
            filename, content = value[0], value[1]
            mime = value[2] if len(value) > 2 and value[2] else "application/octet-stream"
        else:
            filename, content, mime = name, value, "application/octet-stream"
        result.append((name, (filename or name, content, mime)))
    return result
