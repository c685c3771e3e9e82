"""The Open311 channel's sender. A PAKN filed through the Open311 API belongs to the app
that filed it, which has no chat: what the bot owes its sender (the receipt, updates, the
answer, the rating question) is recorded as delivered, and the app follows the request
through `GET /open311/v2/requests/{id}`, whose status and notes carry the same news."""

from bot.channels.base import Outcome, Sent
from bot.spine.capabilities import Capabilities
from bot.spine.channel_ports import Queued
from bot.spine.messages import OPEN311

CHANNEL = OPEN311
CAPABILITIES = Capabilities(CHANNEL)


class Open311Sender:
    channel = CHANNEL

    async def deliver(self, item: Queued) -> Outcome:
        return Sent()
