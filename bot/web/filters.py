"""The filter forms of the pages (indicators, cases, dossiers, publication queue, exports,
the public results and cases): their query read field by field. A value that does not
fit is that field's mistake, kept to be shown beside it; the page then answers 400 with
its form as entered and the mistakes marked, instead of a page of results."""

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.present.i18n import _
from bot.present.names import CHANNELS
from bot.web import params
from complaints.directory import Directory
from surveys.periods import Period
from surveys.report import AsOf, Scope

T = TypeVar("T")
CODE_MAX = 64


def known_units(directory: Directory) -> list[str]:
    """The units a filter may name: today's, and those merged away, whose records stay."""
    return [unit.code for unit in (*directory.units, *directory.former_units)]


class Filters:
    def __init__(self, query: Mapping[str, str]) -> None:
        self.query = query
        self._mistakes: dict[str, Callable[[], str]] = {}

    def _read(self, name: str, read: Callable[[], T], default: T,
              words: Callable[[], str]) -> T:
        try:
            return read()
        except params.BadInput:
            self._mistakes[name] = words
            return default

    def text(self, name: str, limit: int = params.TEXT_MAX) -> str:
        return self._read(name, lambda: params.text(self.query, name, limit), "",
                          lambda: _("At most {limit} characters.").format(limit=limit))

    def number(self, name: str, default: int, low: int, high: int) -> int:
        return self._read(name, lambda: params.int_param(self.query, name, default, low, high),
                          default, lambda: _("Write a whole number from {low} to {high}.")
                          .format(low=low, high=high))

    def period(self, name: str, default: str, timezone: ZoneInfo) -> Period | None:
        """The period asked for (`default` when not given; none when that is empty)."""
        if not default and not self.text(name, 40):
            return None
        return self._read(
            name, lambda: params.period_param(self.query, name, default, timezone), None,
            lambda: _("Write a period as 2026, 2026-Q1, 2026-H1, 2026-9M, 2026-03 or "
                      "2026-01-01..2026-03-31."))

    def choice(self, name: str, allowed: Iterable[str], default: str = "") -> str:
        """One of the form's choices (`default` when not given)."""
        value = self.text(name, CODE_MAX)
        if not value or name in self._mistakes:
            return default
        if value in set(allowed):
            return value
        self._mistakes[name] = lambda: _("“{value}” is not one of the choices: pick one "
                                         "from the list.").format(value=value)
        return default

    def report(self, directory: Directory, default_period: str, timezone: ZoneInfo,
               ) -> tuple[Period | None, Scope, AsOf]:
        """What a report of indicators is asked for: its period, its scope (a unit, a
        field, a procedure, a channel) and the organisation it counts under."""
        period = self.period("period", default_period, timezone)
        scope = Scope(unit=self.choice("unit", known_units(directory)) or None,
                      field=self.choice("field", (f.code for f in directory.fields)) or None,
                      procedure=self.choice("procedure",
                                            (p.code for p in directory.procedures)) or None,
                      channel=self.choice("channel", CHANNELS) or None)
        as_of = AsOf(self.choice("as_of", tuple(AsOf), AsOf.NOW.value))
        return period, scope, as_of

    def refuse(self) -> None:
        """For what has no form (a chart, a file): the first mistake, refused as a page."""
        for name, words in self._mistakes.items():
            raise params.BadInput(name, words)

    @property
    def wrong(self) -> bool:
        return bool(self._mistakes)

    def mistakes(self) -> dict[str, str]:
        """Each wrong field's mistake in the current locale."""
        return {name: words() for name, words in self._mistakes.items()}

    def entered(self) -> dict[str, str]:
        """The query as entered, for the form and the links to other pages of results."""
        return {name: value for name, value in self.query.items() if value}
