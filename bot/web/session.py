"""Signing in on the web with a code from the bot, the session cookie, and the checks
every form goes through (same origin, and the session's own CSRF token)."""

import base64
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

from aiohttp import web
from multidict import MultiDictProxy

from bot.core import audit
from bot.core.authority import covered_units
from bot.core.limits import Door, admit, give_back
from bot.core.ports import UnitOfWork
from bot.core.privacy import DASHBOARD
from bot.core.signin import SESSION_LIFETIME, SIGN_IN_PATH, digest, new_token, normalise_code
from bot.present.i18n import _, resolve_language, set_language, use_locale
from bot.runtime.clients import client_address, cookies_secure
from bot.runtime.settings import Settings
from bot.spine.messages import Kind
from bot.web.render import page
from complaints.people import STAFF_ROLES, Account, Actor
from storage.uow import Store

Form = MultiDictProxy[str | bytes | bytearray | web.FileField]
SESSION_COOKIE = "pakn_session"
NOTE_COOKIE = "pakn_done"
"""What the last form did, in words, for the page it leads to."""
FORM_COOKIE = "pakn_signin"
"""Ties the sign-in form to the browser that loaded it (there is no session yet)."""
HOME = "/quan-tri"
SIGN_OUT_PATH = "/quan-tri/dang-xuat"


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, and the token their forms must carry."""

    account: Account
    csrf: str
    covers: frozenset[str] = frozenset()
    """The units whose cases they handle as the focal point's staff (bot.core.authority)."""

    @property
    def actor(self) -> Actor:
        return self.account.as_actor(self.covers)


VIEWER: web.RequestKey[Viewer | None] = web.RequestKey("viewer")
FORMER: web.RequestKey[int] = web.RequestKey("former_staff")
"""The account of a session whose person is no longer staff (its session now ended)."""


