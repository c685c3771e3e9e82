"""A citizen in the web chat without a browser: the page for a cookie, the websocket,
the frames the page's script sends. Files a whole PAKN, pressing the buttons the bot
offers, waiting each time for the bot's answer (never for a fixed time)."""

import asyncio
import re
import secrets
import ssl
from collections.abc import Callable
from typing import Any

import aiohttp

from tests.browsing import loopback_jar

CODE = re.compile(r"PA-\d{4}-\d{6}")
STEP_SECONDS = 60.0
FILE_ANYWAY = "ch:similar:file"
Answered = Callable[[list[dict[str, Any]]], bool]


def offers(prefix: str) -> Answered:
    """The bot's answer offers a button whose payload starts with `prefix`."""
    return lambda messages: any(
        (button.get("payload") or "").startswith(prefix)
        for message in messages for row in message.get("buttons", []) for button in row)


def answered(messages: list[dict[str, Any]]) -> bool:
    return bool(messages)


def receipt(messages: list[dict[str, Any]]) -> bool:
    return any(CODE.search(message.get("text", "")) for message in messages)


class WebChatCitizen:
    def __init__(self, url: str, tls: ssl.SSLContext | bool = True) -> None:
        self.url = url
        self.tls = tls
        self.worker: str | None = None
        """Which worker of a pool took the websocket (its X-PAKN-Worker header)."""
        self.received: list[dict[str, Any]] = []
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._arrived = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "WebChatCitizen":
        trace = aiohttp.TraceConfig()
        trace.on_request_end.append(self._note_worker)
        self._session = aiohttp.ClientSession(
            self.url, cookie_jar=loopback_jar(self.url), trace_configs=[trace],
            connector=aiohttp.TCPConnector(ssl=self.tls))
        async with self._session.get("/") as page:
            assert page.status == 200, page.status
        self._socket = await self._session.ws_connect("/chat/ws",
                                                      headers={"Origin": self.url})
        history = await self._socket.receive_json(timeout=STEP_SECONDS)
        assert history["type"] == "history", history
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await self._reader
        if self._session is not None:
            await self._session.close()

    async def _note_worker(self, _session: aiohttp.ClientSession, _context: Any,
                           params: aiohttp.TraceRequestEndParams) -> None:
        if params.url.path == "/chat/ws":
            self.worker = params.response.headers.get("X-PAKN-Worker")

    async def _read(self) -> None:
        assert self._socket is not None
        async for frame in self._socket:
            if frame.type is aiohttp.WSMsgType.TEXT:
                async with self._arrived:
                    self.received.append(frame.json())
                    self._arrived.notify_all()

    def messages(self) -> list[dict[str, Any]]:
        return [event for event in self.received if event["type"] == "message"]

    async def send(self, frame: dict[str, Any], until: Answered = answered) -> list[dict[str, Any]]:
        """Send a frame; the bot's messages from then on once `until` holds for them
        and the frame is acknowledged."""
        assert self._socket is not None
        client_id = secrets.token_hex(8)
        mark = len(self.received)
        await self._socket.send_json({**frame, "client_id": client_id})

        def done() -> bool:
            since = self.received[mark:]
            acked = any(e.get("client_id") == client_id and e["type"] == "ack" for e in since)
            return acked and until([e for e in since if e["type"] == "message"])
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(done), STEP_SECONDS)
        return [e for e in self.received[mark:] if e["type"] == "message"]

    async def say(self, text: str, until: Answered = answered) -> list[dict[str, Any]]:
        return await self.send({"type": "text", "text": text}, until)

    async def press(self, payload: str, until: Answered = answered) -> list[dict[str, Any]]:
        return await self.send({"type": "button", "payload": payload}, until)

    def consent_payload(self) -> str:
        return next(button["payload"] for message in reversed(self.messages())
                    for row in message.get("buttons", []) for button in row
                    if (button.get("payload") or "").startswith("cs:"))

    async def file_pakn(self) -> str:
        """A whole PAKN (land, Xuân Bắc commune); its tracking code."""
        first = await self.say("/phananh", lambda m: offers("cs:")(m) or offers("ch:field:")(m))
        if offers("cs:")(first):
            await self.press(self.consent_payload(), offers("ch:field:"))
        await self.press("ch:field:dat_dai", offers("ch:area:"))
        await self.press("ch:area:26428")
        described = await self.say(
            "Đường ấp 3 bị ngập nước hai tuần nay sau khi thi công cống.",
            lambda m: offers("ch:attach:done")(m) or offers(FILE_ANYWAY)(m))
        if offers(FILE_ANYWAY)(described):
            # A neighbour filed the same first (bot.core.similar): file this one too.
            await self.press(FILE_ANYWAY, offers("ch:attach:done"))
        await self.press("ch:attach:done")
        await self.say("Nguyễn Văn An")
        await self.say("0912345678")
        await self.say("Số 12, ấp 3, xã Xuân Bắc", offers("ch:confirm:send"))
        answer = await self.press("ch:confirm:send", receipt)
        code = next(match.group(0) for message in answer
                    if (match := CODE.search(message.get("text", ""))))
        return code
