"""The chat's anonymous doors over their limits: PAKN filed and procedure surveys
recorded, per person and per client address (the web chat's), on SQLite and
PostgreSQL. Over a limit nothing is filed or recorded, the person is told in their
language until when, and what they wrote waits for them."""

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.runtime.settings import Limits, Rate
from storage.models import CaseRow, RatingRow
from tests.clock import Clock
from tests.conversation.harness import Harness, one, to
from tests.conversation.test_pakn_flow import file_pakn
from tests.conversation.test_survey import link

FILING_OVER = "not sent yet"
SURVEY_OVER = "not recorded yet"


class AtAddresses(Harness):
    """People writing from the web chat: each chat from the address the test gives it."""

    def __init__(self, url: str, clock: Clock, limits: Limits) -> None:
        super().__init__(url, clock)
        self.settings = dataclasses.replace(self.settings, limits=limits)
        self.dispatcher.settings = self.settings
        self.addresses: dict[str, str] = {}

    async def send(self, chat: str, kind: Any, **fields: Any) -> Any:
        fields.setdefault("client_address", self.addresses.get(chat))
        return await super().send(chat, kind, **fields)


@pytest.fixture
async def limited(database_url: str, clock: Clock) -> AsyncIterator[AtAddresses]:
    harness = await AtAddresses(database_url, clock, Limits(
        filings=Rate(2, 3600), filings_address=Rate(3, 3600),
        surveys=Rate(2, 3600), surveys_address=Rate(3, 3600))).start()
    yield harness
    await harness.close()


async def try_filing(bot: Harness, chat: str) -> str:
    """File a PAKN up to its confirmation; what the bot answered to "Send"."""
    try:
        await file_pakn(bot, chat)
    except AssertionError as refused:  # no tracking code in the answer
        return str(refused)
    return "filed"


async def test_pakn_filings_per_person_then_per_address(limited: AtAddresses,
                                                        clock: Clock) -> None:
    limited.addresses = {"1001": "203.0.113.7", "1002": "203.0.113.7", "1003": "203.0.113.8"}
    assert await try_filing(limited, "1001") == "filed"
    assert await try_filing(limited, "1001") == "filed"
    over = await try_filing(limited, "1001")
    assert FILING_OVER in over and "Press \"Send\" again after 09:30" in over, over
    assert await limited.count(CaseRow) == 2, "nothing filed over the limit"
    assert await limited.dialog_state("1001") == "intake.confirm", "the PAKN waits"
    # The address has three in all: one left for the neighbour, then none.
    assert await try_filing(limited, "1002") == "filed"
    assert FILING_OVER in await try_filing(limited, "1002")
    assert await try_filing(limited, "1003") == "filed", "another address is apart"
    assert await limited.count(CaseRow) == 4
    # Half an hour later (two an hour), the waiting PAKN goes with one press.
    clock.advance(minutes=30)
    receipt = one("1001", await limited.press("1001", "ch:confirm:send"))
    assert "Tracking code" in receipt.text
    assert await limited.count(CaseRow) == 5


async def test_telegram_people_are_limited_per_person(limited: AtAddresses) -> None:
    for chat in ("2001", "2002", "2003", "2004"):  # no address: each their own bucket
        assert await try_filing(limited, chat) == "filed"
    assert await limited.count(CaseRow) == 4


async def rate_once(bot: Harness, chat: str, score: int = 5) -> str:
    """A whole survey from a desk's link; the last answer."""
    started = await bot.text(chat, f"/start {await link(bot)}")
    question = next(m for m in started if m.chat == chat and m.buttons)
    while True:  # every scale question with `score`, the comment skipped
        payloads = [b["payload"] for b in question.buttons]
        choice = next((p for p in payloads if p.startswith("an:") and p.endswith(f":{score}")),
                      next((p for p in payloads if p.startswith("sc:skip")), None))
        if choice is None:
            break
        question = to(chat, await bot.press(chat, choice))[-1]
    return question.text


async def test_surveys_per_person_then_per_address(limited: AtAddresses, clock: Clock) -> None:
    limited.addresses = {"1001": "198.51.100.9", "1002": "198.51.100.9",
                         "1003": "198.51.100.10"}
    for _ in range(2):
        await rate_once(limited, "1001")
    assert await limited.count(RatingRow) == 2
    over = await rate_once(limited, "1001")
    assert SURVEY_OVER in over and "/danhgia after 09:30" in over, over
    assert await limited.count(RatingRow) == 2, "nothing recorded over the limit"
    await rate_once(limited, "1002")
    assert SURVEY_OVER in await rate_once(limited, "1002"), "three from the address"
    await rate_once(limited, "1003")
    assert await limited.count(RatingRow) == 4
    # Later, the kept answers are recorded with /danhgia.
    clock.advance(minutes=30)
    resumed = await limited.text("1001", "/danhgia")
    continued = await limited.press("1001", next(
        b["payload"] for m in resumed for b in m.buttons if b["payload"].endswith("yes")))
    assert any("answers were recorded" in m.text for m in continued), continued
    assert await limited.count(RatingRow) == 5
