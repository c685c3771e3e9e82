"""`pakn serve` with the outbox's Telegram pacing (30 messages/s overall, one per second
per chat) lifted, and nothing else changed: what the service itself can process, to
compare with a bare echo bot that paces nothing. Run: `python -m benchmarks.serve_unpaced`.
"""

from bot.channels.telegram import TelegramChannel
from bot.cli import main

TelegramChannel.rate_per_second = None
TelegramChannel.per_chat_interval = 0.0

if __name__ == "__main__":
    raise SystemExit(main(["serve"]))
