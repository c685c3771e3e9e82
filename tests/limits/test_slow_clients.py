"""Slow clients cannot hold connections: against the real service in its own process on
127.0.0.1, a client sending its headers (or body) a byte a second is cut off after the
timeout while others are served, and one address cannot open more than its share of
connections."""

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.service import ServiceProcess

HEADER_TIMEOUT, BODY_TIMEOUT, CAP = 2, 3, 6


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[ServiceProcess]:
    running = await ServiceProcess(
        tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'pakn.db'}",
        PAKN_HEADER_TIMEOUT=str(HEADER_TIMEOUT), PAKN_BODY_TIMEOUT=str(BODY_TIMEOUT),
        PAKN_MAX_CONNECTIONS_PER_CLIENT=str(CAP), PAKN_DEFAULT_LANGUAGE="en").start()
    yield running
    await running.stop()


async def connect(service: ServiceProcess) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", service.port)


async def trickle(writer: asyncio.StreamWriter, reader: asyncio.StreamReader,
                  data: bytes, seconds: float) -> float:
    """Send `data` a byte a second until the server closes; seconds it took."""
    started = time.monotonic()
    for byte in data:
        if reader.at_eof() or writer.is_closing():
            break
        try:
            writer.write(bytes([byte]))
            await writer.drain()
        except ConnectionError:
            break
        with_eof = asyncio.ensure_future(reader.read(1024))
        done, _ = await asyncio.wait({with_eof}, timeout=seconds)
        if done:
            try:
                closed = with_eof.result() == b""
            except ConnectionResetError:
                # Closed with bytes of ours unread, the server's end answers with a reset.
                closed = True
            if closed:
                break
        with_eof.cancel()
        if time.monotonic() - started > 30:
            raise AssertionError("the server kept a slow client for 30 seconds")
    return time.monotonic() - started


async def healthy(service: ServiceProcess) -> bool:
    async with aiohttp.ClientSession() as session, \
            session.get(f"{service.url}/healthz") as response:
        return response.status == 200


async def test_headers_sent_a_byte_a_second_are_cut_off(service: ServiceProcess) -> None:
    headers = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
               b"".join(b"X-Slow-%d: %s\r\n" % (n, b"a" * 20) for n in range(50)) + b"\r\n")
    slow = [await connect(service) for _ in range(3)]
    tasks = [asyncio.create_task(trickle(writer, reader, headers, 1.0))
             for reader, writer in slow]
    await asyncio.sleep(0.5)
    assert await healthy(service), "others are served meanwhile"
    lasted = await asyncio.gather(*tasks)
    assert all(HEADER_TIMEOUT - 0.5 <= t <= HEADER_TIMEOUT + 2.5 for t in lasted), lasted
    for _reader, writer in slow:
        writer.close()
    assert await healthy(service)


async def test_a_connection_that_sends_nothing_is_closed(service: ServiceProcess) -> None:
    reader, writer = await connect(service)
    started = time.monotonic()
    assert await asyncio.wait_for(reader.read(), HEADER_TIMEOUT + 5) == b""
    assert time.monotonic() - started >= HEADER_TIMEOUT - 0.5
    writer.close()


async def test_a_slow_body_is_cut_off(service: ServiceProcess) -> None:
    reader, writer = await connect(service)
    writer.write(b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: 400\r\n\r\n")
    await writer.drain()
    lasted = await trickle(writer, reader, b"api_key=" + b"x" * 392, 1.0)
    assert BODY_TIMEOUT - 0.5 <= lasted <= BODY_TIMEOUT + 2.5, lasted
    writer.close()


async def test_a_slow_second_request_on_a_kept_alive_connection(
        service: ServiceProcess) -> None:
    reader, writer = await connect(service)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.readuntil(b"}"), 10)
    assert answer.startswith(b"HTTP/1.1 200")
    await asyncio.sleep(HEADER_TIMEOUT + 1)  # idle between requests is keep-alive's
    lasted = await trickle(writer, reader, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" * 5, 1.0)
    assert HEADER_TIMEOUT - 0.5 <= lasted <= HEADER_TIMEOUT + 2.5, lasted
    writer.close()


async def test_one_address_cannot_open_more_than_its_share(service: ServiceProcess) -> None:
    held = [await connect(service) for _ in range(CAP)]
    reader, writer = await connect(service)
    refused = await asyncio.wait_for(reader.read(), 5)
    assert refused.startswith(b"HTTP/1.1 429") and b"Retry-After: 10" in refused
    assert b"Too many connections are open from your address" in refused
    writer.close()
    for _reader, held_writer in held[:2]:
        held_writer.close()
        await held_writer.wait_closed()
    await asyncio.sleep(0.3)
    assert await healthy(service), "a connection freed is a connection to use"
    for _reader, held_writer in held[2:]:
        held_writer.close()
