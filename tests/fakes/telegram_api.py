"""An in-repo fake of the Telegram Bot API: answers like Telegram, records every call.

It parses what python-telegram-bot sends (JSON, multipart for uploads, or form-encoded
fields with JSON-encoded values), returns real-shaped results, serves files
for getFile, queues updates for getUpdates, and can be told to fail the next calls.
"""

import asyncio
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT_ID = 7000000001
BOT_USERNAME = "xuanloc_pakn_bot"
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024  # what Telegram accepts


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    content_type: str = ""
    """How the body came: application/json, multipart/form-data or a form."""

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button for row in rows for button in row]

    def callback(self, prefix: str) -> str:
        for button in self.buttons():
            if str(button.get("callback_data", "")).startswith(prefix):
                return str(button["callback_data"])
        raise AssertionError(f"no button {prefix!r} in {self.buttons()}")


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None


class FakeBotApi:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: deque[dict[str, Any]] = deque()
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, deque[Failure]] = {}
        self.upload_seconds = 0.0
        self.holding: asyncio.Event | None = None
        """While an event not yet set, every call waits for it (Telegram slow to answer)."""
        self.held = 0
        """Calls waiting for `holding`."""
        """How long a call carrying a file takes to answer (the real API reads the upload
        over the network first)."""
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.webhook: dict[str, Any] = {"url": "", "has_custom_certificate": False,
                                        "pending_update_count": 0}
        """What getWebhookInfo answers: setWebhook sets its url; a test sets the rest."""

    # --- control ---------------------------------------------------------------------

    async def start(self) -> "FakeBotApi":
        app = web.Application(client_max_size=50 << 20)
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, method: str, failure: Failure, times: int = 1) -> None:
        self.failures.setdefault(method, deque()).extend([failure] * times)

    def sent_to(self, chat_id: int, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.chat_id == chat_id
                and (method is None or c.method == method)]

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> list[Call]:
        """Wait until `predicate(calls)` is truthy; returns the calls."""
        async def check() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: bool(predicate(self.calls)))
        try:
            await asyncio.wait_for(check(), timeout)
        except TimeoutError:
            summary = [(c.method, c.chat_id, c.text[:60]) for c in self.calls[-15:]]
            raise AssertionError(f"timed out; last calls: {summary}") from None
        return self.calls

    async def next_to(self, chat_id: int, after: int, method: str = "sendMessage",
                      timeout: float = 10.0) -> Call:
        """The first call of `method` to `chat_id` among calls after index `after`."""
        def found(calls: list[Call]) -> bool:
            return any(c.chat_id == chat_id and c.method == method for c in calls[after:])
        calls = await self.wait_for(found, timeout)
        return next(c for c in calls[after:] if c.chat_id == chat_id and c.method == method)

    # --- the API -----------------------------------------------------------------------

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        kind = request.content_type
        params, files = await _parse(request)
        if files and self.upload_seconds:
            await asyncio.sleep(self.upload_seconds)
        if self.holding is not None and not self.holding.is_set():
            self.held += 1
            try:
                await self.holding.wait()
            finally:
                self.held -= 1
        queued = self.failures.get(method)
        if queued:
            failure = queued.popleft()
            await self._record(Call(method, params | {"_failed": failure.status}, files,
                                    content_type=kind))
            extra = {"parameters": {"retry_after": failure.retry_after}} \
                if failure.retry_after is not None else {}
            return _error(failure.status, failure.description, **extra)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        if len(str(params.get("text", ""))) > TEXT_LIMIT or len(
                str(params.get("caption", ""))) > CAPTION_LIMIT:
            await self._record(Call(method, params | {"_failed": 400}, files, content_type=kind))
            return _error(400, "Bad Request: message is too long")
        if method == "getUpdates":
            return _ok(await handler(params))
        await self._record(Call(method, params, files, content_type=kind))
        return _ok(handler(params, files))

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _api_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "PAKN Xuân Lộc",
                "username": BOT_USERNAME, "can_join_groups": False,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _api_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.webhook["url"] = params.get("url", "")
        return True

    def _api_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.webhook["url"] = ""
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any],
                            files: dict[str, bytes]) -> dict[str, Any]:
        return dict(self.webhook)

    def _api_answerCallbackQuery(self, params: dict[str, Any],
                                 files: dict[str, bytes]) -> bool:
        return True

    def _api_sendMessage(self, params: dict[str, Any],
                         files: dict[str, bytes]) -> dict[str, Any]:
        return self._message(params) | {"text": params["text"]}

    def _api_editMessageText(self, params: dict[str, Any],
                             files: dict[str, bytes]) -> dict[str, Any]:
        return self._message(params, int(params["message_id"])) | {"text": params["text"]}

    def _api_sendPhoto(self, params: dict[str, Any],
                       files: dict[str, bytes]) -> dict[str, Any]:
        photo = params.get("photo")
        if "photo" in files or str(photo).startswith("attach://"):
            file_id = f"uploaded-{next(self._file_ids)}"
            self.files[file_id] = next(iter(files.values()))
        else:
            file_id = str(photo)
        size = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 800,
                "height": 600, "file_size": 1000}
        message = self._message(params) | {"photo": [size]}
        if params.get("caption"):
            message["caption"] = params["caption"]
        return message

    def _api_sendDocument(self, params: dict[str, Any],
                          files: dict[str, bytes]) -> dict[str, Any]:
        document = params.get("document")
        if files:
            file_id = f"document-{next(self._file_ids)}"
            self.files[file_id] = next(iter(files.values()))
        else:
            file_id = str(document)
        message = self._message(params) | {"document": {
            "file_id": file_id, "file_unique_id": f"u-{file_id}",
            "file_size": len(self.files.get(file_id, b""))}}
        if params.get("caption"):
            message["caption"] = params["caption"]
        return message

    def _api_getFile(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": f"photos/{file_id}.jpg"}

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()
        if not self.updates:
            await asyncio.sleep(min(float(params.get("timeout") or 0), 0.2))
        await self._record(Call("getUpdates", params))
        return [u for u in self.updates if u["update_id"] >= offset][:100]

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1].removesuffix(".jpg")
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="image/jpeg")

    def _message(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        return {"message_id": message_id or next(self._message_ids), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Person"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "PAKN Xuân Lộc",
                         "username": BOT_USERNAME}}


async def _parse(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Fields of a form-encoded, multipart or JSON body; JSON-looking values decoded."""
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    content_type = request.content_type
    if content_type == "application/json":
        params = await request.json()
        return params, files
    if content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if part.filename:
                files[part.name] = bytes(await part.read())
            else:
                params[part.name] = await part.text()
    else:
        params = dict(await request.post())
        params.update(request.query)
    return {k: _decode(v) for k, v in params.items()}, files


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


async def carry_out(http: aiohttp.ClientSession, answer: aiohttp.ClientResponse,
                    api_url: str, token: str) -> None:
    """What Telegram does with a webhook's answer: a JSON body naming a method is a call
    of that method (Bot API, "Making requests when getting updates"), whose result no
    one sees."""
    if answer.status != 200 or answer.content_type != "application/json":
        return
    params = await answer.json()
    method = params.pop("method", None)
    if method:
        async with http.post(f"{api_url}/bot{token}/{method}", json=params) as response:
            await response.read()


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error_code": status,
                              "description": description, **extra}, status=status)
