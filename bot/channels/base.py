"""What every channel's sender promises the outbox dispatcher."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.callbacks import Rate, unpack
from bot.messages import Reply
from storage.records import Queued

RatingLink = Callable[[int], Awaitable[str]]
"""The signed address where the sender of a case rates it, for channels without buttons."""


def rated_case(reply: Reply) -> int | None:
    """The case a rating request asks about (its buttons are the five levels)."""
    for _label, payload in reply.options:
        found = unpack(payload)
        if isinstance(found, Rate):
            return found.case_id
    return None


@dataclass(frozen=True)
class Sent:
    external_id: str | None = None


@dataclass(frozen=True)
class RetryLater:
    """Try again after `seconds`; `flood` when the channel asked us to slow down (429)."""

    seconds: float
    reason: str
    flood: bool = False


@dataclass(frozen=True)
class Undeliverable:
    """Never deliverable (blocked by the user, chat gone, refused): recorded, not retried."""

    reason: str


Outcome = Sent | RetryLater | Undeliverable


class Sender(Protocol):
    channel: str
    rate_per_second: float | None
    """Overall sending rate the channel allows, or None for no limit."""
    per_chat_interval: float
    """Seconds to leave between two messages to the same chat."""

    async def deliver(self, item: Queued) -> Outcome: ...


@dataclass(frozen=True)
class StoredFile:
    """A photo or document kept by the service: by Telegram's file id, by its bytes, or
    both."""

    telegram_file_id: str | None
    content: bytes | None
    mime: str
    filename: str | None


@dataclass(frozen=True)
class UploadRefusal:
    """An upload not kept: the HTTP status, a code, and what to tell the person."""

    status: int
    code: str
    message: str


class MediaStore(Protocol):
    """Files kept by the service, for channels that need to send or show them."""

    async def file(self, attachment_id: int) -> StoredFile | None: ...

    async def remember_telegram_file(self, attachment_id: int, file_id: str) -> None: ...
