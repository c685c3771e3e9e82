"""Cells that a spreadsheet will show, never run: the one function every CSV and XLSX
writer of the service passes its cells through.

OWASP's CSV injection guidance: a cell beginning with `=`, `+`, `-`, `@`, a tab or a
carriage return may be read as a formula by Excel, LibreOffice or Google Sheets; such
a cell is prefixed with a single quote. Spreadsheet programs skip leading blanks before
a formula, and some take the full-width signs of East Asian input methods as formula
signs too, so those are caught as well. Text only: numbers, dates and booleans are
written as what they are. For XLSX, a neutralised text never starts with `=`, the only
thing openpyxl writes as a formula, and the control characters XML cannot carry (which
would make openpyxl refuse the whole workbook) are dropped."""

import re
from typing import Any

PREFIX = "'"
_FORMULA = re.compile(r"\s*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]")
"""Blanks (any Unicode white space), then a formula sign, a tab or a carriage return."""
NOT_IN_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
"""openpyxl's ILLEGAL_CHARACTERS_RE (a test holds them equal), written here so that
writing a CSV does not load openpyxl and, through it, numpy."""


def safe_cell(value: Any) -> Any:
    """The value as a CSV or XLSX cell that cannot be taken for a formula."""
    if isinstance(value, str) and _FORMULA.match(value):
        return PREFIX + value
    return value


def safe_xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        return safe_cell(NOT_IN_XML.sub("", value))
    return value


def safe_row(values: list[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def safe_xlsx_row(values: list[Any]) -> list[Any]:
    return [safe_xlsx_cell(value) for value in values]
