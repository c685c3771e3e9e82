"""The Zalo OA's single-use refresh token, spent once even when two workers find the
access token expired at the same moment."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.channels.zalo import ZaloAuthError, ZaloOAuth, ZaloTokenKeeper
from storage.db import Database
from storage.uow import Store
from tests.clock import Clock
from tests.delivery.conftest import START
from tests.fakes.zalo_oa_api import FakeZaloOA

APP_ID, APP_SECRET = "app-123", "app-secret"


@pytest.fixture
async def oa() -> AsyncIterator[FakeZaloOA]:
    api = await FakeZaloOA(APP_ID, APP_SECRET, "refresh-0").start()
    yield api
    await api.stop()


async def keeper(url: str, oa: FakeZaloOA, clock: Clock) -> tuple[ZaloTokenKeeper, Database]:
    """A worker of its own: its own connections to the database."""
    database = Database(url)
    return ZaloTokenKeeper(Store(database), ZaloOAuth(oa.url, APP_ID, APP_SECRET), clock), \
        database


async def test_two_workers_refresh_once(database_url: str, oa: FakeZaloOA) -> None:
    clock = Clock(START)
    first, first_db = await keeper(database_url, oa, clock)
    second, second_db = await keeper(database_url, oa, clock)
    try:
        await first.set_refresh_token("refresh-0")
        oa.refresh_delay = 0.3  # both are in flight when the first refresh happens
        tokens = await asyncio.gather(first.access_token(), second.access_token(),
                                      first.access_token(), second.access_token())
        assert oa.refreshes == 1, "the refresh token was spent once"
        assert set(tokens) == {"access-1"} and oa.access_tokens == {"access-1"}
        async with first.store.unit_of_work() as uow:
            stored = await uow.zalo_tokens.get()
        assert stored is not None and stored.refresh_token == "refresh-1"
        assert oa.refresh_tokens == {"refresh-1"}, "the new pair is the one Zalo knows"

        # Zalo refuses the access token: both workers replace it, once.
        oa.expire_access_tokens()
        again = await asyncio.gather(first.access_token(refused="access-1"),
                                     second.access_token(refused="access-1"))
        assert set(again) == {"access-2"} and oa.refreshes == 2

        # Near its expiry a token is refreshed before Zalo refuses it.
        clock.advance(seconds=90000 - 60)
        assert await first.access_token() == "access-3"
        clock.advance(minutes=10)
        assert await second.access_token() == "access-3"
    finally:
        await first_db.dispose()
        await second_db.dispose()


async def test_a_refused_refresh_token_needs_an_administrator(database_url: str,
                                                               oa: FakeZaloOA) -> None:
    worker, database = await keeper(database_url, oa, Clock(START))
    try:
        with pytest.raises(ZaloAuthError, match="set-token"):
            await worker.access_token()
        await worker.set_refresh_token("not-known-to-zalo")
        with pytest.raises(ZaloAuthError, match="Invalid refresh token"):
            await worker.access_token()
    finally:
        await database.dispose()

