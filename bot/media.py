"""Photos between channels, and the web chat's access to its history and uploads.

A photo sent on Telegram is kept as its file id and fetched (then cached) when someone
reads the case in the web chat; a photo uploaded in the web chat is kept as bytes and
uploaded to Telegram once, after which Telegram's file id is reused.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.channels.base import StoredFile
from complaints.case import can_view
from storage.uow import Store

CHANNEL = "webchat"
Download = Callable[[str], Awaitable[bytes]]


class Media:
    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self.download: Download | None = None
        """Set when Telegram is connected: fetches a photo by its file id."""

    # --- for the Telegram sender ---------------------------------------------------------

    async def file(self, attachment_id: int) -> StoredFile | None:
        async with self.store.unit_of_work() as uow:
            found = await uow.attachments.get(attachment_id)
        if found is None:
            return None
        return StoredFile(found.telegram_file_id, found.content, found.mime, found.filename)

    async def remember_telegram_file(self, attachment_id: int, file_id: str) -> None:
        async with self.store.unit_of_work() as uow:
            await uow.attachments.remember_telegram_file(attachment_id, file_id)

    # --- for the web chat ------------------------------------------------------------------

    async def history(self, chat_id: str, limit: int) -> list[dict[str, Any]]:
        async with self.store.unit_of_work() as uow:
            return await uow.transcript(CHANNEL, chat_id, limit)

    async def store_upload(self, chat_id: str, language: str | None, content: bytes,
                           mime: str) -> int:
        async with self.store.unit_of_work() as uow:
            account = await uow.accounts.identify(CHANNEL, chat_id, chat_id, "", language,
                                                  self.clock())
            return await uow.attachments.add(account.id, CHANNEL, self.clock(),
                                             content=content, mime=mime)

    async def media(self, chat_id: str, attachment_id: int) -> StoredFile | None:
        """The file, if this chat's person sent it (or it was made for them) or may see
        the case it belongs to."""
        async with self.store.unit_of_work() as uow:
            account = await uow.accounts.find(CHANNEL, chat_id)
            found = await uow.attachments.get(attachment_id)
            if account is None or found is None:
                return None
            allowed = found.owner_id == account.id
            if not allowed and found.case_id is not None:
                case = await uow.cases.get(found.case_id)
                allowed = case is not None and can_view(account.as_actor(), case)
        if not allowed:
            return None
        if found.content is not None:
            return StoredFile(None, found.content, found.mime, found.filename)
        if found.telegram_file_id is None or self.download is None:
            return None
        content = await self.download(found.telegram_file_id)
        async with self.store.unit_of_work() as uow:
            await uow.attachments.store_content(attachment_id, content, "image/jpeg")
        return StoredFile(None, content, "image/jpeg", found.filename)
