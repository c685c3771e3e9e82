"""The actions staff take on a case: one vocabulary for the chat's buttons, the
dashboard's forms and routes, and the use cases (bot.core.casework)."""

from enum import StrEnum


class StaffAction(StrEnum):
    OPEN = "open"
    """Show the case's card (chat only: the dashboard's page is the case itself)."""
    CLAIM = "claim"
    REPLY = "reply"
    ASK = "ask"
    TRANSFER = "transfer"
    APOLOGISE = "apologise"
    RESOLVE = "resolve"
    MERGE = "merge"


CHANGES = tuple(action for action in StaffAction if action is not StaffAction.OPEN)
"""The actions that change the case (the dashboard's forms)."""
