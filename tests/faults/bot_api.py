"""The fake Bot API with the faults of a Telegram outage, and a ledger of what it delivered.

During an outage each call meets a fault: a server error, a hold past our client's
timeout (the request is then lost, as when Telegram hangs), or flood control (429 and
retry_after). A message that got through keeps the message id it was given, which ties
it to the outbox row that recorded it.
"""

import asyncio
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.telegram_api import Call, FakeBotApi, _error, _parse

SENDS = ("sendMessage", "sendPhoto", "sendDocument")
DELIVERIES = (*SENDS, "editMessageText")
CLIENT_TIMEOUT = 5.0
"""The read timeout of the service's Bot API client (bot/channels/telegram/transport.py)."""


@dataclass(frozen=True)
class Fault:
    kind: str
    """"error" (HTTP 500), "hang" (no answer within the client's timeout) or "flood"."""
    retry_after: int = 2

    @property
    def label(self) -> str:
        return {"error": "500", "hang": "timeout", "flood": "429"}[self.kind]


ERROR, HANG, FLOOD = Fault("error"), Fault("hang"), Fault("flood")


class FaultyBotApi(FakeBotApi):
    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.faults: Iterator[Fault] | None = None
        """While set, each call meets the next fault instead of an answer."""
        self.refused: Counter[str] = Counter()
        """Calls refused by a fault, by its label."""
        self.received: dict[int, list[str]] = defaultdict(list)
        """The texts delivered to each chat (sent or edited), in order."""
        self.latency = 0.0
        """Seconds between taking a message and answering, as over a real network."""

    def fail(self, *faults: Fault) -> None:
        """An outage: calls meet these faults in turn until `recover()`."""
        self.faults = itertools.cycle(faults)

    def recover(self) -> None:
        self.faults = None

    def delivered(self) -> list[Call]:
        """The calls that put a message in a chat or changed one, in order."""
        return [c for c in self.calls if c.method in DELIVERIES and "_failed" not in c.params]

    async def _method(self, request: web.Request) -> web.Response:
        fault = next(self.faults) if self.faults is not None else None
        if fault is None or request.match_info["token"] != self.token:
            response = await super()._method(request)
            if self.latency and request.match_info["method"] in DELIVERIES:
                await asyncio.sleep(self.latency)
            return response
        params, files = await _parse(request)
        if fault.kind == "hang":
            # Longer than the client waits: it gives up, and the call has no effect.
            await asyncio.sleep(CLIENT_TIMEOUT * 1.6)
        self.refused[fault.label] += 1
        await self._record(Call(request.match_info["method"],
                                params | {"_failed": fault.label}, files))
        if fault.kind == "flood":
            return _error(429, f"Too Many Requests: retry after {fault.retry_after}",
                          parameters={"retry_after": fault.retry_after})
        return _error(500, "Internal Server Error")

    async def _record(self, call: Call) -> None:
        if call.method in DELIVERIES and "_failed" not in call.params and call.chat_id:
            self.received[call.chat_id].append(call.text)
        await super()._record(call)

    # The message id given to each message sent, kept with its call.

    def _api_sendMessage(self, params: dict[str, Any],
                         files: dict[str, bytes]) -> dict[str, Any]:
        return _keep_id(params, super()._api_sendMessage(params, files))

    def _api_sendPhoto(self, params: dict[str, Any],
                       files: dict[str, bytes]) -> dict[str, Any]:
        return _keep_id(params, super()._api_sendPhoto(params, files))

    def _api_sendDocument(self, params: dict[str, Any],
                          files: dict[str, bytes]) -> dict[str, Any]:
        return _keep_id(params, super()._api_sendDocument(params, files))


def _keep_id(params: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    # `params` is the recorded call's own dict.
    params["_message_id"] = message["message_id"]
    return message


def message_id(call: Call) -> str | None:
    value = call.params.get("_message_id")
    return str(value) if value is not None else None
