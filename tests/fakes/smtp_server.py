"""A local SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, refuses
some addresses for good (550) and others for now (451)."""

from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.ports import free_port

REFUSED = "khongton@tai.example.vn"
BUSY = "dangban@tai.example.vn"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address == REFUSED:
            return f"550 5.1.1 <{address}>: No such user here"
        if address == BUSY:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session,
                          envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos),
                                      message))
        return "250 Message accepted for delivery"


def start_server() -> tuple[Controller, Mailbox]:
    """The server runs in its own thread, as aiosmtpd's Controller does."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, mailbox
