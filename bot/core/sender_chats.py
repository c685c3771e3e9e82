"""The sender's chats: besides the chat a PAKN was filed from (or the phone or email staff
took it with, bot.delivery.notify.sender_chats), a chat that proved it holds the phone on the case
speaks for its sender. This is not the following of a case by other citizens who raised
the same problem (bot.core.similar): those get a redacted answer and rate apart.

Following a PAKN from another chat: a citizen whose PAKN staff took by phone, letter
or at the desk (or who filed it from another app) gives its tracking code in a chat;
a one-time code goes by SMS to the phone on the case, and once it is typed in that chat
(or, on Telegram, the person shares their own number and it matches) the chat gets the
case's news from then on: the answer, a request for information, the apology, the
rating request. The sender may ask for the status of their PAKN at any time (Nghị định
20/2008/NĐ-CP, art. 9); the phone is theirs to prove, never shown (only masked).

Codes live ten minutes; five wrong tries spend a code; codes sent are limited per
case and per person (an SMS costs money and reaches someone's phone)."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.core.ports import (
    Chat,
    HasAccounts,
    HasAudit,
    HasCalendar,
    HasCases,
    HasLimits,
    HasSenderChats,
)
from bot.core.work import Work
from bot.delivery.notify import sender_chats
from bot.present.i18n import _
from bot.spine.messages import Reply
from complaints.case import Case
from complaints.codes import parse_tracking_code
from complaints.errors import NotAllowed, ValidationError
from complaints.people import Account, Actor
from complaints.phone import mask_phone, normalize_phone

SMS = "sms"
CODE_LIFE = timedelta(minutes=10)
CODE_TRIES = 5
"""Wrong tries on one code; then it is spent and a new one must be asked for."""
SENDS_PER_CASE, SENDS_PER_PERSON, SEND_WINDOW = 3, 5, 86400.0
"""Codes sent in a day for one case, and asked for by one person."""


class Needs(HasAccounts, HasAudit, HasCalendar, HasCases, HasLimits, HasSenderChats, Protocol):
    """The repositories these use cases use."""


@dataclass(frozen=True)
class Attaching:
    """What became of a try to follow a case here: "sent" (a code went to the phone,
    `masked`), "followed", "already" (this chat follows it), "no_case" (no case with
    that code can be followed by phone), "too_many" (codes asked for too often),
    "wrong" (`left` tries remain), "expired" (no code waiting, or spent), "own" (the
    person may see it already)."""

    result: str
    case: Case | None = None
    masked: str | None = None
    left: int = 0


async def sender_followers(uow: Needs, case: Case) -> list[tuple[Account, Chat]]:
    """Those who proved they hold the case's phone, with the chat each proved it in."""
    assert case.id is not None
    found = []
    for follow in await uow.sender_chats.of_case(case.id):
        account = await uow.accounts.get(follow.account_id)
        if account is not None:
            found.append((account, follow.chat))
    return found


async def sender_reach(uow: Needs, case: Case) -> list[tuple[Account, list[Chat]]]:
    """Every chat the sender is written to, with the account each is written as: the
    case's reply chat (the chat it was filed from, or the phone or email staff took it
    with) and the chats that proved its phone. Every message owed to the sender (the
    answer, a request for information, the apology, the rating request and its reminder,
    a merge) goes through here. None once the sender erased their data."""
    if case.contact.erased:
        return []
    reach: list[tuple[Account, list[Chat]]] = []
    citizen = await uow.accounts.get(case.citizen_id)
    if citizen is not None and sender_chats(case):
        reach.append((citizen, sender_chats(case)))
    reach.extend((account, [chat]) for account, chat in await sender_followers(uow, case))
    return reach


async def speaks_for(uow: Needs, case: Case, account: Account) -> bool:
    """The sender of the case, or someone who proved they hold its phone."""
    if account.id == case.citizen_id:
        return True
    return any(a.id == account.id for a, _chat in await sender_followers(uow, case))


async def sender_actor(uow: Needs, case: Case, actor: Actor) -> Actor:
    """Who acts on the case for its sender: they themselves, or, from one of the sender's
    chats that proved the phone, the sender (the history names the sender)."""
    if actor.account_id == case.citizen_id:
        return actor
    if not any(a.id == actor.account_id for a, _chat in await sender_followers(uow, case)):
        raise NotAllowed("provide_info")
    citizen = await uow.accounts.get(case.citizen_id)
    if citizen is None:
        raise NotAllowed("provide_info")
    return citizen.as_actor()


