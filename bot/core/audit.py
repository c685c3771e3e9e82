"""Refusals on record: who tried what, on which case, and why it was refused.

A refused action changes nothing: what it did is rolled back. The attempt itself is
kept, outside what was rolled back: in the transaction of the message that made it, or
in one of its own for a request on the dashboard (bot/web/session.py).
"""

from datetime import datetime
from typing import Any, Protocol

from bot.core.ports import HasRefusals, Refusal
from bot.present.errors import Refused
from bot.spine.callbacks import unpack
from bot.spine.messages import IncomingMessage, Kind
from complaints.errors import ComplaintsError, InvalidTransition, NotAllowed


class Needs(HasRefusals, Protocol):
    """The repositories these use cases use."""


def reason_of(error: ComplaintsError) -> str | None:
    """Why an action was refused; None for an error that is no refusal (a text too short
    is a mistake to correct, not an action refused)."""
    if isinstance(error, Refused):
        return error.reason
    if isinstance(error, InvalidTransition):
        return f"case_state:{error.status}"
    if isinstance(error, NotAllowed):
        return f"not_allowed:{error}"
    return None


def attempt_of(message: IncomingMessage, state: str) -> str:
    """What was tried, as the person tried it: the button pressed, the command, or the
    step of a conversation a message answered."""
    if message.kind is Kind.BUTTON:
        return f"button {message.payload}"
    if message.kind is Kind.COMMAND:
        return f"/{message.command}"
    return f"{message.kind.value} at {state}"


def case_of(error: ComplaintsError, message: IncomingMessage,
            data: dict[str, Any]) -> int | None:
    """The case the attempt was on: named by the error, the button, or the step."""
    if isinstance(error, Refused) and error.case_id is not None:
        return error.case_id
    payload = unpack(message.payload) if message.kind is Kind.BUTTON else None
    case_id = getattr(payload, "case_id", None) or data.get("case_id")
    return case_id if isinstance(case_id, int) else None


async def record(uow: Needs, *, account_id: int, channel: str, update_key: str | None,
                 action: str, case_id: int | None, reason: str, now: datetime) -> None:
    await uow.refusals.add(Refusal(account_id=account_id, channel=channel,
                                   update_key=update_key, action=action, case_id=case_id,
                                   reason=reason, at=now))
