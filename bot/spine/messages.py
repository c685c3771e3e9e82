"""Channel-neutral messages: what a person sent, and what the bot says back."""

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.spine.capabilities import Capabilities, file_ids_channel

_INVITE_TOKEN = re.compile(r"\b(inv|hs)_[A-Za-z0-9_-]+")
ROW_ID_MAX = 2**31 - 1
"""The largest row id: ids are `integer` (int4) columns on PostgreSQL."""
_ROW_ID = re.compile(r"[1-9][0-9]{0,9}")


def row_id(value: object) -> int:
    """A row id from outside (a path, a chat frame): a whole number from 1 to ROW_ID_MAX
    written in ASCII digits (or a JSON integer), else ValueError, before any database
    is asked."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _ROW_ID.fullmatch(value):
        number = int(value)
    else:
        raise ValueError("not a row id")
    if not 1 <= number <= ROW_ID_MAX:
        raise ValueError("not a row id")
    return number


class Kind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    PHOTO = "photo"
    DOCUMENT = "document"
    """A PDF sent as a file (a scanned letter): staff taking a PAKN attach it."""
    LOCATION = "location"
    CONTACT = "contact"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class FileRef:
    """A file as a channel names it: the channel, and its id there."""

    channel: str
    id: str


def stored_file_id(ref: FileRef | None) -> str | None:
    """What an attachment keeps of a channel's file reference: the id, when the channel
    is the one whose ids the attachments keep (Capabilities.keeps_file_ids)."""
    return ref.id if ref is not None and ref.channel == file_ids_channel() else None


def kept_file(file_id: str | None) -> FileRef | None:
    """The channel's reference to a file, from the id an attachment keeps."""
    channel = file_ids_channel()
    return FileRef(channel, file_id) if file_id is not None and channel is not None else None


@dataclass(frozen=True)
class Photo:
    """A photo as the channel knows it: the channel's own file, or an upload we stored."""

    file: FileRef | None = None
    attachment_id: int | None = None
    url: str | None = None
    """Where the channel keeps it, for channels that give photos by link (Zalo)."""
    size: int = 0


@dataclass(frozen=True)
class Document:
    """A PDF as the channel knows it, by its own file id: only channels whose ids the
    attachments keep (Capabilities.keeps_file_ids) read a file into one."""

    file: FileRef
    name: str = ""
    size: int = 0


@dataclass(frozen=True)
class SharedContact:
    phone: str
    name: str
    is_own: bool
    """True when the contact shared is the sender's own (Telegram's request_contact)."""


@dataclass(frozen=True)
class IncomingMessage:
    channel: str
    update_key: str
    """Dedupe key: the same update delivered twice has the same key."""
    chat_id: str
    user_id: str
    kind: Kind
    text: str | None = None
    command: str | None = None
    args: str = ""
    payload: str | None = None
    photo: Photo | None = None
    document: Document | None = None
    location: tuple[float, float] | None = None
    contact: SharedContact | None = None
    profile_name: str = ""
    language_code: str | None = None
    callback_id: str | None = None
    """Telegram's callback query id, to stop the button's spinner."""
    client_address: str | None = None
    """The network address of a web client (the web chat): only to hash, never kept."""
    reply_to: str | None = None
    """On channels with reply threads (Telegram's reply-to): the channel's id of the
    message this one answers, as the outbox recorded it when that message was sent."""

    def log_text(self) -> str | None:
        """The text as kept in the inbound record: invite tokens and dossier links are
        secrets (an invite is stored only as a hash), so they are blanked here too."""
        if self.text is None:
            return None
        return _INVITE_TOKEN.sub(r"\1_…", self.text)

    def log_data(self) -> dict[str, Any]:
        """What is kept of the message besides its text, for the inbound record."""
        data: dict[str, Any] = {}
        if self.command:
            data["command"] = self.command
            data["args"] = _INVITE_TOKEN.sub(r"\1_…", self.args)
        if self.payload:
            data["payload"] = self.payload
        if self.photo:
            file = self.photo.file
            data["photo"] = {"file": [file.channel, file.id] if file else None,
                             "attachment_id": self.photo.attachment_id, "url": self.photo.url}
        if self.location:
            data["location"] = list(self.location)
        if self.reply_to:
            data["reply_to"] = self.reply_to
        if self.contact:
            data["contact"] = {"phone": self.contact.phone, "name": self.contact.name,
                               "is_own": self.contact.is_own}
        return data


