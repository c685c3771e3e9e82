"""An in-repo fake of eSMS.vn's brandname SMS API, on 127.0.0.1: the JSON request of
`SendMultipleMessage_V4_post_json` checked as the documentation describes it, answered
with its CodeResult and SMSID, every request recorded; an answer can be set to fail
(a CodeResult, or an HTTP status); delivery reports are sent as the gateway sends them,
an HTTP GET on the CallbackUrl with SMSID, SendStatus and the counts."""

import re
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
API_KEY, SECRET_KEY, BRAND = "TESTAPIKEY0123", "TESTSECRET0123", "UBND-XL"
_PHONE = re.compile(r"0[1-9][0-9]{8,9}")


@dataclass
class SmsRequest:
    body: dict[str, Any]
    sms_id: str | None
    code: str

    @property
    def phone(self) -> str:
        return str(self.body.get("Phone", ""))

    @property
    def text(self) -> str:
        return str(self.body.get("Content", ""))


class FakeEsms:
    def __init__(self) -> None:
        self.requests: list[SmsRequest] = []
        self.failures: deque[str | int] = deque()
        """What the next requests get instead: a CodeResult (str) or an HTTP status."""
        self._request_ids: set[str] = set()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> "FakeEsms":
        app = web.Application()
        app.router.add_post(PATH, self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}{PATH}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, *answers: str | int) -> None:
        self.failures.extend(answers)

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.failures:
            failure = self.failures.popleft()
            if isinstance(failure, int):
                return web.Response(status=failure, text="gateway error")
            return self._answer(body, failure, None)
        return self._answer(body, *self._check(body))

    def _check(self, body: dict[str, Any]) -> tuple[str, str | None]:
        if (body.get("ApiKey"), body.get("SecretKey")) != (API_KEY, SECRET_KEY):
            return "101", "Authorize Failed"
        if body.get("SmsType") != "2":
            return "118", "SmsType not supported"
        if body.get("Brandname") != BRAND:
            return "104", "Brandname not exist"
        if not _PHONE.fullmatch(str(body.get("Phone", ""))):
            return "108", "Phone invalid"
        request_id = str(body.get("RequestId", ""))
        if request_id and request_id in self._request_ids:
            return "124", "Duplicate RequestId"
        self._request_ids.add(request_id)
        if body.get("IsUnicode") == "0" and not str(body.get("Content", "")).isascii():
            return "146", "Content has characters a non-Unicode message cannot carry"
        return "100", None

    def _answer(self, body: dict[str, Any], code: str, error: str | None) -> web.Response:
        sms_id = uuid.uuid4().hex if code == "100" else None
        self.requests.append(SmsRequest(body, sms_id, code))
        answer: dict[str, Any] = {"CodeResult": code, "CountRegenerate": 0}
        if sms_id:
            answer["SMSID"] = sms_id
        else:
            answer["ErrorMessage"] = error or "Error"
        return web.json_response(answer)

    def accepted(self) -> list[SmsRequest]:
        return [r for r in self.requests if r.code == "100"]

    async def report(self, sent: SmsRequest, delivered: bool, status: str = "5",
                     url: str | None = None) -> int:
        """Send the delivery report of a message to its CallbackUrl (or `url`)."""
        query = {"SMSID": sent.sms_id or "", "SendFailed": "0" if delivered else "1",
                 "SendStatus": status, "SendSuccess": "1" if delivered else "0",
                 "TotalPrice": "0.0000", "TotalReceiver": "1", "TotalSent": "1",
                 "RequestId": str(sent.body.get("RequestId", "")), "TypeId": "2",
                 "telcoid": "1", "phonenumber": sent.phone, "switchsmsid": ""}
        async with aiohttp.ClientSession() as session, session.get(
                url or str(sent.body["CallbackUrl"]), params=query) as response:
            return response.status
