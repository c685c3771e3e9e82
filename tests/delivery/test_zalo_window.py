"""Zalo's free-reply window, kept by the outbox: 8 messages within 48 hours of the
person's last message; beyond, messages are recorded undeliverable with the reason and
never sent; when the person writes again, the window opens again."""

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.channels.zalo import ReplyWindow, ZaloOAChannel, ZaloOAuth, ZaloTokenKeeper
from bot.core.records import Chat, Outgoing
from bot.delivery.outbox import OutboxDispatcher, Pacing
from bot.spine.messages import Reply
from complaints.privacy import pseudonym
from storage.models import OutboxRow
from storage.uow import Store
from tests.clock import Clock
from tests.fakes.zalo_oa_api import FakeZaloOA

USER = "8801234567890123456"
UNPACED = {"zalo_oa": Pacing(None, 0.0)}


@pytest.fixture
async def oa() -> AsyncIterator[FakeZaloOA]:
    api = await FakeZaloOA("app", "secret", "refresh-0").start()
    yield api
    await api.stop()


async def wrote(store: Store, when: datetime, key: str) -> None:
    async with store.unit_of_work() as uow:
        account = await uow.accounts.identify("zalo_oa", USER, USER, "", None, when)
        await uow.inbound.record("zalo_oa", key, USER, account.id, "text", "xin chào", {},
                                 when)


async def owe(store: Store, count: int, now: datetime, prefix: str) -> None:
    async with store.unit_of_work() as uow:
        for n in range(count):
            await uow.outbox.enqueue(Outgoing(Chat("zalo_oa", USER), Reply(f"{prefix} {n}")
                                              .to_json(), f"{prefix}-{n}"), now)


async def rows(store: Store, prefix: str) -> list[OutboxRow]:
    async with store.database.reading() as session:
        return list((await session.execute(select(OutboxRow).where(
            OutboxRow.idem_key.like(f"{prefix}-%")).order_by(OutboxRow.id))).scalars())


async def test_eight_free_messages_in_48_hours(store: Store, clock: Clock,
                                              oa: FakeZaloOA) -> None:
    tokens = ZaloTokenKeeper(store, ZaloOAuth(oa.url, "app", "secret"), clock)
    await tokens.set_refresh_token("refresh-0")
    channel = ZaloOAChannel(oa.url, "app", "key", tokens, _no_updates, lambda i: f"/files/{i}",
                            ReplyWindow(store, "zalo_oa", 48, 8), clock)
    await channel.start()
    # Not paced: the window is counted in messages, whatever their pace.
    dispatcher = OutboxDispatcher(store, [channel], clock, pacing=UNPACED)
    try:
        await wrote(store, clock(), "w1")
        clock.advance(minutes=1)
        await owe(store, 10, clock(), "a")
        await dispatcher.deliver_all()
        first = await rows(store, "a")
        assert [r.status for r in first] == ["sent"] * 8 + ["undeliverable"] * 2
        assert "8 messages" in (first[-1].last_error or "")
        assert [c.text for c in oa.calls] == [f"a {n}" for n in range(8)]

        await wrote(store, clock(), "w2")  # the person writes again: the window reopens
        clock.advance(minutes=1)
        await owe(store, 1, clock(), "b")
        await dispatcher.deliver_all()
        assert [r.status for r in await rows(store, "b")] == ["sent"]

        clock.advance(hours=49)  # and closes 48 hours later
        await owe(store, 1, clock(), "c")
        await dispatcher.deliver_all()
        [late] = await rows(store, "c")
        assert late.status == "undeliverable" and "48 hours" in (late.last_error or "")
        assert len(oa.calls) == 9, "nothing is sent outside the window"
    finally:
        await channel.stop()


async def _no_updates(message: object) -> bool:
    raise AssertionError("no updates here")




async def test_the_erasure_confirmation_goes_within_the_window(store: Store, clock: Clock,
                                                               oa: FakeZaloOA) -> None:
    """An erased person's messages are kept under their chat's pseudonym: the window is
    counted there, so the confirmation still goes, then keeps neither text nor id."""
    tokens = ZaloTokenKeeper(store, ZaloOAuth(oa.url, "app", "secret"), clock)
    await tokens.set_refresh_token("refresh-0")
    channel = ZaloOAChannel(oa.url, "app", "key", tokens, _no_updates, lambda i: f"/files/{i}",
                            ReplyWindow(store, "zalo_oa", 48, 8), clock)
    await channel.start()
    try:
        await wrote(store, clock(), "w1")
        async with store.unit_of_work() as uow:
            account = await uow.accounts.find("zalo_oa", USER)
            assert account is not None
            erased = await uow.privacy.erase(
                account.id, lambda channel, value: pseudonym(b"k" * 32, channel, value),
                clock())
            await uow.outbox.enqueue(Outgoing(Chat("zalo_oa", USER), Reply("deleted").to_json(),
                                              "erased-1", sensitive=True), clock())
            await uow.outbox.forget_after_delivery(erased.chats)
        await OutboxDispatcher(store, [channel], clock).deliver_all()
        [row] = await rows(store, "erased")
        assert row.status == "sent", row.last_error
        assert [c.text for c in oa.calls] == ["deleted"]
        assert row.chat_id == pseudonym(b"k" * 32, "zalo_oa", USER) and row.body["purged"]
    finally:
        await channel.stop()