class ButtonKind(StrEnum):
    CALLBACK = "callback"
    SHARE_CONTACT = "contact"
    SHARE_LOCATION = "location"


@dataclass(frozen=True)
class Button:
    label: str
    payload: str | None = None
    kind: ButtonKind = ButtonKind.CALLBACK


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo_attachment: int | None = None
    document: int | None = None
    """An attachment sent as a file the person keeps (an apology's PDF)."""
    remove_keyboard: bool = False
    sensitive: bool = False
    """A secret or personal details: once delivered, the outbox keeps only a mark that a
    message went (storage.outbox), and a document it carried is emptied."""

    @property
    def options(self) -> list[tuple[str, str]]:
        """(label, payload) of every callback button, in reading order."""
        return [(b.label, b.payload) for row in self.buttons for b in row
                if b.kind is ButtonKind.CALLBACK and b.payload]

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"text": self.text}
        if self.buttons:
            body["buttons"] = [[{"label": b.label, "payload": b.payload, "kind": b.kind.value}
                                for b in row] for row in self.buttons]
        if self.photo_attachment is not None:
            body["photo_attachment"] = self.photo_attachment
        if self.document is not None:
            body["document"] = self.document
        if self.remove_keyboard:
            body["remove_keyboard"] = True
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "Reply":
        return cls(
            text=body["text"],
            buttons=tuple(tuple(Button(label=b["label"], payload=b.get("payload"),
                                       kind=ButtonKind(b.get("kind", "callback")))
                                for b in row) for row in body.get("buttons", [])),
            photo_attachment=body.get("photo_attachment"),
            document=body.get("document"),
            remove_keyboard=body.get("remove_keyboard", False),
        )


def rows(buttons: list[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out in rows of `per_row`."""
    return tuple(tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row))


OPEN311 = "open311"
"""PAKN filed by an app through the Open311 API: the sender follows them in that app (the
status and the answer), not in a chat."""


def fit(reply: Reply, channel: Capabilities) -> list[Reply]:
    """The reply as messages the channel accepts: a long text in parts cut at line
    breaks, the buttons on the last part; a photo or document whose caption is too long
    goes first, without it, and the text follows. Replies are cut when they are put in
    the outbox, so that every outbox row is one message: it is paced, ordered and
    retried on its own, and a failure never sends a part twice."""
    caption_limit = channel.caption_limit
    has_file = reply.photo_attachment is not None or reply.document is not None
    if has_file and caption_limit and len(reply.text) > caption_limit:
        file = Reply("", photo_attachment=reply.photo_attachment, document=reply.document)
        return [file, *fit(replace(reply, photo_attachment=None, document=None), channel)]
    limit = channel.text_limit
    if limit is None:
        return [reply]
    # Where options become a numbered list, the list takes room in the last part.
    listing = len(numbered(reply)) - len(reply.text) if channel.numbered_options else 0
    if len(reply.text) + listing <= limit:
        return [reply]
    parts = split_text(reply.text, limit)
    if len(parts[-1]) + listing > limit:
        parts += [""]
    return [Reply(part) for part in parts[:-1]] + [replace(reply, text=parts[-1])]


def split_text(text: str, limit: int) -> list[str]:
    """Cut a text into pieces of at most `limit` characters, at line breaks if possible."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut])
        text = text[cut:].removeprefix("\n")
    pieces.append(text)
    return pieces


def numbered(reply: Reply) -> str:
    """The reply for a channel without buttons: its options as a numbered list, to be
    answered by number or by label."""
    options = reply.options
    if not options:
        return reply.text
    listing = "\n".join(f"{n}. {label}" for n, (label, _payload) in enumerate(options, 1))
    return f"{reply.text}\n\n{listing}"
