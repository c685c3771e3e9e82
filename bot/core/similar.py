"""Similar cases first: the cases a new PAKN may repeat, following one of them instead of
filing, and staff merging a duplicate into the case that goes on.

What a citizen is shown of another person's case (Luật 91/2025/QH15: another person's
words are personal data until someone approved them redacted): its code, status, field,
area and date, and a summary that is the text approved for publication when there is
one, else the text with the anonymiser's blanks (names, phones, addresses, numbers:
complaints.privacy.anonymise, with that sender's own details) cut to a few words. A text
the anonymiser had to blank more than SUMMARY_BLANKS_MAX times is not shown at all: only
the field, area and date then."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.ports import (
    Chat,
    HasAccounts,
    HasAudit,
    HasCalendar,
    HasCases,
    HasFollowers,
    HasLimits,
    HasLocks,
    HasPublications,
    HasSenderChats,
)
from bot.core.publication import in_force
from bot.core.sender_chats import sender_reach
from complaints import case as lifecycle
from complaints.case import Case, Event
from complaints.errors import InvalidTransition, NotAllowed
from complaints.people import Actor
from complaints.privacy import MASK, anonymise
from complaints.publication import Decision, known_details
from complaints.similar import SHOWN, THRESHOLD, most_similar

CANDIDATES = 500
"""Cases of one field and area compared at most (the newest): enough for a province."""
SUMMARY_LENGTH = 90
SUMMARY_BLANKS_MAX = 3


class Needs(
        HasAccounts, HasAudit, HasCalendar, HasCases, HasFollowers, HasLimits, HasLocks,
        HasPublications, HasSenderChats, Protocol):
    """The repositories these use cases use."""


@dataclass(frozen=True)
class Similar:
    case: Case
    score: float
    summary: str | None
    """Redacted and short; None when nothing of the text is safe to show."""
    raised_by: int
    """Its sender and those following it."""


async def raised_by(uow: Needs, case_ids: list[int]) -> dict[int, int]:
    """How many citizens raised each case: its sender and its followers."""
    counts = await uow.followers.counts(case_ids)
    return {case_id: 1 + counts.get(case_id, 0) for case_id in case_ids}


async def find_similar(uow: Needs, actor: Actor, now: datetime, *, field: str,
                       area: str | None, text: str, answered_days: int,
                       threshold: float = THRESHOLD) -> list[Similar]:
    """The open or lately answered cases of this field and area whose text is like
    `text`, the most alike first; not the actor's own, nor those they follow."""
    since = now - timedelta(days=answered_days)
    candidates = await uow.cases.similar_candidates(field, area, since, CANDIDATES,
                                                    excluding=actor.account_id)
    matches = most_similar(text, candidates, threshold, SHOWN)
    counts = await raised_by(uow, [m.key for m in matches])
    found = []
    for match in matches:  # read whole only once shown
        case = await uow.cases.get(match.key)
        if case is not None:
            found.append(Similar(case, match.score, await summary(uow, case), counts[match.key]))
    return found


async def summary(uow: Needs, case: Case) -> str | None:
    publication = await in_force(uow, case)
    if (publication is not None and publication.status is Decision.APPROVED
            and publication.question):
        return shorten(publication.question)
    redacted = anonymise(case.text, *known_details(case))
    if redacted.count(MASK) > SUMMARY_BLANKS_MAX:
        return None
    return shorten(redacted)


def shorten(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """The first words of a text, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[:cut if cut > limit // 2 else limit].rstrip(" ,.;:") + "…"


async def follow_case(uow: Needs, actor: Actor, now: datetime, case_id: int,
                      chat: Chat) -> Case:
    """The citizen follows a case about their problem instead of filing it again: they
    are sent its answer and asked to rate it, and it counts them among those who raised
    it. Following twice changes nothing."""
    case = await uow.cases.get(case_id)
    if case is None:
        raise NotAllowed("follow")
    if await uow.followers.get(case_id, actor.account_id) is not None:
        raise InvalidTransition("follow", "already_following")
    lifecycle.record_follower(case, actor, now)
    await uow.followers.add(case_id, actor.account_id, chat, "follow", now)
    await uow.cases.save(case)
    return case


@dataclass(frozen=True)
class Merged:
    duplicate: Case
    survivor: Case
    moved: list[int]
    """The accounts that now follow the survivor (the duplicate's sender and followers)."""
    events: tuple[Event, ...] = ()
    """What was recorded on the two cases."""


async def merge_cases(uow: Needs, actor: Actor, now: datetime, duplicate_id: int,
                      survivor_code: str, reason: str) -> Merged:
    """Close a case as a duplicate of another, for a reason kept on both; its sender and
    followers follow the case that goes on. The duplicate leaves the on-time rate."""
    duplicate = await uow.cases.lock(duplicate_id)
    survivor = await uow.cases.get_by_code(survivor_code.strip().upper())
    if duplicate is None or survivor is None:
        raise InvalidTransition("merge", "no_such_case")
    assert survivor.id is not None and duplicate.id is not None
    lifecycle.merge(duplicate, survivor, actor, reason, now)
    moved = []
    # The sender in each of their chats (the phone or email of a PAKN staff took, the
    # chats that proved its phone); one who erased their data is sent nothing.
    people = [(person.id, chats[0]) for person, chats in await sender_reach(uow, duplicate)]
    people += [(f.account_id, f.chat) for f in await uow.followers.of_case(duplicate.id)]
    for account_id, chat in people:
        if account_id is None or account_id == survivor.citizen_id:
            continue  # the survivor's own sender
        if await uow.followers.add(survivor.id, account_id, chat, "merge", now):
            moved.append(account_id)
    events = (*duplicate.events, *survivor.events)  # saving empties them
    await uow.cases.save(duplicate)
    await uow.cases.save(survivor)
    return Merged(duplicate, survivor, moved, events)
