"""What Zalo can do. The Bot platform has no buttons and sends no files: options go as
numbered lists, files as links. An Official Account has up to five "query" buttons (more
options go as a numbered list), and writes only within the free-reply window."""

from bot.spine.capabilities import Capabilities

ZALO_BOT = "zalo_bot"
ZALO_OA = "zalo_oa"
MAX_BUTTONS = 5
"""An OA message's buttons at most."""

BOT_PLATFORM = Capabilities(
    ZALO_BOT, numbered_options=True, links_files=True, text_limit=2000,
    rate_per_second=20.0, per_chat_interval=1.0)
OFFICIAL_ACCOUNT = Capabilities(
    ZALO_OA, buttons=True, numbered_options=True, links_files=True,
    text_limit=2000, reply_window=True, rate_per_second=20.0, per_chat_interval=1.0)
