"""Dossiers of the one-stop system on the dashboard: the unit's lists (every unit's for
administrators), a dossier with its history and apology, and the form that issues the
apology with its new date. The form calls the use case itself (bot.core.dossiers), as
the chat does, in one transaction with its nonce, so sending it twice acts once."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import partial
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.core import audit
from bot.core.dossiers import Issued, apologise, may_apologise
from bot.core.ports import DossierEvent
from bot.core.privacy import DASHBOARD
from bot.core.work import DoorWork, Runner
from bot.present.dossier_view import status_label, summary
from bot.present.errors import explain
from bot.present.i18n import _, format_date, format_datetime, use_locale
from bot.present.names import procedure_name, unit_name
from bot.runtime.settings import Settings
from bot.spine.messages import Kind
from bot.web.dashboard import DashboardPages
from bot.web.desk import NONCE, new_nonce
from bot.web.filters import Filters, known_units
from bot.web.published import clean
from bot.web.render import day as short_day
from bot.web.session import Sessions, Viewer
from complaints.apology import SUGGESTED_DELAYS, TITLE_MAX, TITLE_MIN
from complaints.calendar import add_working_days
from complaints.case import check_text
from complaints.directory import Directory
from complaints.dossiers import Dossier, Status, asked_before
from complaints.errors import ComplaintsError, InvalidTransition, NotAllowed, ValidationError
from storage.dossiers import LISTS
from storage.uow import Store

PAGE_SIZE, PAGE_MAX = 25, 100_000
PATH = "/quan-tri/ho-so-tthc"
CODE_MAX = 64
FORM_FIELDS = ("reason", "day", "name", "title")
DAY_ERRORS = frozenset({"date_invalid", "date_not_working_day", "new_date_too_early"})


class FieldError(ComplaintsError):
    """A mistake in one field of the apology form, shown beside it."""

    def __init__(self, field: str, error: ValidationError) -> None:
        super().__init__(error.code)
        self.field = field
        self.error = error


@contextmanager
def _field(name: str) -> Iterator[None]:
    """A mistake made in the block is one of field `name`; one of a date, of the day."""
    try:
        yield
    except ValidationError as exc:
        raise FieldError("day" if exc.code in DAY_ERRORS else name, exc) from exc


class DossierDesk(DashboardPages):
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime],
                 sessions: Sessions, runner: Runner) -> None:
        super().__init__(store, settings, clock, sessions)
        self.runner = runner

    def install(self, app: web.Application) -> None:
        app.router.add_get(PATH, self.dossiers)
        app.router.add_get(PATH + "/{code}", self.dossier)
        app.router.add_get(PATH + "/{code}/xin-loi.pdf", self.apology_pdf)
        app.router.add_post(PATH + "/{code}/xin-loi", self.apologise)

    # --- the lists ---------------------------------------------------------------------

    async def dossiers(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request)
        admin = viewer.actor.is_admin
        now = self.clock()
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            form = Filters(request.query)
            which = form.choice("list", tuple(LISTS), "open")
            number = form.number("page", 1, 1, PAGE_MAX)
            # Staff see their own unit's, whatever the query asks.
            unit = ((form.choice("unit", known_units(directory)) or None) if admin
                    else viewer.account.unit)
            calendar = await self.runner.calendars.around(uow.calendar, now, self.settings.tz)
            found, total = ([], 0) if form.wrong else await uow.dossiers.search(
                now=now, at_risk_before=asked_before(now, calendar, self.settings.tz),
                unit=unit, which=which, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        language = self.language(viewer)
        with use_locale(language):
            rows = [self._row(dossier, directory, now, language) for dossier in found]
            errors = form.mistakes()
        return self.render(request, viewer, "admin/dossiers.html",
                           "late_dossiers" if which == "unapologised" else "dossiers",
                           status=400 if errors else 200, errors=errors,
                           dossiers=rows, total=total, page=number,
                           pages=max(1, ceil(total / PAGE_SIZE)), which=which, admin=admin,
                           unit=unit, directory=directory,
                           query={k: v for k, v in form.entered().items() if k != "page"})

    def _row(self, dossier: Dossier, directory: Directory, now: datetime,
             language: str) -> dict[str, Any]:
        tz = self.settings.tz
        return {"code": dossier.code, "procedure": procedure_name(directory, dossier.procedure),
                "unit": unit_name(directory, dossier.unit),
                "status": status_label(dossier.status),
                "received": short_day(dossier.received_at, tz, language),
                "due": short_day(dossier.due_at, tz, language),
                "new_due": short_day(dossier.extended_due_at, tz, language),
                "late": dossier.is_open and now > dossier.effective_due_at}

    # --- one dossier -------------------------------------------------------------------

    async def _visible(self, request: web.Request, viewer: Viewer, code: str) -> Dossier:
        """The dossier, if this person may see it: whoever may write its apology."""
        code = code.strip().upper()
        # What cannot be a code (a NUL, hundreds of characters) is not even looked up.
        plausible = len(code) <= CODE_MAX and clean(code) == code
        async with self.store.unit_of_work() as uow:
            dossier = await uow.dossiers.get(code) if plausible else None
            staffed = dossier is not None and bool(await uow.accounts.members(dossier.unit))
            focal = (await uow.directory.load()).focal_unit
        if dossier is None:
            if plausible:
                await self.sessions.refused(request, viewer.account.id, "no_such_dossier")
            with use_locale(self.language(viewer)):
                raise self.refusal(request, viewer, 404,
                                   _("There is no dossier with that code."))
        if not may_apologise(viewer.actor, dossier, focal, staffed):
            await self.sessions.refused(request, viewer.account.id, "other_unit")
            with use_locale(self.language(viewer)):
                raise self.refusal(request, viewer, 403,
                                   _("This dossier belongs to another unit."))
        return dossier

    async def dossier(self, request: web.Request, *, errors: dict[str, str] | None = None,
                      typed: dict[str, str] | None = None, status: int = 200) -> web.Response:
        viewer = await self.sessions.require(request)
        dossier = await self._visible(request, viewer, request.match_info["code"])
        assert dossier.id is not None
        now, tz = self.clock(), self.settings.tz
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            history = await uow.dossiers.history(dossier.id)
            followers = len(await uow.dossiers.followers(dossier.id))
            apology = await uow.dossiers.apology(dossier.id)
            title = await uow.accounts.title(viewer.account.id)
            calendar = await self.runner.calendars.around(uow.calendar, now, tz)
        due_day = dossier.due_at.astimezone(tz).date()
        suggested = [add_working_days(calendar, due_day, n) for n in SUGGESTED_DELAYS]
        errors = errors or {}
        with use_locale(self.language(viewer)):
            facts = summary(dossier, directory, tz, now)
            events = [_event_line(event, tz) for event in history]
            issued = None if apology is None else {
                "number": apology.number, "new_due": format_date(apology.new_due_at, tz),
                "issued": format_datetime(apology.issued_at, tz),
                "owed_by": format_datetime(apology.owed_by, tz), "in_time": apology.in_time,
                "official": f"{apology.official_name}, {apology.official_title}",
                "document": apology.document_id is not None}
            days = [(day.isoformat(), format_date(datetime.combine(day, time(12), tzinfo=tz),
                                                  tz)) for day in suggested]
        return self.render(
            request, viewer, "admin/dossier.html", "dossiers", status=status,
            dossier=dossier, facts=facts, events=events, followers=followers, apology=issued,
            late=dossier.is_open and now > dossier.effective_due_at,
            can_apologise=dossier.is_open and apology is None, error=errors.get(""),
            errors=errors, typed=typed or {}, nonce=new_nonce(), suggested=days,
            first_day=(due_day + timedelta(days=1)).isoformat(),
            account_name=viewer.account.name, account_title=title)

    async def apology_pdf(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request)
        dossier = await self._visible(request, viewer, request.match_info["code"])
        assert dossier.id is not None
        async with self.store.unit_of_work() as uow:
            apology = await uow.dossiers.apology(dossier.id)
            document = (await uow.attachments.get(apology.document_id)
                        if apology and apology.document_id else None)
        if document is None or document.content is None:
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
        if document.filename:
            headers["Content-Disposition"] = f'inline; filename="{document.filename}"'
        return web.Response(body=document.content, content_type=document.mime,
                            headers=headers)

    # --- the apology -------------------------------------------------------------------

    async def apologise(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request)
        fields = await self.sessions.form(request, viewer)
        dossier = await self._visible(request, viewer, request.match_info["code"])
        assert dossier.id is not None
        nonce = str(fields.get("nonce", ""))
        if not NONCE.match(nonce):
            raise web.HTTPBadRequest(text="reload the page and try again")
        typed = {name: clean(str(fields.get(name, ""))) for name in FORM_FIELDS}
        try:
            with _field("name"):
                name = check_text(typed["name"], TITLE_MIN, TITLE_MAX)
            with _field("title"):
                title = check_text(typed["title"], TITLE_MIN, TITLE_MAX)
            with _field("day"):
                day = _day(typed["day"])
            await self.runner.run(partial(_issue, viewer, dossier, nonce, name, title, day,
                                          typed["reason"]), DASHBOARD)
        except ComplaintsError as exc:
            if (reason := audit.reason_of(exc)) is not None:
                await self.sessions.refused(request, viewer.account.id, reason)
            with use_locale(self.language(viewer)):
                field, text = _explained(exc)
            return await self.dossier(request, errors={field: text}, typed=typed,
                                      status=403 if isinstance(exc, NotAllowed) else 400)
        raise web.HTTPSeeOther(f"{PATH}/{dossier.code}")


async def _issue(viewer: Viewer, dossier: Dossier, nonce: str, name: str, title: str,
                 day: date, reason: str, work: DoorWork) -> Issued | None:
    """The apology, once per form: its nonce is kept with it, or it was sent before."""
    assert dossier.id is not None
    account = viewer.account
    if not await work.uow.inbound.record(
            DASHBOARD, nonce, str(account.id), account.id, Kind.COMMAND.value, None,
            {"command": "web.dossier_apology", "args": dossier.code}, work.now):
        return None
    if name != account.name:
        await work.uow.accounts.set_name(account.id, name)
    await work.uow.accounts.set_title(account.id, title)  # the next form is prefilled
    with _field("reason"):
        return await apologise(work, replace(account, name=name), title, dossier.id, reason,
                               day)


def _explained(error: ComplaintsError) -> tuple[str, str]:
    """Which field went wrong ("" for the form as a whole) and why, in words."""
    if isinstance(error, FieldError):
        return error.field, explain(error.error)
    if isinstance(error, InvalidTransition) and error.status == "already_extended":
        return "", _("This dossier already has its apology and new date; the rules allow "
                      "only one.")
    if isinstance(error, InvalidTransition):
        return "", _("This dossier is no longer being processed: no apology is needed.")
    if isinstance(error, NotAllowed):
        return "", _("This dossier belongs to another unit.")
    return "", explain(error)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError("date_invalid") from None


def _event_line(event: DossierEvent, tz: ZoneInfo) -> str:
    when = format_datetime(event.at, tz)
    if event.kind == "received":
        what = _("Dossier received")
    elif event.kind == "extended":
        what = _("New date for the result: {date}").format(
            date=format_date(datetime.fromisoformat(str(event.data["due_at"])), tz))
    elif event.kind == "corrected":
        what = _("Corrected by the one-stop system: {fields}").format(
            fields=", ".join(str(name) for name in event.data.get("fields", [])))
    else:
        what = _("Status: {status}").format(status=status_label(Status(event.status)))
    return f"{when} · {what}"
