"""The exception tree of the surveys domain."""


class SurveysError(Exception):
    """Base of every surveys error."""


class PeriodError(SurveysError):
    """A period is not written in one of the accepted forms."""


class QuestionnaireError(SurveysError):
    """A questionnaire file is malformed."""


class ImportRejected(SurveysError):
    """A file to import has a bad row; nothing of it was imported."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason
