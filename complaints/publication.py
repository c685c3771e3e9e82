"""Publishing what a citizen wrote: the rules, kept apart from any door.

Publishing a PAKN's text needs a person's approval of the redacted text (Luật Bảo vệ dữ
liệu cá nhân 91/2025/QH15 and Nghị định 356/2025/NĐ-CP: a name, address, phone, ID
number, plate or account in it is personal data; Nghị định 20/2008 lets results "be
published", not the sender). So nothing a citizen wrote is public until a member of
staff of the case's unit, or an administrator, has approved the texts as they will
appear; the anonymiser (complaints.privacy) only proposes them. An open case is never
published with its text, and a decision holds for the resolution it was taken on.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from complaints.anonymiser import find, fold
from complaints.case import Case, Status, can_handle
from complaints.people import Actor
from complaints.privacy import REMOVED

TEXT_MIN, TEXT_MAX = 2, 4000
COORDINATE_DIGITS = 3
"""About 100 m: enough to map a problem, too coarse to point at someone's door."""


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    """Decided, before publication, not to publish."""
    WITHDRAWN = "withdrawn"
    """Published, then taken down."""


@dataclass(frozen=True)
class Publication:
    """The decision in force on a case's texts. Approved: exactly what is published."""

    case_id: int
    status: Decision
    case_resolved_at: datetime
    case_reopened_at: datetime | None
    """The resolution the decision was taken on (a case is reopened at most once)."""
    decided_by: int
    decided_at: datetime
    question: str | None = None
    answer: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    approved_by: int | None = None
    approved_at: datetime | None = None

    def holds_for(self, case: Case) -> bool:
        """Whether it was taken on the case as it stands (not before a reopening)."""
        return (case.status is Status.RESOLVED and case.resolved_at == self.case_resolved_at
                and case.reopened_at == self.case_reopened_at)

    @property
    def seen(self) -> str:
        """What a form shows it was filled against: a decision taken meanwhile by
        someone else makes the form stale."""
        return f"{self.status.value}:{self.decided_at.isoformat()}"


def may_decide(actor: Actor, case: Case) -> bool:
    """Staff of the case's unit and administrators."""
    return can_handle(actor, case)


def coarse(value: float | None) -> float | None:
    return None if value is None else round(value, COORDINATE_DIGITS)


def known_details(case: Case) -> tuple[str, ...]:
    """The sender's own details, as the anonymiser looks for them."""
    return tuple(v for v in (case.contact.name, case.contact.phone, case.contact.address)
                 if v and v != REMOVED)


def personal_data(text: str, case: Case) -> list[str]:
    """What the anonymiser still finds in a text: the words as written."""
    return [text[start:end] for start, end in find(text, known_details(case))]


def search_key(text: str) -> str:
    """Text as searches compare it: composed, without diacritics, lower case, single
    spaces (so "nao vet", "Nạo  vét" and "NẠO VÉT" find each other)."""
    return " ".join(fold(unicodedata.normalize("NFC", text)).casefold().split())
