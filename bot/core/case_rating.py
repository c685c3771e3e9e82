"""Rating a PAKN's handling, from a chat's buttons or from the signed link an SMS or an
email carries (those cannot carry buttons). One rating per case; a low one is told to
the unit's head (or its staff when it has no head)."""

import base64
import hashlib
import hmac
from typing import Protocol

from bot.core.keys import deployment_key
from bot.core.ports import (
    HasAccounts,
    HasAudit,
    HasCalendar,
    HasCases,
    HasFollowers,
    HasLimits,
    HasLocks,
    HasMeta,
    HasRatings,
    HasSenderChats,
    RatingRecord,
)
from bot.core.sender_chats import sender_reach
from bot.core.work import Work
from bot.present.i18n import _
from bot.present.names import unit_name
from bot.spine.callbacks import Rate
from bot.spine.messages import Button, Reply
from complaints import case as lifecycle
from complaints.case import Case
from complaints.directory import Directory
from complaints.people import Actor
from complaints.rating import Score

LINK_KEY = "case_rating_key"
LINK_PATH = "/danh-gia/{token}"


class Needs(
        HasAccounts, HasAudit, HasCalendar, HasCases, HasFollowers, HasLimits, HasLocks,
        HasMeta, HasRatings, HasSenderChats, Protocol):
    """The repositories these use cases use."""


def score_label(value: Score) -> str:
    return {
        Score.VERY_DISSATISFIED: _("Very dissatisfied"),
        Score.DISSATISFIED: _("Dissatisfied"),
        Score.NEUTRAL: _("Neither satisfied nor dissatisfied"),
        Score.SATISFIED: _("Satisfied"),
        Score.VERY_SATISFIED: _("Very satisfied"),
    }[value]


def question(case: Case, directory: Directory) -> Reply:
    assert case.id is not None
    return Reply(
        _("How satisfied are you with how {unit} handled your PAKN {code}?").format(
            unit=unit_name(directory, case.unit), code=case.code),
        buttons=tuple((Button(score_label(value), Rate(case.id, int(value)).pack()),)
                      for value in reversed(Score)))


async def ask(work: Work[Needs], case: Case) -> None:
    """Open the case's one rating, freezing who handled it, and ask the sender."""
    assert case.id is not None
    uow, directory = work.uow, work.directory
    if not await uow.ratings.ask(RatingRecord(case.id, case.unit, case.field,
                                              case.assignee_id, work.now)):
        return
    for person, chats in await sender_reach(uow, case):
        work.owe(person, lambda: question(case, directory), case_id=case.id,
                 chats=tuple(chats))
    # Those following it raised the same problem: they are asked too, each once.
    for follower in await uow.followers.of_case(case.id):
        account = await uow.accounts.get(follower.account_id)
        if account is not None and follower.score is None:
            work.owe(account, lambda: question(case, directory), case_id=case.id,
                     chats=(follower.chat,))


async def remind(work: Work[Needs], case: Case) -> bool:
    """The one reminder to a sender who has not rated; False if already sent."""
    assert case.id is not None
    if not await work.uow.ratings.reminded(case.id, work.now):
        return False
    directory = work.directory

    def build() -> Reply:
        asked = question(case, directory)
        return Reply(_("A reminder: your opinion helps the units improve.") + "\n" + asked.text,
                     buttons=asked.buttons)
    for person, chats in await sender_reach(work.uow, case):
        work.owe(person, build, case_id=case.id, chats=tuple(chats),
                 key=f"rate-remind:{case.id}")
    return True


async def rate(work: Work[Needs], case: Case, sender: Actor, value: Score) -> bool:
    """Record the sender's rating of the case; False when it was rated before."""
    assert case.id is not None
    if not await work.uow.ratings.rate(case.id, int(value), work.now):
        return False
    lifecycle.record_rating(case, sender, int(value), work.now)
    await work.uow.cases.save(case)
    if value.is_low:
        readers = (await work.uow.accounts.heads(case.unit)
                   or await work.uow.accounts.members(case.unit))
        for reader in readers:
            work.owe(reader, lambda: Reply(_("{code} was rated \"{score}\" by its sender.")
                                           .format(code=case.code, score=score_label(value))),
                     key=f"rated-low:{case.id}:{reader.id}")
    return True


async def rating_token(uow: Needs, case_id: int) -> str:
    """The case's rating link token: the same every time, unguessable without the key."""
    ident = format(case_id, "x")
    return f"{ident}-{_mac(await _key(uow), ident)}"


async def case_of_token(uow: Needs, token: str) -> Case | None:
    ident, _sep, mac = token.partition("-")
    if not (0 < len(ident) <= 15 and all(c in "0123456789abcdef" for c in ident)):
        return None
    if not hmac.compare_digest(mac.encode("utf-8", "replace"),
                               _mac(await _key(uow), ident).encode()):
        return None
    return await uow.cases.get(int(ident, 16))


async def _key(uow: Needs) -> bytes:
    return await deployment_key(uow, LINK_KEY)


def _mac(key: bytes, ident: str) -> str:
    digest = hmac.new(key, f"case-rating:{ident}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22].replace("-", "_")
