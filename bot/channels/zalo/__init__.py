"""Zalo: the Bot platform (a Telegram-like bot API) and Official Accounts (the way
government bodies talk to citizens on Zalo), with the OA's token keeper and its
free-reply window."""

from bot.channels.zalo.bot_platform import ZaloBotChannel, ZaloBotClient
from bot.channels.zalo.capabilities import BOT_PLATFORM, OFFICIAL_ACCOUNT, ZALO_BOT, ZALO_OA
from bot.channels.zalo.official_account import ZaloAuthError, ZaloOAChannel
from bot.channels.zalo.tokens import ZaloOAuth, ZaloTokenKeeper
from bot.channels.zalo.window import ReplyWindow

__all__ = ["BOT_PLATFORM", "OFFICIAL_ACCOUNT", "ZALO_BOT", "ZALO_OA", "ReplyWindow",
           "ZaloAuthError", "ZaloBotChannel", "ZaloBotClient", "ZaloOAChannel", "ZaloOAuth",
           "ZaloTokenKeeper"]
