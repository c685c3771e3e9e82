"""Telegram: the adapter (updates to IncomingMessage), the sender, and python-telegram-bot's
HTTP transport over aiohttp."""

from bot.channels.telegram.adapter import to_incoming
from bot.channels.telegram.capabilities import CAPABILITIES, CHANNEL
from bot.channels.telegram.channel import TelegramChannel, build_application

__all__ = ["CAPABILITIES", "CHANNEL", "TelegramChannel", "build_application", "to_incoming"]
