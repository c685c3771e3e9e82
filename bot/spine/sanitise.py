"""Incoming messages made fit to store, whatever a channel (or someone posing as one)
sent: every field a string of the type and size its column takes.

Without this, one update with a NUL character, a lone surrogate, an empty name where
PTB gives None, a NaN location or a 200-digit id fails its transaction on PostgreSQL;
the webhook then answers 5xx and the channel delivers the same poisoned update again,
forever.
"""

import math
from dataclasses import replace

from bot.spine.messages import Document, IncomingMessage, Kind, Photo, SharedContact

MAX_TEXT = 4096
"""Telegram's limit, the largest of any channel: no real message is longer."""
MAX_ID = 128
"""The size of the id columns (chat, user, update key): real ids are far shorter."""
MAX_NAME = 200
MAX_LANGUAGE = 16
MAX_FILE_ID = 256
MAX_PAYLOAD = 64
"""Telegram's limit on button data: a longer payload was not made by us."""
MAX_ATTACHMENT = 2**63 - 1


def text(value: object, limit: int | None = None) -> str:
    """A string any database stores: NUL removed, lone surrogates replaced."""
    if value is None:
        return ""
    cleaned = str(value).replace("\x00", "")
    cleaned = cleaned.encode("utf-8", "replace").decode("utf-8")
    return cleaned[:limit] if limit is not None else cleaned


def clean(message: IncomingMessage) -> IncomingMessage | None:
    """The message as it can be stored; None when its ids fit no chat of ours."""
    ids = (message.channel, message.chat_id, message.user_id, message.update_key)
    if any(not isinstance(value, str) or not value or len(value) > MAX_ID
           or text(value) != value for value in ids):
        return None
    kind = message.kind
    location = message.location
    if location is not None and not _on_earth(location):
        location, kind = None, Kind.UNSUPPORTED
    payload = message.payload
    if payload is not None and (text(payload) != payload or
                                len(payload.encode("utf-8")) > MAX_PAYLOAD):
        payload = ""
    return replace(
        message, kind=kind, location=location, payload=payload,
        text=None if message.text is None else text(message.text, MAX_TEXT),
        command=None if message.command is None else text(message.command, MAX_NAME),
        args=text(message.args, MAX_TEXT),
        profile_name=text(message.profile_name, MAX_NAME),
        language_code=text(message.language_code, MAX_LANGUAGE) or None,
        callback_id=None if message.callback_id is None else text(message.callback_id, MAX_ID),
        reply_to=_reply_to(message.reply_to),
        photo=_photo(message.photo), document=_document(message.document),
        contact=_contact(message.contact))


def _on_earth(location: tuple[float, float]) -> bool:
    latitude, longitude = location
    return (all(isinstance(v, int | float) and math.isfinite(v) for v in location)
            and -90 <= latitude <= 90 and -180 <= longitude <= 180)


def _photo(photo: Photo | None) -> Photo | None:
    if photo is None:
        return None
    attachment = photo.attachment_id
    if attachment is not None and not 0 < attachment <= MAX_ATTACHMENT:
        attachment = 0  # no such attachment: refused as not the sender's
    return replace(photo, attachment_id=attachment,
                   file=None if photo.file is None
                   else replace(photo.file, id=text(photo.file.id, MAX_FILE_ID)),
                   url=None if photo.url is None else text(photo.url, MAX_TEXT))


def _document(document: Document | None) -> Document | None:
    if document is None:
        return None
    return replace(document, file=replace(document.file, id=text(document.file.id, MAX_FILE_ID)),
                   name=text(document.name, MAX_NAME))


def _contact(contact: SharedContact | None) -> SharedContact | None:
    if contact is None:
        return None
    return replace(contact, phone=text(contact.phone, MAX_NAME),
                   name=text(contact.name, MAX_NAME))


def _reply_to(value: object) -> str | None:
    """A message id as the outbox keeps them (at most 64 characters), else nothing."""
    if value is None:
        return None
    cleaned = text(value)
    return cleaned if cleaned and len(cleaned) <= 64 else None
