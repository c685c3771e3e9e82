"""`pakn serve` with the outbox's Telegram pacing (30 messages/s overall, one per second
per chat) lifted, and nothing else changed: what the service itself can process, to
compare with a bare echo bot that paces nothing. Run: `python -m benchmarks.serve_unpaced`
(arguments as `pakn`'s, `serve` by default; the workers of `serve --workers N` run this
module too).
"""

import sys
from dataclasses import replace

from bot.channels import telegram
from bot.cli import main
from bot.runtime.workers import Pool
from bot.spine.capabilities import register

register(replace(telegram.CAPABILITIES, rate_per_second=None, per_chat_interval=0.0),
         replacing=True)
Pool.module = "benchmarks.serve_unpaced"

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["serve"]))
