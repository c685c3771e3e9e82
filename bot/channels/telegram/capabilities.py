"""What Telegram can do: buttons under messages and in place of the keyboard (which
ask for the person's phone or place), files sent themselves and named by Telegram's
ids, long texts."""

from bot.spine.capabilities import Capabilities

CHANNEL = "telegram"
CAPABILITIES = Capabilities(
    CHANNEL, buttons=True, reply_keyboard=True, share_contact=True, share_location=True,
    sends_files=True, keeps_file_ids=True, text_limit=4096, caption_limit=1024,
    # Telegram allows 30 messages a second. Sends spaced exactly 1/30 s apart put 31 in
    # some 1 s window, and network jitter bunches them further: keep one under.
    rate_per_second=29.0, per_chat_interval=1.0)
