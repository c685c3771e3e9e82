"""Notices between the processes of one database (storage/notices.py): on PostgreSQL
what one publishes every listener gets, once, as it was sent; on SQLite (one process)
there are none."""

import asyncio
from typing import Any

import pytest

from storage.db import Database
from storage.notices import MAX_PAYLOAD, Notices


async def test_a_notice_reaches_every_listener_once(fresh_postgres: str) -> None:
    publisher, listener = Database(fresh_postgres), Database(fresh_postgres)
    received: list[dict[str, Any]] = []
    arrived = asyncio.Event()

    def got(notice: dict[str, Any]) -> None:
        received.append(notice)
        arrived.set()
    listening = asyncio.create_task(Notices(listener, "pakn_test").listen(got))
    notices = Notices(publisher, "pakn_test")
    try:
        # The listener says nothing when it is ready: knock until it answers.
        for knock in range(600):
            await notices.publish({"knock": knock})
            if arrived.is_set():
                break
            await asyncio.sleep(0.05)
        assert arrived.is_set()
        sent = [{"chat": "c" * 32, "event": {"type": "message", "id": n,
                                             "text": "Đã nhận phản ánh " * 20}}
                for n in range(20)]
        for notice in sent:
            await notices.publish(notice)

        def after_the_knocks() -> list[dict[str, Any]]:
            # A knock sent before the first one was heard may still come after this.
            return [notice for notice in received if "knock" not in notice]
        async with asyncio.timeout(30):
            while len(after_the_knocks()) < len(sent):
                arrived.clear()
                await arrived.wait()
        await asyncio.sleep(0.2)  # nothing more comes
        assert after_the_knocks() == sent
        for _ in range(5):
            await Notices(publisher, "pakn_other").publish({"elsewhere": True})
        await notices.publish({"last": True})
        async with asyncio.timeout(30):
            while received[-1] != {"last": True}:
                arrived.clear()
                await arrived.wait()
        assert after_the_knocks()[len(sent):] == [{"last": True}], "channels are apart"
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
        await publisher.dispose()
        await listener.dispose()


def test_a_notice_must_fit_postgresql_s_limit() -> None:
    notices = Notices(Database("sqlite+aiosqlite://"), "pakn_test")
    assert notices.fits({"text": "x" * (MAX_PAYLOAD - 20)})
    assert not notices.fits({"text": "x" * MAX_PAYLOAD})
    # Vietnamese takes two or three bytes a letter: the limit is in bytes.
    assert not notices.fits({"text": "ệ" * (MAX_PAYLOAD // 2)})


@pytest.mark.parametrize("payload", [{"chat": "x"}, {}])
async def test_there_are_no_notices_on_sqlite(tmp_path: Any, payload: dict[str, Any]) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'pakn.db'}")
    try:
        notices = Notices(database, "pakn_test")
        assert not notices.enabled
        await notices.publish(payload)  # nothing to tell: no error
        async with asyncio.timeout(5):
            await notices.listen(lambda notice: None)  # returns at once
    finally:
        await database.dispose()
