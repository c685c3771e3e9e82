"""Channel adapters: wire formats to IncomingMessage, and Reply to wire formats; one
package a channel. The registry: every channel the service speaks is declared here, one
line a channel (its capabilities, bot.spine.capabilities), before any message is handled."""

from bot.channels import email, open311, sms, telegram, webchat, zalo
from bot.spine.capabilities import register

register(telegram.CAPABILITIES)
register(zalo.BOT_PLATFORM)
register(zalo.OFFICIAL_ACCOUNT)
register(webchat.CAPABILITIES)
register(sms.CAPABILITIES)
register(email.CAPABILITIES)
register(open311.CAPABILITIES)
