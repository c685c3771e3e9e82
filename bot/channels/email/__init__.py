"""Email to citizens who gave an address: the outbox's rows for Chat("email", the
lower-cased address) go by SMTP (aiosmtplib), as plain text with a simple HTML
alternative, a document (an apology's PDF) attached."""

from bot.channels.email.capabilities import CAPABILITIES, CHANNEL
from bot.channels.email.channel import EmailChannel, SmtpServer

__all__ = ["CAPABILITIES", "CHANNEL", "EmailChannel", "SmtpServer"]
