"""The exception tree of the PAKN domain; the bot maps each to a user message."""


class ComplaintsError(Exception):
    """Base of every domain error."""


class NotAllowed(ComplaintsError):
    """The actor may not perform this action on this case."""


class InvalidTransition(ComplaintsError):
    """The action does not apply to the case in its current state."""

    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"{action} is not possible while the case is {status}")
        self.action = action
        self.status = status


class ValidationError(ComplaintsError):
    """Input from a person does not meet the rules (length, phone number, ...)."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


class DirectoryError(ComplaintsError):
    """A directory file is malformed; `line` points at the offending entry."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        where = f"line {line}: " if line else ""
        super().__init__(f"{where}{reason}")
        self.reason = reason
        self.line = line
