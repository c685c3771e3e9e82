"""Logs: JSON lines with PAKN_LOG_FORMAT=json, one request id from the request that
brought a message to the delivery of what it made, and never what people wrote or who
they are, even at the most verbose level."""

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.channels.base import Outcome, Undeliverable
from bot.core.ports import Queued
from bot.delivery.outbox import OutboxDispatcher, Pacing
from bot.runtime import logs
from tests.conversation.harness import Harness
from tests.conversation.test_pakn_flow import CITIZEN, file_pakn

PERSONAL = ("Nguyễn Văn An", "Nguyen Van An", "0912345678", "912345678", "Ấp 3",
            "Xuân Bắc", "flooded for two weeks", "10.93", "107.41")
"""What file_pakn sends: the name, phone, address, text and location of a citizen."""


class Refusing:
    """A channel that refuses every message (a person who blocked the bot)."""

    rate_per_second = None
    per_chat_interval = 0.0

    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def deliver(self, item: Queued) -> Outcome:
        return Undeliverable("Telegram refused: Forbidden: bot was blocked by the user")


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Every log line, at the most verbose level, as JSON."""
    root = logging.getLogger()
    level = root.level
    levels = {name: logging.getLogger(name).level for name in (*logs.LIBRARIES, *logs.FLOORS)}
    written = io.StringIO()
    logs.configure(verbose=2, json_lines=True, stream=written)
    yield written
    for handler in [h for h in root.handlers if h.get_name() == "pakn"]:
        root.removeHandler(handler)
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


async def test_json_lines_with_one_request_id_and_no_personal_data(
        bot: Harness, json_logs: io.StringIO) -> None:
    code = await file_pakn(bot)
    with logs.request_scope("feedc0de00000001"):
        await bot.text(CITIZEN, f"/tracuu {code}")
    # At once, not at Telegram's pace for one chat: this is about what is logged.
    await OutboxDispatcher(bot.store, [Refusing(bot.channel)], bot.clock,
                           pacing={bot.channel: Pacing(None, 0.0)}).deliver_all()

    lines = [line for line in json_logs.getvalue().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert records and all({"time", "level", "logger", "message", "request_id"} <= set(r)
                           for r in records)
    ours = [r for r in records if r["request_id"] == "feedc0de00000001"]
    assert any(r["logger"] == "bot.spine.dispatch" for r in ours), "the handling"
    assert any(r["logger"] == "bot.delivery.outbox" and "undeliverable" in r["message"]
               for r in ours), \
        "the delivery of what it made"
    assert len({r["request_id"] for r in records if r["logger"] == "bot.spine.dispatch"}) > 2, \
        "each message its own id"
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    for secret in PERSONAL:
        assert secret not in text, secret
    assert bot.settings.telegram_token is None or bot.settings.telegram_token not in text


def test_plain_lines_carry_the_request_id_too() -> None:
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "done %s", ("it",), None)
    logs.RequestIdFilter().filter(record)
    assert logs.formatter(False).format(record).endswith("bot.x [-]: done it")
    with logs.request_scope() as request_id:
        logs.RequestIdFilter().filter(record)
    assert len(request_id) == 16 and f"[{request_id}]" in logs.formatter(False).format(record)
    assert json.loads(logs.formatter(True).format(record))["request_id"] == request_id
