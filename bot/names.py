"""The names of the directory's codes in the reader's language (the code itself when the
directory no longer has it), for every door and use case."""

from bot.i18n import _, current_language
from complaints.directory import Directory


def field_name(directory: Directory, code: str) -> str:
    return directory.field(code).name.in_language(current_language()) \
        if directory.has_field(code) else code


def unit_name(directory: Directory, code: str) -> str:
    return directory.unit(code).name.in_language(current_language()) \
        if directory.has_unit(code) else code


def area_name(directory: Directory, code: str | None) -> str:
    if code is None:
        return _("Province level / not sure")
    return directory.area(code).name.in_language(current_language()) \
        if directory.has_area(code) else code


def procedure_name(directory: Directory, code: str) -> str:
    return directory.procedure(code).name.in_language(current_language()) \
        if directory.has_procedure(code) else code
