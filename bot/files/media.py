"""Files between channels, and the web chat's access to its history and uploads.

A photo is kept the way its channel gave it: the channel's own file id (Telegram's),
Zalo's link, or the bytes uploaded in the web chat. When another channel needs the bytes
they are fetched once and kept; a file uploaded to a channel that names files by its
own ids is then sent by the id it got. The attachments keep one channel's ids (the
column is named after Telegram, the channel that declares Capabilities.keeps_file_ids):
bot.spine.messages maps them to FileRef and back.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp

from bot.channels.base import StoredFile, UploadRefusal
from bot.channels.webchat import CHANNEL
from bot.core import uploads
from bot.core.ports import Attachment, FileKind
from bot.files.images import NotAnImage, clean_image
from bot.files.scans import PDF, check_pdf
from bot.present.i18n import resolve_language, use_locale
from bot.spine.messages import FileRef, kept_file, stored_file_id
from complaints.case import can_view
from storage.uow import Store

log = logging.getLogger(__name__)
MAX_FETCH = 10 << 20
Download = Callable[[str], Awaitable[bytes]]


class Media:
    def __init__(self, store: Store, clock: Callable[[], datetime],
                 limits: uploads.UploadLimits = uploads.DEFAULT_LIMITS,
                 default_language: str = "vi") -> None:
        self.store = store
        self.clock = clock
        self.limits = limits
        self.default_language = default_language
        self.download: Download | None = None
        """Set when the channel whose file ids are kept is connected: fetches a photo by
        its file id."""

    async def file(self, attachment_id: int) -> StoredFile | None:
        """The file with its bytes when they can be had (for channels that upload)."""
        async with self.store.unit_of_work() as uow:
            found = await uow.attachments.get(attachment_id)
        if found is None:
            return None
        if found.content is None and found.telegram_file_id is None:
            return await self._fetched(found)
        return _stored(found, found.content)

    async def with_content(self, attachment_id: int) -> StoredFile | None:
        """The file with its bytes, fetched if need be (to serve it by a link)."""
        async with self.store.unit_of_work() as uow:
            found = await uow.attachments.get(attachment_id)
        if found is None:
            return None
        if found.content is not None:
            return _stored(found, found.content)
        return await self._fetched(found)

    async def _fetched(self, found: Attachment) -> StoredFile | None:
        """Fetch (and keep) the bytes of a file known by its channel's id or its link: a
        photo decoded and encoded again like an upload, so what is kept and shown has no
        metadata; a scanned letter read whole as a PDF. What does not open is not kept."""
        try:
            if found.telegram_file_id is not None and self.download is not None:
                raw = await self.download(found.telegram_file_id)
            elif found.source_url is not None:
                raw = await fetch(found.source_url)
            else:
                return None
            if found.mime == PDF:
                await asyncio.to_thread(check_pdf, raw)
                content, mime = raw, PDF
            else:
                clean = await asyncio.to_thread(clean_image, raw)
                content, mime = clean.content, clean.mime
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:  # NotAnImage, NotAPdf
            log.warning("could not fetch attachment %s: %s", found.id, exc)
            return None
        async with self.store.unit_of_work() as uow:
            await uow.attachments.store_content(found.id, content, mime)
        return StoredFile(kept_file(found.telegram_file_id), content, mime, found.filename)

    async def linkable(self, attachment_id: int) -> Attachment | None:
        """The file a link may name (its key and kind), without its bytes' fetching."""
        async with self.store.unit_of_work() as uow:
            return await uow.attachments.get(attachment_id)

    async def remember_file(self, attachment_id: int, file: FileRef) -> None:
        file_id = stored_file_id(file)
        if file_id is None:
            return  # a channel whose ids are not kept: it uploads the file each time
        async with self.store.unit_of_work() as uow:
            await uow.attachments.remember_telegram_file(attachment_id, file_id)

    # --- for the web chat ------------------------------------------------------------------

    async def history(self, chat_id: str, limit: int) -> list[dict[str, Any]]:
        async with self.store.unit_of_work() as uow:
            return await uow.transcript(CHANNEL, chat_id, limit)

    async def store_upload(self, chat_id: str, language: str | None, content: bytes,
                           client: str | None) -> int | UploadRefusal:
        """Keep a photo uploaded in the web chat, decoded and encoded again, if it decodes
        and the person and their address are within the hour's quota; else why not, in
        the person's language."""
        try:
            clean = await asyncio.to_thread(clean_image, content)
        except NotAnImage as exc:
            log.info("upload refused: %s", exc)
            async with self.store.unit_of_work() as uow:
                known = await uow.accounts.find(CHANNEL, chat_id)
            return self._refusal(uploads.Refusal.NOT_AN_IMAGE,
                                 known.language if known else None, language)
        now = self.clock()
        chosen: str | None = None
        try:
            async with self.store.unit_of_work() as uow:
                account = await uow.accounts.identify(CHANNEL, chat_id, chat_id, "", language,
                                                      now)
                chosen = account.language
                await uploads.count_upload(uow, uploads.subjects(account.id, client),
                                           len(clean.content), now, self.limits)
                return await uow.attachments.add(account.id, CHANNEL, now,
                                                 content=clean.content, mime=clean.mime)
        except uploads.UploadRefused as refused:
            return self._refusal(refused.reason, chosen, language)

    def _refusal(self, reason: uploads.Refusal, chosen: str | None,
                 client_language: str | None) -> UploadRefusal:
        status = 415 if reason is uploads.Refusal.NOT_AN_IMAGE else 429
        with use_locale(resolve_language(chosen, client_language, self.default_language)):
            return UploadRefusal(status, reason.value,
                                 uploads.refusal_text(reason, self.limits))

    async def media(self, chat_id: str, attachment_id: int) -> StoredFile | None:
        """The file, if this chat's person sent it (or it was made for them) or may see
        the case it belongs to."""
        async with self.store.unit_of_work() as uow:
            account = await uow.accounts.find(CHANNEL, chat_id)
            found = await uow.attachments.get(attachment_id)
            # Exports are for administrators signed in on the dashboard, never by a chat.
            if account is None or found is None or found.kind is FileKind.EXPORT:
                return None
            allowed = found.owner_id == account.id
            if not allowed and found.case_id is not None:
                case = await uow.cases.get(found.case_id)
                allowed = case is not None and can_view(account.as_actor(), case)
            if not allowed and found.case_id is None:
                allowed = await uow.dossiers.follows_document(attachment_id, account.id)
        if not allowed:
            return None
        if found.content is not None:
            return StoredFile(None, found.content, found.mime, found.filename)
        return await self._fetched(found)


def _stored(found: Attachment, content: bytes | None) -> StoredFile:
    return StoredFile(kept_file(found.telegram_file_id), content, found.mime, found.filename)


async def fetch(url: str) -> bytes:
    """A file from a channel's storage (a Zalo photo): bounded in size and time."""
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
        response.raise_for_status()
        if not response.content_type.startswith("image/"):
            raise ValueError(f"not an image: {response.content_type}")
        content = await response.content.read(MAX_FETCH + 1)
    if len(content) > MAX_FETCH:
        raise ValueError("file too large")
    return content
