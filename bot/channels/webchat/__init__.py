"""The web chat: a page, a websocket per open tab, uploads of photos."""

from bot.channels.webchat.capabilities import CAPABILITIES, CHANNEL
from bot.channels.webchat.channel import (
    COOKIE,
    WebChatBackend,
    WebChatChannel,
    chat_id_of,
    embed_script,
    frame_ancestors,
)

__all__ = ["CAPABILITIES", "CHANNEL", "COOKIE", "WebChatBackend", "WebChatChannel",
           "chat_id_of", "embed_script", "frame_ancestors"]
