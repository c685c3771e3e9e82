"""Staff administration: who works where, and taking someone's rights away.

A revoked person becomes a citizen again at once: every button and page checks the
person's role when it is used (the dispatcher reads the account for each message, the
dashboard for each request), so their pending buttons refuse from the next press; their
dashboard sessions end; the open cases they claimed go back to their unit, unclaimed,
with an event in each case's history. Moving a person to another unit returns their
claims the same way (they no longer act on the old unit's cases). Both are audited."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.ports import HasAccounts, HasAudit, HasCases, HasDirectory, HasSignIns
from complaints import case as lifecycle
from complaints.errors import NotAllowed
from complaints.people import STAFF_ROLES, Account, Actor, Role

REVOKED, MOVED = "revoked", "moved"


class Needs(HasAccounts, HasAudit, HasCases, HasDirectory, HasSignIns, Protocol):
    """The repositories these use cases use."""


@dataclass(frozen=True)
class Member:
    account: Account
    claimed: int
    """Open cases the person has claimed."""


@dataclass(frozen=True)
class Changed:
    """What revoking or moving a person did."""

    account: Account
    released: list[str]
    """The tracking codes of the cases given back to the unit."""
    sessions_ended: int = 0


async def members(uow: Needs, unit: str | None) -> list[Member]:
    """Staff, heads and administrators; of one unit when `unit` is given."""
    return [Member(account, len(await uow.cases.claimed_open(account.id)))
            for account in await uow.accounts.staff(unit)]


async def _staff_member(uow: Needs, account_id: int) -> Account:
    account = await uow.accounts.get(account_id)
    if account is None:
        raise NotAllowed("unknown account")
    if account.role is Role.CITIZEN:
        raise NotAllowed("not staff")
    return account


async def _release_claims(uow: Needs, actor: Actor | None, account_id: int,
                          now: datetime, why: str) -> list[str]:
    released = []
    for case in await uow.cases.claimed_open(account_id):
        lifecycle.release(case, actor, now, why)
        await uow.cases.save(case)
        released.append(case.code)
    return released


async def revoke(uow: Needs, actor: Actor | None, account_id: int,
                 now: datetime) -> Changed:
    account = await _staff_member(uow, account_id)
    await uow.accounts.set_role(account.id, Role.CITIZEN, None)
    sessions = await uow.web.sign_out_everywhere(account.id, now)
    released = await _release_claims(uow, actor, account.id, now, REVOKED)
    await uow.audit.record(actor.account_id if actor else None, "staff_revoked",
                           {"account": account.id, "role": account.role.value,
                            "unit": account.unit, "released": released}, now)
    return Changed(account, released, sessions)


async def move(uow: Needs, actor: Actor | None, account_id: int, unit: str,
               now: datetime) -> Changed:
    account = await _staff_member(uow, account_id)
    if account.role not in STAFF_ROLES:
        raise NotAllowed("administrators have no unit")
    if not (await uow.directory.load()).has_unit(unit):
        raise NotAllowed("unknown unit")
    if account.unit == unit:
        return Changed(account, [])
    await uow.accounts.set_role(account.id, account.role, unit)
    released = await _release_claims(uow, actor, account.id, now, MOVED)
    await uow.audit.record(actor.account_id if actor else None, "staff_moved",
                           {"account": account.id, "from_unit": account.unit,
                            "to_unit": unit, "released": released}, now)
    return Changed(account, released)
