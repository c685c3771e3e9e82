"""The names of the directory's codes in the reader's language (the code itself when the
directory no longer has it), for every door and use case."""

from bot.present.i18n import _, current_language
from complaints.directory import Directory
from complaints.intake import ConsentBasis, Origin
from complaints.people import Role


def field_name(directory: Directory, code: str) -> str:
    return directory.field(code).name.in_language(current_language()) \
        if directory.has_field(code) else code


def unit_name(directory: Directory, code: str) -> str:
    """A current unit's name, or a former one's (the code if neither)."""
    unit = directory.known_unit(code)
    return unit.name.in_language(current_language()) if unit else code


def area_name(directory: Directory, code: str | None) -> str:
    if code is None:
        return _("Province level / not sure")
    return directory.area(code).name.in_language(current_language()) \
        if directory.has_area(code) else code


def procedure_name(directory: Directory, code: str) -> str:
    return directory.procedure(code).name.in_language(current_language()) \
        if directory.has_procedure(code) else code


def role_name(role: Role) -> str:
    return {Role.CITIZEN: _("citizen"), Role.STAFF: _("staff"), Role.HEAD: _("head of unit"),
            Role.ADMIN: _("administrator")}[role]


def scope_name(scope: str) -> str:
    """What an API key may do, in words (the scope itself for one this version does not
    know)."""
    return {"open311": _("file PAKN (Open311)"),
            "dossiers:write": _("push dossiers")}.get(scope, scope)


def channel_name(code: str) -> str:
    """How a case or rating came in, in words; the code itself for one this version does
    not know (a channel of an imported history, say)."""
    names = {"telegram": _("Telegram"), "zalo_bot": _("Zalo"), "zalo_oa": _("Zalo OA"),
             "webchat": _("Web chat"), "dashboard": _("Dashboard"),
             "open311": _("Open311 app"), "paper": _("Paper form"),
             "import": _("Imported history"), "phone": _("Phone (hotline 1022)"),
             "letter": _("Letter"), "in_person": _("In person"), "email": _("Email"),
             "sms": _("SMS"),
             "other": _("Other")}
    return names.get(code, code)


CHANNELS = ("telegram", "zalo_bot", "zalo_oa", "webchat", "dashboard", "open311", "paper",
            "import", "sms", *(origin.value for origin in Origin))
"""Every channel a case or rating can come from, for filters and code lists."""


def consent_name(basis: ConsentBasis) -> str:
    return {ConsentBasis.ORAL: _("given orally"),
            ConsentBasis.WRITTEN: _("given in writing")}[basis]
