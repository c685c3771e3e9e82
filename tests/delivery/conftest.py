"""Durable delivery against the real pieces: the real TelegramChannel (python-telegram-bot
over our aiohttp transport) talking to the in-repo fake Bot API, the real Store on a
migrated database (SQLite, and PostgreSQL when PAKN_TEST_POSTGRES_URL is set), and the
real OutboxDispatcher driven with a clock the test controls."""

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.telegram import TelegramChannel, build_application
from bot.core.records import Chat, Outgoing
from bot.delivery.outbox import OutboxDispatcher
from bot.files.media import Media
from bot.spine.messages import IncomingMessage, Reply
from storage.models import AttachmentRow, OutboxRow
from storage.uow import Store
from tests.clock import Clock
from tests.fakes.telegram_api import Call, FakeBotApi

TOKEN = "123456789:TEST-token_for-the-delivery-tests"
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday, 09:00 in Hà Nội

# A valid 1x1 PNG, as the web chat would upload it.
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")



class RecordingBotApi(FakeBotApi):
    """The fake Bot API, also keeping the messages it answered with, so that a row's
    external id can be checked against the message id Telegram (the fake) gave."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.results: list[dict[str, Any]] = []

    def _api_sendMessage(self, params: dict[str, Any],
                         files: dict[str, bytes]) -> dict[str, Any]:
        result = super()._api_sendMessage(params, files)
        self.results.append(result)
        return result

    def _api_sendPhoto(self, params: dict[str, Any],
                       files: dict[str, bytes]) -> dict[str, Any]:
        result = super()._api_sendPhoto(params, files)
        self.results.append(result)
        return result

    # --- reading what happened ----------------------------------------------------------

    def to_chat(self, chat_id: int, method: str = "sendMessage") -> list[Call]:
        return self.sent_to(chat_id, method)

    def ok_to(self, chat_id: int, method: str = "sendMessage") -> list[Call]:
        """Calls that succeeded (the fake answered with a message)."""
        return [c for c in self.sent_to(chat_id, method) if "_failed" not in c.params]

    def failed_to(self, chat_id: int, method: str = "sendMessage") -> list[Call]:
        return [c for c in self.sent_to(chat_id, method) if "_failed" in c.params]

    def message_id(self, chat_id: int, text: str) -> int:
        """The id of the one message with `text` (or caption) the fake sent to `chat_id`."""
        found = [r["message_id"] for r in self.results if r["chat"]["id"] == chat_id
                 and (r.get("text") == text or r.get("caption") == text)]
        assert len(found) == 1, f"{len(found)} messages {text[:40]!r} to {chat_id}"
        return int(found[0])


async def _no_updates(message: IncomingMessage) -> bool:
    raise AssertionError("no updates are processed in delivery tests")


@pytest.fixture
def clock() -> Clock:
    return Clock(START)



@pytest.fixture
async def fake_api() -> AsyncIterator[RecordingBotApi]:
    api = RecordingBotApi(TOKEN)
    await api.start()
    yield api
    await api.stop()


async def connect(api: FakeBotApi, store: Store, clock: Clock) -> TelegramChannel:
    """The real Telegram channel, as bot/app.py builds it, pointed at `api`."""
    channel = TelegramChannel(build_application(TOKEN, api.url), _no_updates,
                              Media(store, clock), webhook_secret=None)
    await channel.application.initialize()
    return channel


@pytest.fixture
async def telegram(fake_api: RecordingBotApi, store: Store,
                   clock: Clock) -> AsyncIterator[TelegramChannel]:
    channel = await connect(fake_api, store, clock)
    yield channel
    await channel.application.shutdown()


@pytest.fixture
def dispatcher(store: Store, telegram: TelegramChannel, clock: Clock) -> OutboxDispatcher:
    return OutboxDispatcher(store, [telegram], clock)


# --- the outbox, as the handlers fill it and as the dispatcher leaves it -----------------

async def enqueue(store: Store, chat_id: int, reply: Reply, key: str, now: datetime, *,
                  kind: str = "send", edit_of: int | None = None) -> int:
    async with store.unit_of_work() as uow:
        row_id = await uow.outbox.enqueue(
            Outgoing(Chat("telegram", str(chat_id)), reply.to_json(), key, kind=kind,
                     edit_of=edit_of), now)
    assert row_id is not None
    return row_id


async def outbox_row(store: Store, row_id: int) -> OutboxRow:
    async with store.database.reading() as session:
        row = await session.get(OutboxRow, row_id)
    assert row is not None
    return row


async def outbox_rows(store: Store) -> list[OutboxRow]:
    async with store.database.reading() as session:
        return list((await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())


async def attachment_row(store: Store, attachment_id: int) -> AttachmentRow:
    async with store.database.reading() as session:
        row = await session.get(AttachmentRow, attachment_id)
    assert row is not None
    return row


def seconds_until(when: datetime, now: datetime) -> float:
    return (when - now).total_seconds()
