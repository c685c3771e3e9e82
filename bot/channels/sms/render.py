"""A neutral reply as one SMS: its text, and a link in place of a file (an apology's
PDF, a photo) or of a rating request's buttons (the case's signed rating page). Other
buttons are left out: nobody answers an SMS from a brandname."""

from collections.abc import Awaitable, Callable

from bot.channels.base import RatingLink, rated_case
from bot.channels.sms.text import shorten, without_diacritics
from bot.spine.messages import Reply

Link = Callable[[int], Awaitable[str | None]]


async def sms_text(reply: Reply, link: Link, rating_link: RatingLink, ascii_only: bool,
                   max_segments: int) -> str:
    case_id = rated_case(reply)
    tail = await rating_link(case_id) if case_id is not None else ""
    for attachment in (reply.document, reply.photo_attachment):
        if attachment is not None and not tail:
            tail = await link(attachment) or ""
    text = reply.text.strip()
    if ascii_only:
        text = without_diacritics(text)
    return shorten(text, tail, max_segments)
