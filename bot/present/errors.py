"""Domain errors as words for the person who caused them: the one place they are mapped."""

from bot.present.i18n import _
from complaints.errors import ComplaintsError, InvalidTransition, NotAllowed, ValidationError


class Refused(NotAllowed):
    """A refusal in words of its own: a command or a button that is not for this person,
    or not valid at this step. Said as it is, and recorded like every refusal."""

    def __init__(self, reason: str, text: str, case_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.text = text
        self.case_id = case_id


def stale_button(case_id: int | None = None, reason: str = "stale_button") -> Refused:
    """A button from an earlier step, or one we never made."""
    return Refused(reason, _("This button is no longer valid. Send /trogiup to see what you "
                             "can do."), case_id)


def explain(error: ComplaintsError) -> str:
    if isinstance(error, Refused):
        return error.text
    if isinstance(error, NotAllowed):
        return _("Sorry, you cannot do that on this case.")
    if isinstance(error, InvalidTransition):
        return {
            "already_yours": _("You are already handling this case."),
            "claimed_by_other": _("Another colleague is already handling this case."),
            "same_unit": _("The case is already with that unit."),
            "unknown_unit": _("There is no such unit in the directory."),
            "resolved": _("This case has already been resolved; nothing was changed."),
            "already_extended": _("A new date was already given once for this case; the "
                                  "rules allow only one."),
            "already_reopened": _("This case was already reopened once."),
            "no_such_case": _("There is no case with that code."),
            "same_case": _("A case cannot be merged into itself."),
            "already_following": _("You already follow this PAKN."),
            "own_case": _("This is your own PAKN: you already get its answer."),
        }.get(error.status, _("That action is no longer possible for this case."))
    if isinstance(error, ValidationError):
        if error.code == "text_too_short":
            return _("That is too short: please write at least {minimum} characters "
                     "(you wrote {length}).").format(**error.details)
        if error.code == "text_too_long":
            return _("That is too long: please keep it under {maximum} characters "
                     "(you wrote {length}).").format(**error.details)
        if error.code == "phone_invalid":
            return _("That does not look like a Vietnamese phone number. Please write it "
                     "like 0912 345 678 (mobile) or 0251 3871 234 (landline).")
        if error.code == "date_invalid":
            return _("Please write the date as dd/mm/yyyy, e.g. 23/03/2026.")
        if error.code == "date_not_working_day":
            return _("That day is not a working day. Please choose a working day.")
        if error.code == "new_date_too_early":
            return _("The new date must come after the date now promised.")
        if error.code == "name_missing":
            return _("The sender's name is required: the rules do not accept an anonymous "
                     "PAKN.")
        if error.code == "address_missing":
            return _("The sender's address is required, so that an answer can be sent.")
        if error.code == "email_invalid":
            return _("That does not look like an email address (like ten@example.vn).")
        if error.code == "received_in_future":
            return _("The time of receipt cannot be later than now.")
        if error.code == "received_too_early":
            return _("The time of receipt cannot be more than {days} days ago.").format(
                **error.details)
        if error.code == "time_invalid":
            return _("Write the time and date like 14:30 05/12/2026, or \"now\".")
        if error.code in ("field_unknown", "area_unknown", "choice_invalid"):
            return _("Please choose one of the options given.")
        if error.code == "score_invalid":
            return _("Please choose one of the five answers.")
    return _("Sorry, that could not be done.")
