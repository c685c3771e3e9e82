"""eSMS.vn (VIHAT), a Vietnamese brandname SMS gateway, as documented at
developers.esms.vn: one customer-care message (SmsType 2) per request to
`SendMultipleMessage_V4_post_json`, a JSON body with the account's ApiKey and SecretKey,
the phone, the text, the registered brandname, IsUnicode, our RequestId (the outbox row:
the gateway refuses a RequestId it has seen, code 124, so a retry after a lost answer is
never sent twice) and the CallbackUrl it reports delivery to.

The answer is `{"CodeResult": "100", "SMSID": "..."}` when the gateway took the message
(not yet delivered), or another CodeResult with an ErrorMessage. The delivery report is
an HTTP GET on the CallbackUrl with SMSID, SendStatus (5: sent, 4: refused; 1, 2 and 7
are on the way), SendSuccess and SendFailed counts, RequestId and the phone number.
"""

import re
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.channels.base import Outcome, RetryLater, Sent, Undeliverable

DEFAULT_URL = "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/"
CUSTOMER_CARE = "2"
ACCEPTED = "100"
DUPLICATE_REQUEST = "124"
"""The gateway already took a message with this RequestId: ours, sent before an answer
was lost."""
# What each documented code means for one message. A code that names a setting to fix
# (keys, balance, brandname, address allowed) is retried: the message goes once an
# administrator fixes it, or is given up after the dispatcher's attempts, with the reason.
SETTING = {
    "101": "the gateway refused the ApiKey or SecretKey",
    "102": "the gateway account has no price list",
    "103": "the gateway account's balance is too low",
    "104": "the brandname is not registered with the gateway",
    "118": "the gateway does not offer this message type to the account",
    "140": "this server's address is not allowed by the gateway",
}
REFUSED = {
    "99": "the phone number is blocked at the gateway",
    "108": "the phone number is not in a form the gateway takes",
    "146": "the text does not match a customer-care template registered for the brandname",
    "177": "the brandname is not registered with this phone's network",
}
SENT_STATUS, REFUSED_STATUS = "5", "4"
_PHONE_LIKE = re.compile(r"\+?[0-9][0-9 .-]{7,}[0-9]")


@dataclass(frozen=True)
class Report:
    """A delivery report: which message, and whether it reached the phone."""

    sms_id: str
    delivered: bool
    detail: str


class EsmsClient:
    def __init__(self, url: str, api_key: str, secret_key: str, brand: str,
                 sandbox: bool = False) -> None:
        self.url = url
        self.api_key, self.secret_key, self.brand = api_key, secret_key, brand
        self.sandbox = sandbox
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, phone: str, text: str, request_id: str,
                   callback_url: str | None) -> Outcome:
        await self.open()
        assert self._session is not None
        body = {"ApiKey": self.api_key, "SecretKey": self.secret_key, "Phone": phone,
                "Content": text, "Brandname": self.brand, "SmsType": CUSTOMER_CARE,
                "IsUnicode": "0" if text.isascii() else "1",
                "Sandbox": "1" if self.sandbox else "0", "RequestId": request_id}
        if callback_url:
            body["CallbackUrl"] = callback_url
        try:
            async with self._session.post(self.url, json=body) as response:
                if response.status >= 500 or response.status == 429:
                    return RetryLater(0, f"SMS gateway answered HTTP {response.status}")
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    return RetryLater(0, f"SMS gateway answered HTTP {response.status}, "
                                         "not JSON")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return RetryLater(0, f"SMS gateway unreachable: {exc.__class__.__name__}")
        return outcome(answer if isinstance(answer, dict) else {})


def outcome(answer: dict[str, Any]) -> Outcome:
    code = str(answer.get("CodeResult", ""))
    words = _PHONE_LIKE.sub("…", str(answer.get("ErrorMessage") or ""))[:200]
    detail = f"eSMS {code or '?'}: {words}".rstrip(": ")  # reasons are logged: no phones
    if code == ACCEPTED:
        sms_id = answer.get("SMSID")
        return Sent(str(sms_id)[:64] if sms_id else None)
    if code == DUPLICATE_REQUEST:
        return Sent(None)
    if code in SETTING:
        return RetryLater(0, f"{SETTING[code]} ({detail})")
    if code in REFUSED:
        return Undeliverable(f"{REFUSED[code]} ({detail})")
    return Undeliverable(f"the SMS gateway refused the message ({detail})")


def report(query: dict[str, str]) -> Report | None:
    """The final state a callback reports, or None for one still on the way (or not a
    report at all)."""
    sms_id = query.get("SMSID", "").strip()
    status = query.get("SendStatus", "").strip()
    if not sms_id or len(sms_id) > 64 or status not in (SENT_STATUS, REFUSED_STATUS):
        return None
    failed = _count(query.get("SendFailed"))
    succeeded = _count(query.get("SendSuccess"))
    delivered = status == SENT_STATUS and succeeded > 0 and failed == 0
    detail = (f"SendStatus {status}, SendSuccess {succeeded}, SendFailed {failed}, "
              f"network {query.get('telcoid', '?')[:4]}")
    return Report(sms_id, delivered, detail)


def _count(raw: str | None) -> int:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 9 else 0
