"""`pakn serve` with the outbox's Telegram pacing lifted and nothing else changed: no
pacing per chat, and the overall limit at the most the settings allow (1,000 messages a
second, beyond what the service reaches here): what the service itself can process, to
compare with a bare echo bot that paces nothing. Run: `python -m benchmarks.serve_unpaced`
(arguments as `pakn`'s, `serve` by default; the workers of `serve --workers N` inherit
the settings).
"""

import os
import sys

from bot.cli import main

UNPACED = {"PAKN_TELEGRAM_PER_SECOND": "1000", "PAKN_TELEGRAM_CHAT_INTERVAL_MS": "0"}

if __name__ == "__main__":
    os.environ.update(UNPACED)
    raise SystemExit(main(sys.argv[1:] or ["serve"]))
