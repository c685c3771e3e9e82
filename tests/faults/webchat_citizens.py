"""Citizens filing whole PAKN in the web chat, as a browser does: the page for a cookie,
the websocket for the conversation, a photo uploaded to /chat/upload."""

import io
import itertools
from typing import Any

import aiohttp
from PIL import Image

from bot.present.i18n import _, use_locale
from bot.runtime.settings import Settings
from bot.spine.callbacks import Choose, Consent
from tests.browsing import loopback_jar
from tests.e2e.flows import CODE

TIMEOUT = 120.0
_client_ids = itertools.count(1)


def picture(n: int) -> bytes:
    """A photo of its own for each citizen (a colour from their number)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (n % 256, (n * 7) % 256, (n * 13) % 256)).save(out, "JPEG")
    return out.getvalue()


class WebCitizen:
    def __init__(self, url: str, number: int) -> None:
        self.url = url
        self.number = number
        self.marker = f"(người gửi web {number})"
        """In what they write, to find their PAKN."""
        self.acknowledged = 0
        """How many of their messages the service has acknowledged so far."""

    async def file(self) -> str:
        """File a PAKN with a photo; the tracking code the chat answered with."""
        with use_locale("vi"):
            go_on = _("Continue")
        async with aiohttp.ClientSession(self.url, headers={"Accept-Language": "vi"},
                                         cookie_jar=loopback_jar(self.url)) as http:
            async with http.get("/") as page:
                assert page.status == 200, await page.text()
            async with http.ws_connect("/chat/ws") as socket:
                self.socket = socket
                while (await socket.receive_json(timeout=TIMEOUT))["type"] != "history":
                    pass
                await self.send({"type": "text", "text": "/phananh"})
                await self.send({"type": "button",
                                 "payload": Consent(Settings().notice_version).pack()})
                await self.send({"type": "button", "payload": Choose("field", "dat_dai").pack()})
                await self.send({"type": "button", "payload": Choose("area", "26428").pack()})
                await self.send({"type": "text", "text": "Đường ấp 3 bị ngập nước hai tuần "
                                                         f"nay {self.marker}."})
                form = aiohttp.FormData()
                form.add_field("photo", io.BytesIO(picture(self.number)), filename="p.jpg",
                               content_type="image/jpeg")
                async with http.post("/chat/upload", data=form) as uploaded:
                    assert uploaded.status == 200, await uploaded.text()
                    attachment = (await uploaded.json())["attachment_id"]
                await self.send({"type": "photo", "attachment_id": attachment})
                await self.send({"type": "location", "latitude": 10.93, "longitude": 107.41})
                await self.send({"type": "text", "text": go_on})
                await self.send({"type": "text", "text": f"Nguyễn Văn {self.number}"})
                await self.send({"type": "text", "text": f"09{self.number:08d}"})
                await self.send({"type": "text", "text": "Số 12, ấp 3, xã Xuân Bắc"})
                return await self.send({"type": "button",
                                        "payload": Choose("confirm", "send").pack()},
                                       until_code=True)

    async def send(self, frame: dict[str, Any], until_code: bool = False) -> str:
        """Send a frame and wait for its acknowledgement (the message is committed); with
        `until_code`, then for the message carrying a tracking code."""
        client_id = f"citizen-{self.number}-{next(_client_ids)}"
        await self.socket.send_json({**frame, "client_id": client_id})
        acknowledged = False
        while True:
            event = await self.socket.receive_json(timeout=TIMEOUT)
            if event["type"] in ("retry", "refused", "invalid", "unavailable"):
                raise AssertionError(f"citizen {self.number}: {event} for {frame}")
            if event["type"] == "ack" and event["client_id"] == client_id:
                acknowledged = True
                self.acknowledged += 1
            found = CODE.search(str(event.get("text", ""))) if until_code else None
            if found:
                return found.group(0)
            if acknowledged and not until_code:
                return ""
