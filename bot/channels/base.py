"""The channel interface: what an adapter hands the dispatcher (an IncomingMessage, to
`Handle`), what every channel's sender promises the outbox dispatcher (`Sender`), and
what the service keeps for them (files). What each channel can do is its declaration,
bot.spine.capabilities.Capabilities, registered in bot.channels."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.spine.callbacks import Rate, unpack
from bot.spine.channel_ports import Queued
from bot.spine.messages import FileRef, IncomingMessage, Reply

Handle = Callable[[IncomingMessage], Awaitable[bool]]
"""Processes one incoming message in its own transaction; False when it was not taken
(flood control). It raises bot.core.ports.StorageError while the database is unavailable:
the channel has the message delivered again."""
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
    """Delivers the outbox's rows of one channel; the outbox paces them as the channel's
    registered capabilities say."""

    channel: str

    async def deliver(self, item: Queued) -> Outcome: ...


@dataclass(frozen=True)
class StoredFile:
    """A photo or document kept by the service: by a channel's own reference, by its
    bytes, or both."""

    file: FileRef | None
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

    async def remember_file(self, attachment_id: int, file: FileRef) -> None:
        """Keep the channel's reference to a file it was sent, to send it again by it."""
