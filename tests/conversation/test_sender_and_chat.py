"""An update's sender and the state of its chat are read by one statement
(storage/people.py reads the chat along with a known sender): the chat then loaded in the
same transaction is what the database holds, on both databases, without a second read;
and once the transaction wrote the chat, or for another chat, it is read again."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.records import Dialog
from storage import conversation
from storage.uow import Store

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
CHANNEL, USER, CHAT = "telegram", "7001", "7001"



@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """The chats read by a query of their own."""
    made: list[dict[str, Any]] = []
    load = conversation._LOAD

    class Counted:
        async def run(self, session: Any, values: dict[str, Any]) -> Any:
            made.append(dict(values))
            return await load.run(session, values)
    monkeypatch.setattr(conversation, "_LOAD", Counted())
    yield made


async def known(store: Store, chat: str = CHAT) -> int:
    async with store.unit_of_work() as uow:
        account = await uow.accounts.identify(CHANNEL, USER, chat, "An", "vi", NOW)
    return account.id


async def saved(store: Store, state: str, data: dict[str, Any], chat: str = CHAT) -> int:
    async with store.unit_of_work() as uow:
        dialog = await uow.dialogs.load(CHANNEL, chat)
        dialog.reset(state, **data)
        await uow.dialogs.save(dialog, NOW)
    return dialog.version


def brief(store: Store) -> Any:
    """A message's transaction, as the dispatcher opens it."""
    return store.unit_of_work(brief=True)


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
DATA = st.dictionaries(st.text(st.characters(exclude_categories=("Cs",)), min_size=1,
                               max_size=10),
                       st.none() | st.booleans() | st.integers(-10**9, 10**9) | TEXT
                       | st.lists(TEXT, max_size=3), max_size=5)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=st.sampled_from(["idle", "pakn.text", "survey.q3", "staff.answer"]), data=DATA)
async def test_the_chat_read_with_its_sender_is_what_is_stored(
        store: Store, reads: list[dict[str, Any]], state: str, data: dict[str, Any]) -> None:
    await known(store)
    version = await saved(store, state, data)
    reads.clear()
    async with brief(store) as uow:
        await uow.accounts.identify(CHANNEL, USER, CHAT, "An", "vi", NOW)
        dialog = await uow.dialogs.load(CHANNEL, CHAT)
    assert (dialog.state, dialog.data, dialog.version) == (state, data, version)
    assert reads == [], "read with the sender, not again"


async def test_a_chat_never_written_is_new_and_its_first_save_adds_it(
        store: Store, reads: list[dict[str, Any]]) -> None:
    await known(store)
    async with brief(store) as uow:
        await uow.accounts.identify(CHANNEL, USER, CHAT, "An", "vi", NOW)
        dialog = await uow.dialogs.load(CHANNEL, CHAT)
        assert dialog == Dialog(channel=CHANNEL, chat_id=CHAT)
        dialog.reset("pakn.text", field="dat_dai")
        await uow.dialogs.save(dialog, NOW)
    assert reads == []
    async with store.unit_of_work() as uow:
        again = await uow.dialogs.load(CHANNEL, CHAT)
    assert (again.state, again.data, again.version) == ("pakn.text", {"field": "dat_dai"}, 1)


async def test_once_written_or_for_another_chat_the_chat_is_read_again(
        store: Store, reads: list[dict[str, Any]]) -> None:
    await known(store)
    await saved(store, "pakn.text", {"n": 1})
    await saved(store, "idle", {"n": 2}, chat="group-5")
    reads.clear()
    async with brief(store) as uow:
        await uow.accounts.identify(CHANNEL, USER, CHAT, "An", "vi", NOW)
        other = await uow.dialogs.load(CHANNEL, "group-5")
        assert (other.state, other.data) == ("idle", {"n": 2})
        assert reads == [{"in_channel": CHANNEL, "in_chat": "group-5"}]
        mine = await uow.dialogs.load(CHANNEL, CHAT)  # the probe was for this chat only
        assert (mine.state, mine.data) == ("pakn.text", {"n": 1})
        assert len(reads) == 2
    async with brief(store) as uow:
        await uow.accounts.identify(CHANNEL, USER, CHAT, "An", "vi", NOW)
        dialog = await uow.dialogs.load(CHANNEL, CHAT)
        dialog.reset("pakn.place")
        await uow.dialogs.save(dialog, NOW)
        written = await uow.dialogs.load(CHANNEL, CHAT)
    assert (written.state, written.version) == ("pakn.place", dialog.version)
