"""The dashboard's side of the outbox: what the bot answers to an action taken in the
browser is shown on the page that follows it, so it is delivered as soon as it is owed."""

from bot.channels.base import Outcome, Sent
from storage.records import Queued

CHANNEL = "dashboard"


class DashboardSender:
    channel = CHANNEL
    rate_per_second: float | None = None
    per_chat_interval = 0.0
    shown_later = True
    """What it is sent is shown on the next page (bot.web.desk), which then empties the
    sensitive ones: the outbox does not empty them on delivery."""

    async def deliver(self, item: Queued) -> Outcome:
        return Sent()
