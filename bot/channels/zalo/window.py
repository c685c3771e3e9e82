"""Zalo's free-reply window for Official Accounts: after a person writes, the OA may send
them a limited number of consultation messages for a limited time (by default 8 within
48 hours, as Zalo allows for free; an OA with a paid package sets more, up to 7 days).
A message outside the window is never sent: it is recorded undeliverable with why."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.spine.channel_ports import ChannelStore

WEEK = 7 * 24


@dataclass(frozen=True)
class ReplyWindow:
    store: ChannelStore
    channel: str
    hours: int = 48
    free_messages: int = 8
    """0: no limit on the number."""

    @property
    def length(self) -> timedelta:
        return timedelta(hours=self.hours)

    async def closed(self, chat_id: str, now: datetime) -> str | None:
        """Why a message to this chat may not be sent now, or None if it may."""
        async with self.store.unit_of_work() as uow:
            seen = await uow.inbound.last_seen(self.channel, chat_id)
            if seen is None:
                return "the person never wrote to the OA"
            if now - seen > self.length:
                return (f"outside Zalo's reply window: the person last wrote on "
                        f"{seen:%d/%m/%Y %H:%M} UTC, more than {self.hours} hours ago")
            if self.free_messages:
                sent = await uow.outbox.sent_since(self.channel, chat_id, seen)
                if sent >= self.free_messages:
                    return (f"the {self.free_messages} messages Zalo allows since the "
                            f"person last wrote were used; they must write again first")
        return None

    async def ends(self, chat_id: str) -> datetime | None:
        async with self.store.unit_of_work() as uow:
            seen = await uow.inbound.last_seen(self.channel, chat_id)
        return seen + self.length if seen else None
