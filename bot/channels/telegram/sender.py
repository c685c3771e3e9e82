"""Replies to Telegram: texts with inline or reply keyboards, photos and documents
(uploaded once, then sent by the file id Telegram gave them), and edits of cards."""

import asyncio
import logging
import warnings
import weakref
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBUserWarning

from bot.channels.base import MediaStore, Outcome, RetryLater, Sent, StoredFile, Undeliverable
from bot.channels.telegram.capabilities import CHANNEL
from bot.spine.channel_ports import Queued, StorageError
from bot.spine.messages import ButtonKind, FileRef, Reply

log = logging.getLogger(__name__)

_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
Markup = dict[str, Any]
"""A keyboard as the Bot API's JSON."""

# A text is sent by Bot.do_api_request, which returns the Bot API's JSON: Bot.send_message
# would parse each sent message back into PTB's objects (about 130 µs with a keyboard,
# benchmarks/RESULTS.md) for the one id kept. PTB warns that its method exists.
warnings.filterwarnings("ignore", r"Please use 'Bot\.send_message'", PTBUserWarning)


class TelegramSender:
    channel = CHANNEL

    def __init__(self, bot: Bot, media: MediaStore) -> None:
        self.bot = bot
        self.media = media
        self._uploading: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary())
        """Per file not yet uploaded, held by the one send uploading it: the other chats'
        lines, delivered concurrently, wait and send Telegram's id instead."""

    async def deliver(self, item: Queued) -> Outcome:
        reply = Reply.from_json(item.body)
        chat_id = int(item.chat.chat_id)
        try:
            if item.kind == "edit":
                return await self._edit(chat_id, item.edit_target, reply)
            if reply.photo_attachment is not None or reply.document is not None:
                return await self._send_file(chat_id, reply)
            sent = await self.bot.do_api_request("send_message", api_kwargs={
                "chat_id": chat_id, "text": reply.text, "reply_markup": _markup(reply)})
            return Sent(str(sent["message_id"]))
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return RetryLater(seconds, f"flood control: retry after {seconds:.0f} s", flood=True)
        except Forbidden as exc:
            return Undeliverable(f"Telegram refused: {exc.message}")
        except BadRequest as exc:
            if "not modified" in exc.message:
                return Sent(item.edit_target)
            return Undeliverable(f"Telegram rejected the message: {exc.message}")
        except (TimedOut, NetworkError) as exc:
            return RetryLater(0, f"network: {exc}")

    async def _edit(self, chat_id: int, target: str | None, reply: Reply) -> Outcome:
        if target is None:
            return Undeliverable("the message to update was never delivered")
        markup = _markup(reply)
        inline = markup is not None and "inline_keyboard" in markup
        await self.bot.edit_message_text(reply.text, chat_id=chat_id, message_id=int(target),
                                         api_kwargs={"reply_markup": markup} if inline else None)
        return Sent(target)

    async def _send_file(self, chat_id: int, reply: Reply) -> Outcome:
        """A photo, or a document the person keeps; uploaded once, then sent by the file
        id Telegram gave it."""
        attachment_id = reply.document if reply.document is not None else reply.photo_attachment
        assert attachment_id is not None
        stored, file_id = await self._stored(attachment_id)
        if stored is not None and file_id is None:
            lock = self._uploading.setdefault(attachment_id, asyncio.Lock())
            async with lock:
                stored, file_id = await self._stored(attachment_id)
                return await self._send_stored(chat_id, reply, attachment_id, stored, file_id)
        return await self._send_stored(chat_id, reply, attachment_id, stored, file_id)

    async def _stored(self, attachment_id: int) -> tuple[StoredFile | None, str | None]:
        """The file, and Telegram's id for it once uploaded."""
        stored = await self.media.file(attachment_id)
        known = stored.file if stored is not None and stored.file is not None else None
        return stored, known.id if known is not None and known.channel == CHANNEL else None

    async def _send_stored(self, chat_id: int, reply: Reply, attachment_id: int,
                           stored: StoredFile | None, file_id: str | None) -> Outcome:
        if stored is None or (file_id is None and stored.content is None):
            return Undeliverable("the file is no longer stored")
        upload: str | InputFile
        if file_id is not None:
            upload = file_id
        else:
            assert stored.content is not None
            name = stored.filename or "photo" + _EXTENSIONS.get(stored.mime, ".jpg")
            upload = InputFile(stored.content, filename=name)
        caption, markup = reply.text or None, {"reply_markup": _markup(reply)}
        if reply.document is not None:
            sent = await self.bot.send_document(chat_id, upload, caption=caption,
                                                api_kwargs=markup)
            given = sent.document.file_id if sent.document else None
        else:
            sent = await self.bot.send_photo(chat_id, upload, caption=caption,
                                             api_kwargs=markup)
            given = sent.photo[-1].file_id if sent.photo else None
        if file_id is None and given:
            try:
                await self.media.remember_file(attachment_id, FileRef(CHANNEL, given))
            except StorageError as exc:
                # Sent all the same (it must not be sent again); uploaded again next time.
                log.warning("could not keep Telegram's id of file %s (%s)", attachment_id, exc)
        return Sent(str(sent.message_id))

    async def download(self, file_id: str) -> bytes:
        """A photo's bytes, for showing it outside Telegram (the web chat)."""
        file = await self.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())


def _markup(reply: Reply) -> Markup | None:
    if not reply.buttons:
        return {"remove_keyboard": True} if reply.remove_keyboard else None
    kinds = {button.kind for row in reply.buttons for button in row}
    if kinds == {ButtonKind.CALLBACK}:
        return {"inline_keyboard": [[{"text": b.label, "callback_data": b.payload}
                                     for b in row] for row in reply.buttons]}
    # Telegram asks for a contact or location only through a reply keyboard; the other
    # buttons then send their label, which the dispatcher maps back to the option.
    return {"keyboard": [[_key(b.label, b.kind) for b in row] for row in reply.buttons],
            "resize_keyboard": True, "one_time_keyboard": True}


def _key(label: str, kind: ButtonKind) -> dict[str, Any]:
    if kind is ButtonKind.SHARE_CONTACT:
        return {"text": label, "request_contact": True}
    if kind is ButtonKind.SHARE_LOCATION:
        return {"text": label, "request_location": True}
    return {"text": label}
