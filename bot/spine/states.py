"""The states a chat's dialog can be in: a vocabulary per feature. Handlers set and test
states by these names, and bot.spine.routing routes free input by them, so a misspelt state is
a type error rather than a chat that silently falls back to the menu. The values are
what the database keeps (dialogs.state), unchanged."""

from enum import StrEnum


class DialogState(StrEnum):
    """A feature's states (subclassed once per feature; this one has none)."""

    @classmethod
    def holds(cls, state: str) -> bool:
        """Whether `state` (as stored) is one of this feature's."""
        return state in cls._value2member_map_

    @property
    def step(self) -> str:
        """The state within its feature: "name" for "intake.name"."""
        return self.value.rpartition(".")[2]


class MenuState(DialogState):
    IDLE = "idle"
    CONSENT = "consent"
    """Asked to agree to the processing of personal data before going on."""


class IntakeState(DialogState):
    """A citizen filing a PAKN."""

    FIELD = "intake.field"
    AREA = "intake.area"
    TEXT = "intake.text"
    ATTACH = "intake.attach"
    NAME = "intake.name"
    PHONE = "intake.phone"
    ADDRESS = "intake.address"
    CONFIRM = "intake.confirm"
    SIMILAR = "intake.similar"
    EDIT = "intake.edit"


class StaffIntakeState(DialogState):
    """Staff filing a PAKN for a citizen (from a phone call, a letter, the desk)."""

    ORIGIN = "take.origin"
    RECEIVED = "take.received"
    FIELD = "take.field"
    AREA = "take.area"
    ATTACH = "take.attach"
    CONSENT = "take.consent"
    NAME = "take.name"
    PHONE = "take.phone"
    ADDRESS = "take.address"
    EMAIL = "take.email"
    TEXT = "take.text"
    CONFIRM = "take.confirm"


class StaffState(DialogState):
    """Staff acting on a case."""

    REPLY = "staff.reply"
    ASK = "staff.ask"
    RESOLVE = "staff.resolve"
    RESOLVE_CONFIRM = "staff.resolve_confirm"
    MERGE_INTO = "staff.merge_into"
    MERGE_REASON = "staff.merge_reason"
    TRANSFER = "staff.transfer"
    TRANSFER_REASON = "staff.transfer_reason"


class ApologyState(DialogState):
    """Staff writing the apology for a late case."""

    REASON = "apology.reason"
    DATE = "apology.date"
    NAME = "apology.name"
    TITLE = "apology.title"
    CONFIRM = "apology.confirm"


class CaseState(DialogState):
    """A citizen about their case."""

    INFO = "case.info"
    """Asked for more information by staff: the next message answers."""
    PICK = "case.pick"
    """A message that may be about one of several open cases: which one."""


class CaseFollowState(DialogState):
    """A citizen following, from this chat, a case staff filed for them."""

    SHARE = "casefollow.share"
    CODE = "casefollow.code"


class RatingState(DialogState):
    """A citizen rating the handling of their case."""

    REASON = "rating.reason"
    COMMENT = "rating.comment"
    REOPEN = "rating.reopen"


class SurveyState(DialogState):
    """The satisfaction survey of a procedure."""

    RESUME = "survey.resume"
    FIELD = "survey.field"
    PROCEDURE = "survey.procedure"
    PLACE = "survey.place"
    Q = "survey.q"
    REASON = "survey.reason"
    DONE = "survey.done"


class DossierState(DialogState):
    """A citizen following a dossier."""

    CODE = "dossier.code"
    PHONE = "dossier.phone"


class DossierApologyState(DialogState):
    """Staff writing the apology for a late dossier."""

    REASON = "dossier.apology.reason"
    DATE = "dossier.apology.date"
    NAME = "dossier.apology.name"
    TITLE = "dossier.apology.title"


class PrivacyState(DialogState):
    CONFIRM = "privacy.confirm"
    """Asked to confirm erasing their data; anything but the button leaves it."""
