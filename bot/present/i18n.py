"""Translations (Babel gettext catalogs) and locale-aware formatting.

The locale is resolved per message and kept in a ContextVar, so code that builds text
calls `_()` without passing the language around; `use_locale` switches it while
building a message for someone else (a citizen notified of a staff action).
"""

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
LANGUAGES = ("vi", "en")

_current: ContextVar[str] = ContextVar("locale", default="vi")


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    # The standard library reads Babel's compiled catalogs; Babel itself (slow to import)
    # is loaded only to format dates, so that `pakn --help` stays quick.
    return gettext.translation(DOMAIN, str(LOCALES_DIR), [language], fallback=True)


def _(message: str) -> str:
    """Translate into the current locale (msgids are English)."""
    return _catalog(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalog(_current.get()).ngettext(singular, plural, n)


def current_language() -> str:
    return _current.get()


def set_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else "vi")


@contextmanager
def use_locale(language: str) -> Iterator[None]:
    token = _current.set(language if language in LANGUAGES else "vi")
    try:
        yield
    finally:
        _current.reset(token)


def resolve_language(chosen: str | None, client_code: str | None, default: str) -> str:
    """The person's choice, else their app's language if we speak it, else the default."""
    if chosen in LANGUAGES:
        return chosen
    if client_code:
        primary = client_code.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return default


def format_datetime(moment: datetime, timezone: ZoneInfo) -> str:
    """A UTC moment as local date and time, in the current locale's conventions. The last
    moment of a day (a deadline at 24:00, Bộ luật Dân sự art. 148) is written 24:00."""
    from babel import dates
    local = moment.astimezone(timezone)
    if local.time() == time.max:
        return dates.format_date(local.date(), "'24:00' dd/MM/yyyy", locale=_current.get())
    return dates.format_datetime(local, "HH:mm dd/MM/yyyy", locale=_current.get())


def format_date(moment: datetime, timezone: ZoneInfo) -> str:
    from babel import dates
    local = moment.astimezone(timezone)
    pattern = "EEEE, dd/MM/yyyy"
    return dates.format_date(local.date(), pattern, locale=_current.get())