class Sessions:
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    def _secure(self, request: web.Request) -> bool:
        return cookies_secure(request, self.settings.trusted_proxies, self.settings.public_url)

    def install(self, app: web.Application) -> None:
        app.router.add_get(SIGN_IN_PATH, self.sign_in_form)
        app.router.add_post(SIGN_IN_PATH, self.sign_in)
        app.router.add_post(SIGN_OUT_PATH, self.sign_out)

    # --- who is this -----------------------------------------------------------------

    async def viewer(self, request: web.Request) -> Viewer | None:
        if VIEWER in request:
            return request[VIEWER]
        found = None
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            async with self.store.unit_of_work() as uow:
                session = await uow.web.session_of(digest(token), self.clock())
                account = await uow.accounts.get(session.account_id) if session else None
                # Someone no longer staff (removed from their unit) is signed out at once.
                if session and account and account.as_actor().is_staff:
                    covers = (await covered_units(uow.accounts, await uow.directory.load(),
                                                  account)
                              if account.role in STAFF_ROLES else frozenset[str]())
                    found = Viewer(account, session.csrf_token, covers)
                elif session and account:
                    await uow.web.end_session(digest(token))
                    request[FORMER] = account.id
        request[VIEWER] = found
        return found

    async def require(self, request: web.Request, *, admin: bool = False) -> Viewer:
        viewer = await self.viewer(request)
        if viewer is None:
            former = request.get(FORMER)
            if former is not None:
                await self.refused(request, former, "not_staff")
            if request.method == "GET":
                raise web.HTTPSeeOther(f"{SIGN_IN_PATH}?next={quote(request.path_qs)}")
            if former is not None:
                language = self._language(request)
                with use_locale(language):
                    refused = page(request, "admin/problem.html", language, viewer=None,
                                   message=_("You are no longer staff of a unit, so the "
                                             "dashboard is closed to you."))
                raise web.HTTPForbidden(text=refused.text, content_type="text/html")
            raise web.HTTPForbidden(text="sign in first")
        if admin and not viewer.actor.is_admin:
            await self.refused(request, viewer.account.id, "not_admin")
            language = viewer.account.language or self.settings.default_language
            with use_locale(language):
                refused = page(request, "admin/problem.html", language, viewer=viewer,
                               message=_("This page is for administrators."))
            raise web.HTTPForbidden(text=refused.text, content_type="text/html")
        # The rest of the request speaks the viewer's language, the refusals the core
        # words included (the request runs in a context of its own).
        set_language(viewer.account.language or self.settings.default_language)
        return viewer

    async def refused(self, request: web.Request, account_id: int, reason: str,
                      case_id: int | None = None) -> None:
        """A request refused to someone signed in, on the record like a refused message:
        what they asked for (the method and the page), on which case (the page's, if
        it is a case's) and why. Nobody's requests are recorded before they are known:
        those cannot fill the record."""
        async with self.store.unit_of_work() as uow:
            code = request.match_info.get("code")
            if case_id is None and code:
                case = await uow.cases.get_by_code(code.strip().upper())
                case_id = case.id if case else None
            await audit.record(uow, account_id=account_id, channel=DASHBOARD, update_key=None,
                               action=f"{request.method} {request.path}", case_id=case_id,
                               reason=reason, now=self.clock())

    @staticmethod
    async def first_time(uow: UnitOfWork, viewer: Viewer, nonce: str, what: str, args: str,
                         now: datetime) -> bool:
        """Record a form by its nonce, in the transaction of what it does: False when it
        was sent before (a double submit does the action once)."""
        return await uow.inbound.record(
            DASHBOARD, nonce, str(viewer.account.id), viewer.account.id, Kind.COMMAND.value, None,
            {"command": f"web.{what}", "args": args}, now)

    def tell(self, request: web.Request, response: web.StreamResponse, nonce: str,
             note: str) -> None:
        """Say what a form did on the page it leads to (`?r=` its nonce), once."""
        kept = base64.urlsafe_b64encode(json.dumps([nonce, note]).encode()).decode()
        response.set_cookie(NOTE_COOKIE, kept, path=HOME, httponly=True, samesite="Strict",
                            secure=self._secure(request), max_age=600)

    @staticmethod
    def told(request: web.Request) -> list[str]:
        """What the form this page follows did (see `tell`); [] for any other page."""
        nonce, kept = request.query.get("r"), request.cookies.get(NOTE_COOKIE)
        if not nonce or not kept:
            return []
        try:
            said = json.loads(base64.urlsafe_b64decode(kept.encode()))
        except ValueError:  # not one we made: nothing to say
            return []
        if (isinstance(said, list) and len(said) == 2 and said[0] == nonce
                and isinstance(said[1], str)):
            return [said[1]]
        return []

    @staticmethod
    def forget_told(response: web.StreamResponse) -> None:
        response.del_cookie(NOTE_COOKIE, path=HOME)

    async def form(self, request: web.Request, viewer: Viewer) -> Form:
        """The posted fields, once the request is known to come from our own page."""
        self.same_origin(request)
        fields = await request.post()
        if not hmac.compare_digest(str(fields.get("csrf", "")), viewer.csrf):
            raise web.HTTPForbidden(text="the form has expired: reload the page")
        return fields

    def same_origin(self, request: web.Request) -> None:
        """A form posted from another site is refused, whatever it carries."""
        origin = request.headers.get("Origin") or request.headers.get("Referer")
        if origin is None:
            return  # some browsers strip both; the CSRF token still has to match
        allowed = {request.host}
        if self.settings.public_url:
            allowed.add(urlsplit(self.settings.public_url).netloc)
        if urlsplit(origin).netloc not in allowed:
            raise web.HTTPForbidden(text="cross-site request refused")

    # --- signing in and out ----------------------------------------------------------

    def _language(self, request: web.Request) -> str:
        return resolve_language(request.query.get("lang"),
                                request.headers.get("Accept-Language", "").split(",")[0],
                                self.settings.default_language)

    def _form_page(self, request: web.Request, target: str | None, error: str | None = None,
                   status: int = 200, wait: str | None = None) -> web.Response:
        token = new_token()
        response = page(request, "admin/sign_in.html", self._language(request), status=status,
                        form_token=token, problem=error, next=_safe_next(target), wait=wait)
        response.set_cookie(FORM_COOKIE, token, path=SIGN_IN_PATH, httponly=True,
                            samesite="Strict", secure=self._secure(request), max_age=3600)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def sign_in_form(self, request: web.Request) -> web.Response:
        if await self.viewer(request) is not None:
            raise web.HTTPSeeOther(_safe_next(request.query.get("next")))
        return self._form_page(request, request.query.get("next"))

    async def sign_in(self, request: web.Request) -> web.Response:
        self.same_origin(request)
        fields = await request.post()
        target = str(fields.get("next", ""))
        expected = request.cookies.get(FORM_COOKIE, "")
        if not expected or not hmac.compare_digest(str(fields.get("form_token", "")), expected):
            return self._form_page(request, target, "expired", 403)
        address = client_address(request, self.settings.trusted_proxies)
        code = normalise_code(str(fields.get("code", "")))
        now, limits = self.clock(), self.settings.limits
        account_id, token = None, new_token()
        async with self.store.unit_of_work() as uow:
            # Every attempt takes a token of the address in the transaction that checks
            # the code, so parallel attempts wait their turn and never get past the limit;
            # a right code gives its token back.
            over = await admit(uow, limits, Door.SIGN_IN, now, address=address)
            if over is None and code:
                account_id = await uow.web.use_login_code(digest(code), now)
            if account_id is not None:
                await give_back(uow, limits, Door.SIGN_IN, now, address=address)
                await uow.web.create_session(digest(token), account_id, new_token(), now,
                                             now + SESSION_LIFETIME)
        if over is not None:
            language = self._language(request)
            with use_locale(language):
                wait = over.message(self.settings.tz)
            refused = self._form_page(request, target, "too_many", 429, wait=wait)
            refused.headers["Retry-After"] = str(over.retry_after)
            return refused
        if account_id is None:
            return self._form_page(request, target, "wrong", 401)
        response = web.HTTPSeeOther(_safe_next(target))
        response.set_cookie(SESSION_COOKIE, token, path="/", httponly=True, samesite="Lax",
                            secure=self._secure(request),
                            max_age=int(SESSION_LIFETIME.total_seconds()))
        response.del_cookie(FORM_COOKIE, path=SIGN_IN_PATH)
        raise response

    async def sign_out(self, request: web.Request) -> web.Response:
        viewer = await self.require(request)
        await self.form(request, viewer)
        async with self.store.unit_of_work() as uow:
            await uow.web.end_session(digest(request.cookies[SESSION_COOKIE]))
        response = web.HTTPSeeOther(SIGN_IN_PATH)
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response


def _safe_next(target: str | None) -> str:
    """Only back into the dashboard: never an open redirect to another site."""
    if target and target.startswith(HOME) and not target.startswith("//"):
        return target
    return HOME
