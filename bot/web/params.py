"""What a request may carry, read the one way every route reads it: whole numbers within
the bounds of the column they are looked up in, dates and periods that exist, text
without NUL bytes, control characters or broken Unicode, and JSON bodies of bounded
size and depth. What does not fit is a `BadInput`, answered by `refuse_bad_input` with
a 400 in the person's language (a page for pages, JSON for the APIs), never a 500."""

import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.present.i18n import _, resolve_language, use_locale
from bot.runtime.settings import Settings
from bot.spine.jsonguard import JsonRefused, loads_bounded
from bot.spine.messages import ROW_ID_MAX
from bot.web.open311_format import respond
from bot.web.render import page
from bot.web.session import VIEWER
from surveys.errors import PeriodError
from surveys.periods import Period, parse_period

TEXT_MAX = 200
"""A query parameter longer than this is not something our pages ever link to."""
PATH_MAX = 200
_UNREADABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_DIGITS = re.compile(r"[0-9]{1,19}")
JSON_PREFIXES = ("/api/", "/open311/", "/webhook/", "/chat/")
"""Doors that speak JSON: their refusals are JSON too."""
PAGE_PREFIXES = {"/public": "en", "/cong-khai": "vi"}


class BadInput(Exception):
    """A parameter that is not what the route reads; `words()` says so in the current
    locale."""

    def __init__(self, name: str, words: Callable[[], str]) -> None:
        super().__init__(name)
        self.name = name
        self.words = words


def _unreadable(name: str) -> BadInput:
    return BadInput(name, lambda: _("{name} contains characters that cannot be read "
                                    "(control characters or broken Unicode).").format(
        name=name))


def text(query: Mapping[str, str], name: str, limit: int = TEXT_MAX,
         default: str = "") -> str:
    """A text parameter, trimmed; refused when it has characters no page writes or is
    longer than `limit`."""
    value = query.get(name)
    if value is None:
        return default
    if _UNREADABLE.search(value):
        raise _unreadable(name)
    value = value.strip()
    if len(value) > limit:
        raise BadInput(name, lambda: _("{name} is too long: at most {limit} characters.")
                       .format(name=name, limit=limit))
    return value or default


def choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...],
           default: str) -> str:
    """One of a fixed list of values; anything else is the default (a stale link)."""
    value = text(query, name)
    return value if value in allowed else default


def whole(value: str, name: str, low: int, high: int) -> int:
    """A whole number written in ASCII digits between `low` and `high`."""
    stripped = value.strip()
    negative = stripped.startswith("-")
    digits = stripped[1:] if negative else stripped
    if _DIGITS.fullmatch(digits) and low <= (number := int(stripped)) <= high:
        return number
    raise BadInput(name, lambda: _("{name} must be a whole number from {low} to {high}")
                   .format(name=name, low=low, high=high))


def int_param(query: Mapping[str, str], name: str, default: int, low: int = 0,
              high: int = ROW_ID_MAX) -> int:
    value = text(query, name, 40)
    return default if not value else whole(value, name, low, high)


def path_id(request: web.Request, name: str) -> int:
    """A row id from the path: a database id (1 to the largest int4)."""
    return whole(request.match_info[name], name, 1, ROW_ID_MAX)


def day_param(query: Mapping[str, str], name: str) -> date | None:
    value = text(query, name, 40)
    if not value:
        return None
    return day(value, name)


def day(value: str, name: str) -> date:
    """A date written YYYY-MM-DD that exists, within the years periods cover."""
    try:
        found = date.fromisoformat(value)
        parse_period(str(found.year))
        return found
    except (ValueError, PeriodError):
        raise BadInput(name, lambda: _("{name} must be a date written as YYYY-MM-DD")
                       .format(name=name)) from None


def period_param(query: Mapping[str, str], name: str, default: str,
                 timezone: ZoneInfo) -> Period:
    """A period (2026, 2026-Q1, 2026-H1, 2026-9M, 2026-03 or a date range) whose bounds,
    and those of the period before it, exist."""
    value = text(query, name, 40) or default
    try:
        period = parse_period(value)
        period.bounds(timezone)
        period.previous().bounds(timezone)
    except (PeriodError, ValueError, OverflowError):
        raise BadInput(name, lambda: _(
            "period must be written as 2026, 2026-Q1, 2026-H1, 2026-9M, 2026-03 or "
            "2026-01-01..2026-03-31")) from None
    return period


