"""Telegram's updates as IncomingMessage: private chats' messages and button presses."""

from typing import Any

from telegram import Update

from bot.channels.telegram.capabilities import CHANNEL
from bot.files.scans import PDF
from bot.spine.messages import Document, FileRef, IncomingMessage, Kind, Photo, SharedContact


def to_incoming(update: Update) -> IncomingMessage | None:
    """Private-chat messages and button presses; anything else is acknowledged unread."""
    try:
        return _read(update)
    except (AttributeError, TypeError, ValueError):
        # PTB makes objects of any JSON without checking it: an update that lacks what
        # Telegram always sends is unreadable, not a server error (it would come again).
        return None


def _read(update: Update) -> IncomingMessage | None:
    key = str(update.update_id)
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message else None
        if chat is not None and chat.type != "private":
            return None
        user = query.from_user
        return IncomingMessage(
            channel=CHANNEL, update_key=key, chat_id=str(chat.id if chat else user.id),
            user_id=str(user.id), kind=Kind.BUTTON, payload=query.data or "",
            callback_id=query.id, profile_name=user.full_name,
            language_code=user.language_code)
    message = update.message
    if message is None or message.from_user is None or message.chat.type != "private":
        return None
    user = message.from_user

    replied = message.reply_to_message

    def incoming(kind: Kind, **fields: Any) -> IncomingMessage:
        return IncomingMessage(channel=CHANNEL, update_key=key, chat_id=str(message.chat.id),
                               user_id=str(user.id), kind=kind, profile_name=user.full_name,
                               language_code=user.language_code,
                               reply_to=str(replied.message_id) if replied else None, **fields)

    if message.text is not None:
        if message.text.startswith("/"):
            head, _, args = message.text.partition(" ")
            command = head[1:].split("@", 1)[0].lower()
            return incoming(Kind.COMMAND, text=message.text, command=command,
                            args=args.strip())
        return incoming(Kind.TEXT, text=message.text)
    if message.photo:
        largest = message.photo[-1]
        return incoming(Kind.PHOTO, text=message.caption, photo=Photo(
            file=FileRef(CHANNEL, largest.file_id), size=largest.file_size or 0))
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return incoming(Kind.PHOTO, text=message.caption, photo=Photo(
            file=FileRef(CHANNEL, document.file_id), size=document.file_size or 0))
    if document is not None and (document.mime_type == PDF
                                 or (document.file_name or "").lower().endswith(".pdf")):
        return incoming(Kind.DOCUMENT, text=message.caption, document=Document(
            file=FileRef(CHANNEL, document.file_id), name=document.file_name or "",
            size=document.file_size or 0))
    if message.location is not None:
        return incoming(Kind.LOCATION,
                        location=(message.location.latitude, message.location.longitude))
    if message.contact is not None:
        contact = message.contact
        return incoming(Kind.CONTACT, contact=SharedContact(
            phone=contact.phone_number, name=contact.first_name,
            is_own=contact.user_id == user.id))
    return incoming(Kind.UNSUPPORTED)
