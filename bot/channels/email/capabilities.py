"""What an email can do: text, a document attached, a rating request as a link."""

from bot.spine.capabilities import Capabilities

CHANNEL = "email"
CAPABILITIES = Capabilities(CHANNEL, rate_per_second=5.0)
