"""Photos people send: kept only within the hourly quota of the person and of the client
address they came from, and forgotten when no case takes them within a day.

The quota counts uploads and their bytes per clock hour in the database (one row per
subject and hour, updated in place), so it holds however many service processes share
the database, and parallel uploads are counted in turn."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from ipaddress import IPv6Address, ip_address, ip_network
from typing import Protocol

from babel.numbers import format_decimal

from bot.core.ports import HasAttachments, HasSavepoints
from bot.present.i18n import _, current_language, ngettext
from bot.runtime.settings import Settings

UNATTACHED_KEPT = timedelta(days=1)
"""An upload no case took is deleted after this: a person's photo is not kept for
nothing (Luật 91/2025/QH15: personal data kept no longer than its purpose needs)."""


class Needs(HasAttachments, HasSavepoints, Protocol):
    """The repositories these use cases use."""


@dataclass(frozen=True)
class UploadLimits:
    per_hour: int
    bytes_per_hour: int


def limits_of(settings: Settings) -> UploadLimits:
    return UploadLimits(settings.uploads_per_hour, settings.upload_bytes_per_hour)


DEFAULT_LIMITS = limits_of(Settings())


class Refusal(StrEnum):
    NOT_AN_IMAGE = "not_an_image"
    TOO_MANY = "too_many"
    TOO_LARGE = "too_large"


class UploadRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


def refusal_text(reason: Refusal, limits: UploadLimits) -> str:
    """What the person is told, in the current locale; the rest of their message stands."""
    if reason is Refusal.NOT_AN_IMAGE:
        return _("This file could not be read as a photo (JPEG, PNG or WebP), so it was not "
                 "kept. Please send it again as a photo.")
    if reason is Refusal.TOO_MANY:
        return ngettext("You have sent {count} file in the past hour, the most I can take. "
                        "Please send more after the hour is over.",
                        "You have sent {count} files in the past hour, the most I can take. "
                        "Please send more after the hour is over.",
                        limits.per_hour).format(count=limits.per_hour)
    return _("You have sent {size} MB of files in the past hour, the most I can take. "
             "Please send more after the hour is over.").format(
                 size=format_decimal(limits.bytes_per_hour / (1 << 20), "#,##0.#",
                                   locale=current_language()))


def subjects(account_id: int, client: str | None) -> list[str]:
    """Who an upload counts against: the person, and the address it came from (an IPv6
    client's whole /64, which one machine usually has)."""
    found = [f"account:{account_id}"]
    if client:
        try:
            address = ip_address(client)
        except ValueError:
            return found
        if isinstance(address, IPv6Address):
            if address.ipv4_mapped is not None:
                found.append(f"address:{address.ipv4_mapped}")
            else:
                found.append(f"address:{ip_network(f'{address}/64', strict=False)}")
        else:
            found.append(f"address:{address}")
    return found


def hour_of(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


async def count_upload(uow: Needs, who: list[str], size: int, now: datetime,
                       limits: UploadLimits) -> None:
    """Count one upload of `size` bytes; UploadRefused when it would pass the quota of
    anyone in `who`, and then nothing is counted (the savepoint is rolled back), so the
    person may still send a smaller file within the hour."""
    async with uow.savepoint():
        for subject in who:
            uploads, total = await uow.attachments.count_upload(subject, hour_of(now), size)
            if uploads > limits.per_hour:
                raise UploadRefused(Refusal.TOO_MANY)
            if total > limits.bytes_per_hour:
                raise UploadRefused(Refusal.TOO_LARGE)


async def forget_unattached(uow: Needs, now: datetime) -> int:
    """Delete the uploads no case took within a day, and the quota counts of past hours;
    how many uploads."""
    await uow.attachments.forget_quota(hour_of(now) - timedelta(hours=1))
    return await uow.attachments.forget_unattached(now - UNATTACHED_KEPT)
