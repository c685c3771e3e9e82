"""The SMS sender and the delivery-report door."""

import hmac
import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.channels.base import Outcome, RatingLink, Undeliverable
from bot.channels.sms.capabilities import CHANNEL
from bot.channels.sms.esms import EsmsClient, Report, report
from bot.channels.sms.render import Link, sms_text
from bot.spine.channel_ports import Queued, StorageError
from bot.spine.messages import Reply

REPORT_PATH = "/webhook/sms/{secret}"
_NATIONAL = re.compile(r"0[1-9][0-9]{8,9}")
OnReport = Callable[[Report], Awaitable[bool]]


class SmsChannel:
    channel = CHANNEL

    def __init__(self, client: EsmsClient, link: Link, rating_link: RatingLink, *,
                 ascii_only: bool,
                 max_segments: int, callback_url: str | None,
                 callback_secret: str | None, on_report: OnReport) -> None:
        self.client = client
        self.link = link
        self.rating_link = rating_link
        self.ascii_only = ascii_only
        self.max_segments = max_segments
        self.callback_url = callback_url
        self.callback_secret = callback_secret
        self.on_report = on_report

    async def stop(self) -> None:
        await self.client.close()

    async def deliver(self, item: Queued) -> Outcome:
        phone = item.chat.chat_id
        if not _NATIONAL.fullmatch(phone):
            return Undeliverable("not a phone number in national form (0 and 9-10 digits)")
        text = await sms_text(Reply.from_json(item.body), self.link, self.rating_link,
                              self.ascii_only, self.max_segments)
        if not text:
            # A file alone whose link cannot be made any more: nothing left to text.
            return Undeliverable("nothing to send by SMS: the file is no longer kept")
        return await self.client.send(phone, text, f"pakn-{item.id}", self.callback_url)

    async def report(self, request: web.Request) -> web.Response:
        """The gateway's delivery report (an HTTP GET with the message's id and state),
        to the address with the secret in it."""
        given = request.match_info.get("secret", "")
        if not self.callback_secret or not hmac.compare_digest(
                given.encode("utf-8", "replace"), self.callback_secret.encode()):
            return web.Response(status=401, text="unauthorized")
        found = report(dict(request.query))
        if found is None:
            return web.json_response({"ok": True, "recorded": False})
        try:
            recorded = await self.on_report(found)
        except StorageError:
            return web.Response(status=503, text="try again")
        return web.json_response({"ok": True, "recorded": recorded})