async def json_body(request: web.Request) -> Any:
    """The request's JSON, within the size the app accepts and a nesting depth no real
    sender needs."""
    try:
        return loads_bounded(await request.read())
    except JsonRefused:
        raise BadInput("body", lambda: _("The body must be JSON of reasonable size and "
                                         "depth.")) from None


def check_address(request: web.Request) -> None:
    """The path and every query parameter, whatever route reads them: nothing that no
    page of ours writes reaches a handler or the database."""
    if _UNREADABLE.search(request.path) or len(request.path) > 4 * PATH_MAX:
        raise _unreadable("path")
    for value in request.match_info.values():
        if len(value) > PATH_MAX:
            raise BadInput("path", lambda: _("{name} is too long: at most {limit} "
                                             "characters.").format(name="path",
                                                                   limit=PATH_MAX))
    for name, value in request.query.items():
        shown = name if not _UNREADABLE.search(name) else "?"
        if _UNREADABLE.search(name) or _UNREADABLE.search(value):
            raise _unreadable(shown[:40])


def language_of(request: web.Request, default: str) -> str:
    """Who is refused reads it in their language: the signed-in person's, the public
    page's, else `?lang=` or the browser's."""
    viewer = request.get(VIEWER)
    if viewer is not None and viewer.account.language:
        return str(viewer.account.language)
    for prefix, language in PAGE_PREFIXES.items():
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return language
    chosen = request.query.get("lang")
    first = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0].strip()
    return resolve_language(chosen, first[:2] or None, default)


def refusal(request: web.Request, error: BadInput, default_language: str) -> web.Response:
    language = language_of(request, default_language)
    with use_locale(language):
        words = error.words()
    headers = {"Cache-Control": "no-store"}
    if request.path.startswith("/open311/"):  # in the format the path asks for
        response = respond(request, "errors", [{"code": 400, "description": words}], 400)
        response.headers.update(headers)
        return response
    if request.path.startswith(JSON_PREFIXES) or request.path.endswith((".json", ".csv")):
        # The shape of Open311's and the open data's errors.
        return web.json_response([{"code": 400, "description": words}], status=400,
                                 headers=headers)
    return problem_page(request, language, 400, words)


def _way_back(request: web.Request) -> tuple[str, str]:
    """Where the person goes back to from an error, and the link's words."""
    if request.path.startswith("/quan-tri"):
        return "/quan-tri", _("Back to the dashboard")
    for prefix in PAGE_PREFIXES:
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return prefix, _("Back to the results")
    return "/", _("Back to the start")


def _generic(status: int) -> str:
    return {400: _("The request could not be read: go back, reload the page and try again."),
            403: _("This is not allowed. If a form stayed open a long time, reload it and "
                   "try again."),
            404: _("There is no such page: the address may be mistyped or out of date."),
            405: _("This address cannot be used that way."),
            413: _("What was sent is too large.")}.get(
        status, _("This request could not be answered."))


def problem_page(request: web.Request, language: str, status: int,
                 message: str | None = None) -> web.Response:
    """An error as a page in the person's language, with a way back."""
    with use_locale(language):
        back, back_words = _way_back(request)
        heading = {400: _("The request could not be read"), 403: _("Not allowed"),
                   404: _("Page not found")}.get(status, _("The request could not be answered"))
        response = page(request, "bad_request.html", language, status=status, heading=heading,
                        message=message or _generic(status), back=back, back_words=back_words)
    response.headers["Cache-Control"] = "no-store"
    return response


def _a_page(request: web.Request) -> bool:
    return not (request.path.startswith(JSON_PREFIXES)
                or request.path.endswith((".json", ".csv")) or request.path == "/healthz")


def refuse_bad_input(settings: Settings, viewer: Callable[[web.Request], Awaitable[Any]]
                     ) -> Callable[..., Awaitable[web.StreamResponse]]:
    """`viewer` finds who is signed in: a dashboard page that does not exist is refused in
    their language too."""
    @web.middleware
    async def middleware(request: web.Request, handler: Callable[
            [web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        try:
            check_address(request)
            return await handler(request)
        except BadInput as error:
            return refusal(request, error, settings.default_language)
        except web.HTTPException as error:
            # A refusal written for machines (plain text, in English) reads as a page.
            if error.status < 400 or error.content_type == "text/html" or not _a_page(request):
                raise
            if request.path.startswith("/quan-tri") and VIEWER not in request:
                await viewer(request)
            return problem_page(request, language_of(request, settings.default_language),
                                error.status)
    return middleware
