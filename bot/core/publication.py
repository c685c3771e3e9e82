"""Use cases of publishing a resolved case's texts: the anonymiser's proposal, a person's
approval of the texts exactly as they will appear (re-checked by the anonymiser), the
decision not to publish, and the withdrawal of a publication.

Rules (complaints.publication): Luật 91/2025/QH15 and Nghị định 356/2025/NĐ-CP on
personal data; nothing a citizen wrote is published before staff of the case's unit or
an administrator approved the redacted text; never while the case is open."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.core.ports import HasAudit, HasLocks, HasPublications
from complaints.case import Case, Status, check_text
from complaints.errors import InvalidTransition, NotAllowed
from complaints.people import Actor
from complaints.privacy import anonymise
from complaints.publication import (
    TEXT_MAX,
    TEXT_MIN,
    Decision,
    Publication,
    coarse,
    known_details,
    may_decide,
    personal_data,
)

STALE = "decided_meanwhile"
"""The state a form was filled against is no longer the case's."""


class Needs(HasAudit, HasLocks, HasPublications, Protocol):
    """The repositories these use cases use."""


@dataclass(frozen=True)
class Proposal:
    """What a person deciding is shown: the decision in force (if any) and the
    anonymiser's texts to edit."""

    case: Case
    publication: Publication | None
    question: str
    answer: str
    blanked: int
    """How many details the anonymiser blanked in the two texts."""
    latitude: float | None
    longitude: float | None
    """The place as it would be published (rounded), if the sender gave one."""

    @property
    def seen(self) -> str:
        return seen(self.publication)


@dataclass(frozen=True)
class Approval:
    """An approval, or why it waits: `findings` are what the anonymiser still sees in the
    texts; unless the person confirmed they are not personal data, nothing is stored."""

    publication: Publication | None
    findings: tuple[str, ...]


def seen(publication: Publication | None) -> str:
    return publication.seen if publication is not None else ""


async def in_force(uow: Needs, case: Case) -> Publication | None:
    """The decision on the case as it stands (one taken before a reopening is not)."""
    assert case.id is not None
    publication = await uow.publications.get(case.id)
    return publication if publication is not None and publication.holds_for(case) else None


async def propose(uow: Needs, actor: Actor, case: Case, now: datetime) -> Proposal:
    """The texts the anonymiser would publish, for a person to read and edit."""
    _check(actor, case, "publish")
    known = known_details(case)
    question = anonymise(case.text, *known)
    answer = anonymise(case.answer or "", *known)
    blanked = (len(personal_data(case.text, case))
               + len(personal_data(case.answer or "", case)))
    place = case.location
    return Proposal(case, await in_force(uow, case), question, answer, blanked,
                    coarse(place.latitude) if place else None,
                    coarse(place.longitude) if place else None)


async def approve(uow: Needs, actor: Actor, case: Case, question: str, answer: str,
                  now: datetime, *, location: bool = False, confirmed: bool = False,
                  seen_state: str | None = None) -> Approval:
    """Publish the texts exactly as given. What the anonymiser still finds in them is
    returned, and they are stored only if the person confirmed, having seen it."""
    current = await _decide(uow, actor, case, "publish", seen_state)
    question = check_text(question, TEXT_MIN, TEXT_MAX)
    # A case resolved without a written answer (history) has none to publish.
    answer = check_text(answer, TEXT_MIN, TEXT_MAX) if answer.strip() or case.answer else ""
    findings = tuple(personal_data(question, case) + personal_data(answer, case))
    if findings and not confirmed:
        return Approval(None, findings)
    assert case.id is not None and case.resolved_at is not None
    place = case.location if location else None
    publication = Publication(
        case.id, Decision.APPROVED, case.resolved_at, case.reopened_at,
        decided_by=actor.account_id, decided_at=now, question=question,
        answer=answer or None, latitude=coarse(place.latitude) if place else None,
        longitude=coarse(place.longitude) if place else None,
        approved_by=actor.account_id, approved_at=now)
    await _store(uow, actor, case, publication, current, now, findings=len(findings))
    return Approval(publication, findings)


async def reject(uow: Needs, actor: Actor, case: Case, now: datetime, *,
                 seen_state: str | None = None) -> Publication:
    """Decide not to publish the case's texts (its facts stay public)."""
    current = await _decide(uow, actor, case, "reject", seen_state)
    if current is not None and current.status is Decision.APPROVED:
        raise InvalidTransition("reject", "published")  # that is a withdrawal
    assert case.id is not None and case.resolved_at is not None
    publication = Publication(case.id, Decision.REJECTED, case.resolved_at,
                              case.reopened_at, actor.account_id, now)
    await _store(uow, actor, case, publication, current, now)
    return publication


async def withdraw(uow: Needs, actor: Actor, case: Case, now: datetime, *,
                   seen_state: str | None = None) -> Publication:
    """Take a publication down: the texts are no longer served, nor kept for it; who
    approved them and when stay on record."""
    current = await _decide(uow, actor, case, "withdraw", seen_state)
    if current is None or current.status is not Decision.APPROVED:
        raise InvalidTransition("withdraw", "not_published")
    publication = replace(current, status=Decision.WITHDRAWN, question=None, answer=None,
                          latitude=None, longitude=None, decided_by=actor.account_id,
                          decided_at=now)
    await _store(uow, actor, case, publication, current, now)
    return publication


def _check(actor: Actor, case: Case, action: str) -> None:
    if not may_decide(actor, case):
        raise NotAllowed(action)
    if case.status is not Status.RESOLVED:
        raise InvalidTransition(action, case.status)  # open cases are never published


async def _decide(uow: Needs, actor: Actor, case: Case, action: str,
                  seen_state: str | None) -> Publication | None:
    _check(actor, case, action)
    assert case.id is not None
    await uow.lock(f"publication:{case.id}")
    current = await in_force(uow, case)
    if seen_state is not None and seen_state != seen(current):
        raise InvalidTransition(action, STALE)
    return current


async def _store(uow: Needs, actor: Actor, case: Case, publication: Publication,
                 before: Publication | None, now: datetime, **data: object) -> None:
    await uow.publications.save(publication, case.code)
    await uow.audit.record(actor.account_id, f"publication.{publication.status.value}", {
        "case_id": case.id, "code": case.code,
        "before": before.status.value if before else None, **data}, now)
