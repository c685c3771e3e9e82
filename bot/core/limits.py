"""Limits on the doors anyone can knock at: new web chat sessions, procedure surveys,
PAKN filings, Open311 filings, sign-in attempts and the heavy public reads.

Each door has a token bucket per identity (the person behind a chat, an API key) and
one per client address, kept in the database so that every worker counts against the
same buckets. A request goes through only if every bucket it falls in has a token;
otherwise none is spent and the door answers that it is over the limit, with the time
to try again, and stores nothing of the request.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.ports import HasLimits
from bot.present.i18n import _, format_datetime
from bot.runtime.settings import Limits, Rate


class Needs(HasLimits, Protocol):
    """The repositories these use cases use."""


class Door(StrEnum):
    CHAT_SESSION = "chat"
    SURVEY = "survey"
    FILING = "filing"
    OPEN311 = "open311"
    SIGN_IN = "signin"
    PUBLIC = "public"


@dataclass(frozen=True)
class OverLimit:
    """Refused: the first moment a token is back in every bucket concerned."""

    until: datetime
    retry_after: int
    """Whole seconds, for the Retry-After header."""

    def message(self, tz: ZoneInfo) -> str:
        """What the person is told, in the current locale."""
        return _("Too many requests came from you or your network in a short time, so this "
                 "one was not taken. Please try again after {time}.").format(
                     time=format_datetime(self.until, tz))


def buckets(limits: Limits, door: Door, identity: str | None, address: str | None
            ) -> list[tuple[str, Rate]]:
    """The buckets a request at `door` falls in: its identity's and its address's."""
    by_identity, by_address = {
        Door.CHAT_SESSION: (None, limits.chat_sessions),
        Door.SURVEY: (limits.surveys, limits.surveys_address),
        Door.FILING: (limits.filings, limits.filings_address),
        Door.OPEN311: (limits.open311, limits.open311_address),
        Door.SIGN_IN: (None, limits.sign_in),
        Door.PUBLIC: (None, limits.public),
    }[door]
    found = []
    if by_identity is not None and identity:
        found.append((f"{door}:id:{identity}"[:160], by_identity))
    if by_address is not None and address:
        found.append((f"{door}:ip:{address}"[:160], by_address))
    return found


async def admit(uow: Needs, limits: Limits, door: Door, now: datetime, *,
                identity: str | None = None, address: str | None = None) -> OverLimit | None:
    """Take a token from each of the request's buckets; None when it may go on. Within
    the caller's transaction: if the request then fails and rolls back, so do the
    tokens; if it is refused, no bucket changed."""
    taken: list[tuple[str, Rate]] = []
    for key, rate in buckets(limits, door, identity, address):
        if await uow.limits.take(key, rate.count, rate.seconds, now):
            taken.append((key, rate))
            continue
        for back_key, back_rate in taken:
            await uow.limits.give_back(back_key, back_rate.count, back_rate.seconds, now)
        wait = await uow.limits.wait(key, rate.count, rate.seconds, now)
        seconds = max(1, math.ceil(wait))
        return OverLimit(now + timedelta(seconds=seconds), seconds)
    return None


async def give_back(uow: Needs, limits: Limits, door: Door, now: datetime, *,
                    identity: str | None = None, address: str | None = None) -> None:
    """Return the tokens of a request that should not count (a successful sign-in)."""
    for key, rate in buckets(limits, door, identity, address):
        await uow.limits.give_back(key, rate.count, rate.seconds, now)