async def send_code(work: Work[Needs], account: Account, chat: Chat, code: str) -> Attaching:
    """Send a one-time code to the phone on the case, for this chat to follow it."""
    limits = work.uow.limits
    if not await limits.take(f"sender-chat:person:{account.id}", SENDS_PER_PERSON,
                             SEND_WINDOW, work.now):
        return Attaching("too_many")
    case = await _case(work.uow, code)
    phone = _phone(case)
    if case is None or case.id is None or phone is None:
        return Attaching("no_case")
    if await speaks_for(work.uow, case, account):
        return Attaching("own", case)
    if not await limits.take(f"sender-chat:case:{case.id}", SENDS_PER_CASE, SEND_WINDOW,
                             work.now):
        return Attaching("too_many", case)
    citizen = await work.uow.accounts.get(case.citizen_id)
    if citizen is None:
        return Attaching("no_case")
    secret = f"{secrets.randbelow(10 ** 6):06d}"
    await work.uow.sender_chats.offer_code(case.id, account.id, chat,
                                           _hash(case.id, chat, secret),
                                           work.now + CODE_LIFE, work.now)

    def message() -> Reply:
        return Reply(_("{code} is your code to follow PAKN {case} in a chat. It is valid "
                       "for 10 minutes. Do not give it to anyone.").format(
            code=secret, case=case.code), sensitive=True)
    # Each code its own message (a key made of the time alone could join two).
    work.owe(citizen, message, key=f"sender-chat:{case.id}:{secrets.token_hex(8)}",
             chats=(Chat(SMS, phone),))
    return Attaching("sent", case, masked=mask_phone(phone))


async def confirm_code(work: Work[Needs], account: Account, chat: Chat, case_id: int,
                       typed: str) -> Attaching:
    """The code typed in the chat: right, the chat follows the case from now on."""
    case = await work.uow.cases.get(case_id)
    follow = await work.uow.sender_chats.get(case_id, chat)
    if case is None or _phone(case) is None or follow is None or follow.code_hash is None \
            or follow.code_expires_at is None or follow.code_expires_at <= work.now \
            or follow.wrong_tries >= CODE_TRIES:
        return Attaching("expired", case)
    digits = "".join(typed.split())
    if hmac.compare_digest(_hash(case_id, chat, digits[:12]).encode(),
                           follow.code_hash.encode()):
        return await _follow(work, account, chat, case, "sms")
    wrong = await work.uow.sender_chats.wrong_try(case_id, chat)
    left = max(0, CODE_TRIES - wrong)
    return Attaching("wrong" if left else "expired", case, left=left)


async def follow_by_contact(work: Work[Needs], account: Account, chat: Chat, code: str,
                            shared_phone: str) -> Attaching:
    """The person's own number, shared from the chat app (Telegram vouches that it is
    theirs): a match follows at once. Wrong numbers are limited per person."""
    if not await work.uow.limits.take(f"sender-chat:contact:{account.id}", CODE_TRIES,
                                      SEND_WINDOW, work.now):
        return Attaching("too_many")
    case = await _case(work.uow, code)
    phone = _phone(case)
    if case is None or phone is None:
        return Attaching("no_match")
    try:
        given = normalize_phone(shared_phone)
    except ValidationError:
        given = ""
    if not hmac.compare_digest(given.encode(), phone.encode()):
        return Attaching("no_match", case)
    return await _follow(work, account, chat, case, "contact")


async def _follow(work: Work[Needs], account: Account, chat: Chat, case: Case,
                  via: str) -> Attaching:
    assert case.id is not None
    new = await work.uow.sender_chats.follow(case.id, account.id, chat, via, work.now)
    await work.uow.audit.record(account.id, "case.sender_chat", {"case": case.code, "via": via},
                                work.now)
    return Attaching("followed" if new else "already", case)


async def _case(uow: Needs, code: str) -> Case | None:
    parsed = parse_tracking_code(code)
    return await uow.cases.get_by_code(parsed) if parsed else None


def _phone(case: Case | None) -> str | None:
    """The case's phone in national form, if it has one to send a code to."""
    if case is None or case.contact.erased or not case.contact.phone:
        return None
    try:
        return normalize_phone(case.contact.phone)
    except ValidationError:
        return None


def _hash(case_id: int, chat: Chat, code: str) -> str:
    return hashlib.sha256(f"{case_id}:{chat.channel}:{chat.chat_id}:{code}".encode()).hexdigest()
