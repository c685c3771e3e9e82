"""What an SMS can do: text only, a file or a rating request as a link."""

from bot.spine.capabilities import Capabilities

CHANNEL = "sms"
CAPABILITIES = Capabilities(
    CHANNEL, links_files=True, rate_per_second=10.0,
    # An SMS is a notification, not a conversation: no pacing per phone.
    per_chat_interval=0.0)
