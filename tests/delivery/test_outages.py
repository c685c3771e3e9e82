"""Delivery through outages. A delivery keeps within its lease: it gives up before the
lease ends when the channel does not answer, and a message sent while the database is
away is recorded once the database is back, instead of being sent again when the lease
ends. A file sent whose Telegram id cannot be kept is sent all the same, once. Whatever
fails, the dispatcher's loop goes on."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from aiohttp import web

from bot.channels.telegram import TelegramChannel, build_application
from bot.core.errors import StorageError
from bot.delivery.outbox import MAX_BACKOFF, OutboxDispatcher
from bot.files.media import Media
from bot.spine.messages import FileRef, IncomingMessage, Reply
from storage.outbox import SqlOutboxRepository
from storage.uow import Store
from tests.delivery.conftest import (
    PNG_BYTES,
    TOKEN,
    Clock,
    RecordingBotApi,
    connect,
    enqueue,
    outbox_row,
)
from tests.fakes.telegram_api import Failure


class DatabaseAway:
    """The store, failing `transactions` transactions with `error` after the first
    `working` ones."""

    def __init__(self, store: Store, transactions: int, working: int = 1,
                 error: Exception | None = None) -> None:
        self.store = store
        self.away = transactions
        self.working = working
        self.error = error or StorageError("connection refused")
        self.opened = 0

    @asynccontextmanager
    async def outbox_queue(self, brief: bool = False,
                           alone: bool = False) -> AsyncIterator[SqlOutboxRepository]:
        self.opened += 1
        if self.opened > self.working and self.away:
            self.away -= 1
            raise self.error
        async with self.store.outbox_queue(brief, alone) as queue:
            yield queue


async def handle_nothing(message: IncomingMessage) -> bool:
    raise AssertionError("no updates are processed in delivery tests")


class ForgetfulMedia(Media):
    """Files as stored, but the database is away when Telegram's id is to be kept."""

    async def remember_file(self, attachment_id: int, file: FileRef) -> None:
        raise StorageError("connection refused")


class SilentBotApi(RecordingBotApi):
    """Takes messages and answers none in time."""

    async def _method(self, request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return await super()._method(request)


async def test_a_delivery_with_no_answer_gives_up_within_its_lease(
        store: Store, clock: Clock) -> None:
    silent = await SilentBotApi(TOKEN).start()
    telegram = await connect(silent, store, clock)
    try:
        row_id = await enqueue(store, 8801, Reply("Không có trả lời"), "silent-1", clock())
        await OutboxDispatcher(store, [telegram], clock, lease_seconds=2).deliver_all()
    finally:
        await telegram.application.shutdown()
        await silent.stop()
    row = await outbox_row(store, row_id)
    assert (row.status, row.attempts, row.lease_until) == ("pending", 1, None)
    assert row.last_error == "no answer within the lease"


async def test_a_message_sent_while_the_database_is_away_is_recorded_not_resent(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    row_id = await enqueue(store, 8802, Reply("Đã gửi khi mất CSDL"), "away-1", clock())
    away = DatabaseAway(store, transactions=2)
    await OutboxDispatcher(away, [telegram], clock).deliver_all()
    assert away.away == 0, "the outcome waited for the database"

    row = await outbox_row(store, row_id)
    assert (row.status, row.external_id) == (
        "sent", str(fake_api.message_id(8802, "Đã gửi khi mất CSDL")))
    clock.advance(seconds=600)
    await OutboxDispatcher(store, [telegram], clock).deliver_all()
    assert len(fake_api.ok_to(8802)) == 1


async def test_the_loop_goes_on_after_an_unexpected_error(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    await enqueue(store, 8803, Reply("Vẫn được gửi"), "loop-1", clock())
    failing = DatabaseAway(store, transactions=1, working=0,
                           error=RuntimeError("pool exhausted"))
    running = asyncio.create_task(
        OutboxDispatcher(failing, [telegram], clock, poll_interval=0.05).run())
    try:
        await fake_api.wait_for(lambda calls: fake_api.ok_to(8803))
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert failing.away == 0


async def test_an_upload_whose_file_id_cannot_be_kept_is_sent_once(
        store: Store, fake_api: RecordingBotApi, clock: Clock) -> None:
    async with store.unit_of_work() as uow:
        account = await uow.accounts.identify("webchat", "chat1", "chat1", "", None, clock())
        attachment_id = await uow.attachments.add(account.id, "webchat", clock(),
                                                  content=PNG_BYTES, mime="image/png")
    row_id = await enqueue(store, 8804, Reply("Ảnh", photo_attachment=attachment_id),
                           "upload-1", clock())
    telegram = TelegramChannel(build_application(TOKEN, fake_api.url), handle_nothing,
                               ForgetfulMedia(store, clock), webhook_secret=None)
    await telegram.application.initialize()
    try:
        await OutboxDispatcher(store, [telegram], clock).deliver_all()
        clock.advance(seconds=600)
        await OutboxDispatcher(store, [telegram], clock).deliver_all()
    finally:
        await telegram.application.shutdown()
    assert len(fake_api.ok_to(8804, "sendPhoto")) == 1
    assert (await outbox_row(store, row_id)).status == "sent"


async def test_the_first_success_after_an_outage_brings_the_waiting_retries_forward(
        store: Store, telegram: TelegramChannel, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    chats = list(range(8811, 8816))
    ids = [await enqueue(store, chat, Reply(f"Chờ {chat}"), f"outage-{chat}", clock())
           for chat in chats]
    dispatcher = OutboxDispatcher(store, [telegram], clock)
    fake_api.fail_next("sendMessage", Failure(502, "Bad Gateway"), times=1000)
    for _ in range(4):  # the outage goes on: each retry fails, the backoff grows
        await dispatcher.deliver_all()
        clock.advance(seconds=MAX_BACKOFF * 2)
    await dispatcher.deliver_all()
    rows = [await outbox_row(store, row_id) for row_id in ids]
    assert {(row.status, row.attempts) for row in rows} == {("pending", 5)}
    assert min(row.next_attempt_at for row in rows) > clock() + timedelta(seconds=10)

    fake_api.failures.clear()  # the Bot API is back: a new message goes through
    await enqueue(store, 8819, Reply("Mới"), "outage-new", clock())
    await dispatcher.deliver_all()

    # ... and the messages the outage put off follow at once, not after their backoff.
    assert [len(fake_api.ok_to(chat)) for chat in chats] == [1] * len(chats)
    assert {(await outbox_row(store, row_id)).status for row_id in ids} == {"sent"}
