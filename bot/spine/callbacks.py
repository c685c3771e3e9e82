"""Typed button payloads: a short prefix and fields, packed into Telegram's 64 bytes.

Handlers match on these types, never on translated labels. Anything that does not
unpack (a forged or outdated payload) is reported as None and refused politely.
"""

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar

from bot.core.actions import StaffAction

LIMIT = 64
MAX_DIGITS = 18
"""An id of up to 18 digits fits a signed 64-bit column (BIGINT, SQLite's INTEGER)."""
_REGISTRY: dict[str, type["Payload"]] = {}


class Payload:
    prefix: ClassVar[str]

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix in _REGISTRY:
            raise ValueError(f"payload prefix {prefix!r} used twice")
        cls.prefix = prefix
        _REGISTRY[prefix] = cls

    def pack(self) -> str:
        # Fields one by one: astuple would copy each value deeply, and they are flat.
        parts = [self.prefix, *(str(getattr(self, field.name))
                                for field in fields(self))]  # type: ignore[arg-type]
        if any(":" in part for part in parts[1:]):
            raise ValueError("payload fields may not contain ':'")
        packed = ":".join(parts)
        if len(packed.encode()) > LIMIT:
            raise ValueError(f"payload {packed!r} is longer than {LIMIT} bytes")
        return packed


def unpack(data: str | None) -> Payload | None:
    if not data:
        return None
    prefix, *values = data.split(":")
    cls = _REGISTRY.get(prefix)
    if cls is None:
        return None
    spec = fields(cls)  # type: ignore[arg-type]
    if len(values) != len(spec):
        return None
    converted: list[int | str] = []
    for spec_field, value in zip(spec, values, strict=True):
        kind = spec_field.type
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            try:
                converted.append(kind(value))
            except ValueError:  # not one of its values
                return None
        elif kind in (int, "int"):
            # Plain ASCII digits only: int() would also take signs, blanks, "_" and
            # other scripts' digits, which no payload we make contains; and no more of
            # them than a database id has (a longer one overflows the column's type).
            if not (value.isascii() and value.isdigit()) or len(value) > MAX_DIGITS:
                return None
            converted.append(int(value))
        else:
            converted.append(value)
    return cls(*converted)


# --- conversation steps ------------------------------------------------------------------

@dataclass(frozen=True)
class Choose(Payload, prefix="ch"):
    """An option chosen in a dialog step; valid only while the chat is at that step."""

    step: str
    value: str


@dataclass(frozen=True)
class Menu(Payload, prefix="mn"):
    """A main-menu shortcut: file, status, help, language."""

    action: str


@dataclass(frozen=True)
class Consent(Payload, prefix="cs"):
    version: str


@dataclass(frozen=True)
class Language(Payload, prefix="lg"):
    code: str


@dataclass(frozen=True)
class Erase(Payload, prefix="xd"):
    """The answer to "delete my personal data?": yes or no."""

    answer: str


# --- case actions ------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseAction(Payload, prefix="ca"):
    """A button on a case card, or the inbox's button opening one."""

    action: StaffAction
    case_id: int


@dataclass(frozen=True)
class TransferTo(Payload, prefix="tt"):
    case_id: int
    unit: str


@dataclass(frozen=True)
class AnswerCase(Payload, prefix="ac"):
    """Citizen's button under a question from staff: my next message answers it."""

    case_id: int


@dataclass(frozen=True)
class ReplyCase(Payload, prefix="rc"):
    """The citizen's message goes to this one of their cases (several await an answer)."""

    case_id: int


@dataclass(frozen=True)
class SimilarChoice(Payload, prefix="sm"):
    """Shown similar cases while filing: follow this one, or file mine anyway (case 0)."""

    action: str
    case_id: int


@dataclass(frozen=True)
class StaffStep(Payload, prefix="ss"):
    """A button in a staff dialog about a case: confirm the final answer, or cancel."""

    step: str
    case_id: int


# --- the citizen rates the handling --------------------------------------------------------

@dataclass(frozen=True)
class Rate(Payload, prefix="rt"):
    case_id: int
    score: int


@dataclass(frozen=True)
class RateStep(Payload, prefix="rs"):
    """After a rating: a reason for a low one, reopen or not, skip the comment."""

    step: str
    case_id: int


# --- the satisfaction survey of a procedure --------------------------------------------------

@dataclass(frozen=True)
class SurveyChoice(Payload, prefix="sc"):
    """A choice in the survey: field, procedure, place, resume or restart, skip, PAKN."""

    step: str
    value: str


@dataclass(frozen=True)
class Answer(Payload, prefix="an"):
    """A level of the five-level scale given to one question."""

    question: str
    score: int


# --- dossiers of administrative procedures ---------------------------------------------------

@dataclass(frozen=True)
class DossierAction(Payload, prefix="ds"):
    """On a dossier: rate it (a follower), write its apology (its unit's staff)."""

    action: str
    dossier_id: int


@dataclass(frozen=True)
class FollowCase(Payload, prefix="fc"):
    """Following the PAKN of a tracking code in this chat: "send" a code by SMS to its
    phone, or "share" the person's own number."""

    action: str
    code: str


# --- staff take a PAKN for a citizen ----------------------------------------------------

@dataclass(frozen=True)
class TakeStep(Payload, prefix="ti"):
    """A button of the staff intake dialog; valid only while the chat is at that step."""

    step: str
    value: str
