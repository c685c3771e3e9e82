"""The citizen's rating of how their PAKN was handled: the five-level scale of the
satisfaction surveys, the reasons asked after a low rating."""

from enum import IntEnum, StrEnum

from complaints.errors import ValidationError


class Score(IntEnum):
    VERY_DISSATISFIED = 1
    DISSATISFIED = 2
    NEUTRAL = 3
    SATISFIED = 4
    VERY_SATISFIED = 5

    @property
    def is_low(self) -> bool:
        """Low ratings ask for the reason and offer to reopen the case."""
        return self <= Score.DISSATISFIED

    @property
    def is_satisfied(self) -> bool:
        """Counted as satisfied by the indicators: Hài lòng or Rất hài lòng."""
        return self >= Score.SATISFIED


class LowReason(StrEnum):
    TOO_SLOW = "too_slow"
    UNCLEAR = "unclear"
    NOT_SOLVED = "not_solved"
    ATTITUDE = "attitude"
    OTHER = "other"


def score(value: int) -> Score:
    try:
        return Score(value)
    except ValueError:
        raise ValidationError("score_invalid", value=value) from None
