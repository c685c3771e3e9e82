"""The email sender: SMTP with aiosmtplib. A refusal of the recipient (5xx) is
undeliverable with the server's words; a temporary one (4xx), a server out of reach or a
dropped connection is tried again later."""

import re
from dataclasses import dataclass

import aiosmtplib

from bot.channels.base import (
    MediaStore,
    Outcome,
    RatingLink,
    RetryLater,
    Sent,
    Undeliverable,
    rated_case,
)
from bot.channels.email.capabilities import CHANNEL
from bot.channels.email.compose import compose
from bot.spine.channel_ports import Queued
from bot.spine.messages import Reply

_ADDRESS = re.compile(r"[^\s<>@]+@[^\s<>@]+")
TIMEOUT = 30
IMPLICIT_TLS_PORT = 465


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool


class EmailChannel:
    channel = CHANNEL

    def __init__(self, server: SmtpServer, sender: str, media: MediaStore,
                 rating_link: RatingLink) -> None:
        self.server = server
        self.rating_link = rating_link
        self.sender = sender
        self.media = media

    async def deliver(self, item: Queued) -> Outcome:
        reply = Reply.from_json(item.body)
        case_id = rated_case(reply)
        if case_id is not None:  # a rating request: its buttons become the rating page
            reply = Reply(f"{reply.text}\n\n{await self.rating_link(case_id)}")
        attachment = reply.document if reply.document is not None else reply.photo_attachment
        file = await self.media.file(attachment) if attachment is not None else None
        if attachment is not None and (file is None or file.content is None) \
                and not reply.text.strip():
            return Undeliverable("nothing to send by email: the file is no longer kept")
        message = compose(reply, self.sender, item.chat.chat_id, file, f"pakn-{item.id}")
        try:
            errors, _answer = await aiosmtplib.send(
                message, hostname=self.server.host, port=self.server.port,
                username=self.server.user, password=self.server.password,
                use_tls=self.server.port == IMPLICIT_TLS_PORT,
                start_tls=self.server.starttls and self.server.port != IMPLICIT_TLS_PORT,
                timeout=TIMEOUT)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return _refused(exc.recipients[0] if exc.recipients else None)
        except aiosmtplib.SMTPAuthenticationError as exc:
            return RetryLater(0, f"the mail server refused the service's login ({exc.code})")
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                return Undeliverable("the mail server refused the message: "
                                     + _words(exc.code, exc.message))
            return RetryLater(0, "the mail server asked to try later: "
                                 + _words(exc.code, exc.message))
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return RetryLater(0, f"mail server unreachable: {exc.__class__.__name__}")
        for refusal in errors.values():  # one recipient: refused while others were not
            detail = _words(refusal.code, refusal.message)
            return (Undeliverable(f"the mail server refused the address: {detail}")
                    if refusal.code >= 500 else RetryLater(0, f"mail server: {detail}"))
        return Sent(str(message["Message-ID"])[:64])


def _words(code: int, text: str) -> str:
    """What the server said, without the addresses it may repeat (reasons are logged)."""
    return f"{code} {_ADDRESS.sub('<address>', text)[:300]}"


def _refused(error: aiosmtplib.SMTPRecipientRefused | None) -> Outcome:
    if error is None:
        return Undeliverable("the mail server refused the address")
    detail = _words(error.code, error.message)
    if 500 <= error.code < 600:
        return Undeliverable(f"the mail server refused the address: {detail}")
    return RetryLater(0, f"the mail server asked to try the address later: {detail}")
