"""A neutral reply as one SMS: its text, and a link in place of a file (an apology's
PDF, a photo). Buttons are left out: nobody answers an SMS from a brandname."""

from collections.abc import Awaitable, Callable

from bot.channels.sms.text import shorten, without_diacritics
from bot.messages import Reply

Link = Callable[[int], Awaitable[str | None]]


async def sms_text(reply: Reply, link: Link, ascii_only: bool, max_segments: int) -> str:
    tail = ""
    for attachment in (reply.document, reply.photo_attachment):
        if attachment is not None and not tail:
            tail = await link(attachment) or ""
    text = reply.text.strip()
    if ascii_only:
        text = without_diacritics(text)
    return shorten(text, tail, max_segments)
