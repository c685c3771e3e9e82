"""What channels get from the rest of the service, without the domain or the database
code: the outbox row to deliver, the error that means "the database is unavailable, try
again", and what channels keep in the database (the Zalo OA's token pair; when a chat
last wrote and was written to). `storage` implements these structurally."""

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from bot.core.errors import StorageError
from bot.core.records import Chat, Queued, ZaloTokens

__all__ = ["ChannelRecords", "ChannelStore", "Chat", "Queued", "StorageError", "ZaloTokens"]


class ZaloTokenRepository(Protocol):
    async def get(self, for_update: bool = False) -> ZaloTokens | None: ...
    async def save(self, tokens: ZaloTokens) -> None: ...


class LastSeen(Protocol):
    async def last_seen(self, channel: str, chat_id: str) -> datetime | None: ...


class SentSince(Protocol):
    async def sent_since(self, channel: str, chat_id: str, since: datetime) -> int: ...


class ChannelRecords(Protocol):
    """What channels keep in the database, over one transaction."""

    @property
    def zalo_tokens(self) -> ZaloTokenRepository: ...
    @property
    def inbound(self) -> LastSeen: ...
    @property
    def outbox(self) -> SentSince: ...


class ChannelStore(Protocol):
    """Transactions over ChannelRecords (storage.uow.Store)."""

    def unit_of_work(self) -> AbstractAsyncContextManager[ChannelRecords]: ...
