"""A neutral reply as an email: the subject is its first line (so it is in the reader's
language, as the reply was built), the text as it is, and an HTML alternative with its
links made clickable. Buttons are left out: an email is answered in the chat, if any."""

import html
import re
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bot.channels.base import StoredFile
from bot.spine.messages import Reply

SUBJECT_MAX = 120
_URL = re.compile(r"https?://[^\s<>\"]+")


def compose(reply: Reply, sender: str, to: str, file: StoredFile | None,
            message_key: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject(reply.text)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=message_key)
    message.set_content(reply.text or subject(reply.text))
    message.add_alternative(as_html(reply.text), subtype="html")
    if file is not None and file.content is not None:
        maintype, _slash, subtype = file.mime.partition("/")
        message.add_attachment(file.content, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=file.filename or "document")
    return message


def subject(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "PAKN")
    return first if len(first) <= SUBJECT_MAX else first[:SUBJECT_MAX - 1].rstrip() + "…"


def as_html(text: str) -> str:
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return ("<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif; line-height: 1.5\">\n"
            + "\n".join(paragraphs) + "\n</body></html>\n")
