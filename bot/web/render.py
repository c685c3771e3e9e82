"""Pages: Jinja2 templates with the gettext catalogs, and the headers every page gets."""

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date as babel_date
from babel.numbers import format_percent
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.present.i18n import _, ngettext, use_locale
from bot.present.names import role_name

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' blob: data:; "
                                "connect-src 'self'; style-src 'self'; script-src 'self'; "
                                "frame-ancestors 'self'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@cache
def templates() -> Environment:
    env = Environment(loader=PackageLoader("bot"), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=_, ngettext=ngettext, newstyle=True)
    env.filters["urlencode_page"] = with_page
    env.filters["role_name"] = role_name
    env.filters["options"] = options
    return env


def options(items: Iterable[Any], language: str) -> list[tuple[str, str]]:
    """The choices of a select: each unit's (field's, procedure's) code and its name."""
    return [(item.code, item.name.in_language(language)) for item in items]


def with_page(query: dict[str, str], number: int) -> str:
    """The same query string on another page of results."""
    return urlencode({**query, "page": str(number)})


def page(request: web.Request, template: str, language: str, status: int = 200,
         **context: Any) -> web.Response:
    static: Callable[[str], Any] = lambda name: request.app.router["static"].url_for(  # noqa: E731
        filename=name)
    with use_locale(language):
        html = templates().get_template(template).render(language=language, static=static,
                                                         request=request, **context)
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def percent(value: float | None, language: str) -> str:
    if value is None:
        return "—"
    return format_percent(value, "#,##0.0%", locale=language)


def day(moment: datetime | None, timezone: ZoneInfo, language: str) -> str:
    if moment is None:
        return ""
    return babel_date(moment.astimezone(timezone).date(), "dd/MM/yyyy", locale=language)
