"""Cases on the dashboard: the unit's list (every unit's for administrators), the late
ones, a case with its history and photos, and the same actions as in chat (claim, reply,
ask, transfer, apologise, resolve, merge): the same use cases (bot.core.casework), in the
page's own transaction, so they are recorded, notified and checked exactly as in chat;
each form once, however often it is sent."""

import re
import secrets
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.core import audit, casework
from bot.core.actions import CHANGES, StaffAction
from bot.core.casework import Done
from bot.core.privacy import DASHBOARD
from bot.core.publication import in_force
from bot.core.records import FileKind
from bot.core.similar import raised_by
from bot.core.work import DoorWork, Runner
from bot.files.links import EXPORT_PAGE, parse_id
from bot.files.media import Media
from bot.present.case_view import event_line, removed, status_label
from bot.present.errors import explain
from bot.present.i18n import _, format_date, format_datetime, use_locale
from bot.present.names import area_name, field_name, unit_name
from bot.runtime.settings import Settings
from bot.spine.messages import OPEN311
from bot.web import params
from bot.web.dashboard import DashboardPages
from bot.web.filters import Filters, known_units
from bot.web.published import clean
from bot.web.session import Sessions, Viewer
from complaints.case import Case, Status, can_handle, can_view
from complaints.errors import ComplaintsError, NotAllowed, ValidationError
from complaints.intake import Origin
from complaints.publication import Decision, Publication
from storage.uow import SqlUnitOfWork, Store

PAGE_SIZE = 25
PAGE_MAX = 10_000
"""Pages past this would skip more rows than any unit has."""
STATUSES = ("open", "late", "closed", "all")
ACTIONS = frozenset(CHANGES)
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_nonce() -> str:
    """Each form carries its own: submitting it twice does the action once."""
    return secrets.token_urlsafe(18)


class Desk(DashboardPages):
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime],
                 sessions: Sessions, media: Media, runner: Runner) -> None:
        super().__init__(store, settings, clock, sessions)
        self.media = media
        self.runner = runner

    def install(self, app: web.Application) -> None:
        app.router.add_get("/quan-tri", self.home)
        app.router.add_get("/quan-tri/ho-so", self.cases)
        app.router.add_get("/quan-tri/ho-so/{code}", self.case)
        app.router.add_post("/quan-tri/ho-so/{code}/{action}", self.act)
        app.router.add_get("/quan-tri/tep/{attachment_id}", self.file)
        app.router.add_get(EXPORT_PAGE, self.export)

    async def home(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request)
        raise web.HTTPSeeOther("/quan-tri/chi-so" if viewer.actor.is_admin
                               else "/quan-tri/ho-so")

    # --- the list ----------------------------------------------------------------------

    async def cases(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request)
        admin = viewer.actor.is_admin
        # Staff see their unit's cases, and the focal point's those it stands in for.
        units = None if admin else {viewer.account.unit or "", *viewer.actor.covers}
        now = self.clock()
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            form = Filters(request.query)
            status = form.choice("status", STATUSES, "open")
            # A unit merged away still has its cases (the indicators link to them).
            unit = ((form.choice("unit", known_units(directory)) or None) if admin
                    else None)
            field = form.choice("field", (f.code for f in directory.fields)) or None
            period = form.period("period", "", self.settings.tz)
            start, end = period.bounds(self.settings.tz) if period else (None, None)
            number = form.number("page", 1, 1, PAGE_MAX)
            search = form.text("q", 100) or None
            found, total = ([], 0) if form.wrong else await uow.cases.search(
                now=now, unit=unit, units=units, field=field, status=status,
                start=start, end=end, text=search,
                limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
            counts = await raised_by(uow, [case.id for case in found if case.id is not None])
        language = self.language(viewer)
        with use_locale(language):
            rows = [self._row(case, directory, now, counts.get(case.id or 0, 1))
                    for case in found]
            errors = form.mistakes()
        notes = self.sessions.told(request)
        response = self.render(request, viewer, "admin/cases.html",
                               "late" if status == "late" else "cases", cases=rows, total=total,
                               status=400 if errors else 200, errors=errors,
                               page=number, pages=max(1, ceil(total / PAGE_SIZE)),
                               query={k: v for k, v in form.entered().items() if k != "r"},
                               state=status, directory=directory, admin=admin, notes=notes,
                               several_units=units is None or len(units) > 1)
        if notes:
            self.sessions.forget_told(response)
        return response

    def _row(self, case: Case, directory: Any, now: datetime, raised: int) -> dict[str, Any]:
        tz = self.settings.tz
        return {"code": case.code, "field": field_name(directory, case.field),
                "unit": unit_name(directory, case.unit), "status": status_label(case.status),
                "received": format_date(case.received_at, tz),
                "due": format_date(case.effective_due_at, tz),
                "late": case.is_open and now > case.effective_due_at,
                "raised_by": raised, "text": case.text[:160]}

    # --- one case ----------------------------------------------------------------------

    async def _visible(self, request: web.Request, viewer: Viewer, code: str) -> Case:
        async with self.store.unit_of_work() as uow:
            case = await uow.cases.get_by_code(code.strip().upper())
        if case is None:
            await self.sessions.refused(request, viewer.account.id, "no_such_case")
            with use_locale(self.language(viewer)):
                raise self.refusal(request, viewer, 404, _("There is no case with that code."))
        if not can_view(viewer.actor, case):
            await self.sessions.refused(request, viewer.account.id, "other_unit", case.id)
            with use_locale(self.language(viewer)):
                raise self.refusal(request, viewer, 403,
                                   _("This case belongs to another unit."))
        return case

    async def case(self, request: web.Request, *, error: str | None = None,
                   typed: dict[str, str] | None = None, status: int = 200) -> web.Response:
        viewer = await self.sessions.require(request)
        case = await self._visible(request, viewer, request.match_info["code"])
        assert case.id is not None
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            history = await uow.cases.history(case.id)
            photos = await uow.attachments.of_case(case.id)
            scans = await uow.attachments.scans(case.id)
            apologies = await uow.apologies.of_case(case.id)
            assignee = await uow.accounts.get(case.assignee_id) if case.assignee_id else None
            title = await uow.accounts.title(viewer.account.id)
            raised = (await raised_by(uow, [case.id]))[case.id]
            with use_locale(self.language(viewer)):
                publication = await describe(uow, case, await in_force(uow, case),
                                             self.settings.tz)
        now, tz = self.clock(), self.settings.tz
        language = self.language(viewer)
        with use_locale(language):
            facts = {
                "code": case.code, "status": status_label(case.status),
                "field": field_name(directory, case.field),
                "area": area_name(directory, case.area),
                "unit": unit_name(directory, case.unit),
                "received": format_datetime(case.received_at, tz),
                "due": format_date(case.due_at, tz),
                "new_due": format_date(case.extended_due_at, tz) if case.extended_due_at
                else None,
                "late": case.is_open and now > case.effective_due_at,
                "assignee": (assignee.name or _("a colleague")) if assignee else None,
                "sender": removed() if case.contact.erased else " · ".join(
                    part for part in (case.contact.name, case.contact.phone,
                                      case.contact.address) if part),
                "history": [event_line(e, directory, tz, for_staff=True) for e in history],
                "publication": publication, "raised_by": raised,
            }
        handler = can_handle(viewer.actor, case) and case.is_open
        units = [(u.code, u.name.in_language(language)) for u in directory.units
                 if u.code != case.unit]
        notes = self.sessions.told(request)
        response = self.render(
            request, viewer, "admin/case.html", "cases", status=status, case=case,
            facts=facts, photos=photos, scans=scans, apologies=apologies,
            taken=case.channel in set(Origin), handler=handler, units=units,
            handler_of_unit=can_handle(viewer.actor, case),
            can_claim=handler and case.assignee_id != viewer.account.id,
            # An Open311 app's sender sees only the status and the final answer.
            can_message=handler and case.channel != OPEN311,
            can_apologise=handler and case.extended_due_at is None,
            notes=notes, error=error, typed=typed or {},
            nonce=new_nonce(), first_day=(now.astimezone(tz).date()).isoformat(),
            account_name=viewer.account.name, account_title=title, Action=StaffAction)
        if notes:
            self.sessions.forget_told(response)
        return response

    # --- acting ------------------------------------------------------------------------

    async def act(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request)
        fields = await self.sessions.form(request, viewer)
        action = request.match_info["action"]
        if action not in ACTIONS:
            raise web.HTTPNotFound()
        case = await self._visible(request, viewer, request.match_info["code"])
        nonce = str(fields.get("nonce", ""))
        if not NONCE.match(nonce):
            raise web.HTTPBadRequest(text="reload the page and try again")
        typed = {k: clean(v) for k, v in fields.items() if isinstance(v, str) and k != "csrf"}
        try:
            done = await self.runner.run(
                partial(carry_out, viewer, StaffAction(action), case.code, nonce, typed), DASHBOARD)
        except ComplaintsError as exc:
            # What the action did is undone; that it was refused is kept.
            if (reason := audit.reason_of(exc)) is not None:
                await self.sessions.refused(request, viewer.account.id, reason, case.id)
            with use_locale(self.language(viewer)):
                error = explain(exc)
            return await self.case(request, error=error, typed=typed, status=409)
        # A case transferred away is no longer the unit's to show: back to the list.
        target = ("/quan-tri/ho-so" if action == StaffAction.TRANSFER
                  else f"/quan-tri/ho-so/{case.code}")
        response = web.HTTPSeeOther(f"{target}?r={nonce}")
        if done is not None:  # else the form was sent before, and said so then
            with use_locale(self.language(viewer)):
                self.sessions.tell(request, response, nonce, done.told())
        raise response

    # --- photos ------------------------------------------------------------------------

    async def file(self, request: web.Request) -> web.StreamResponse:
        viewer = await self.sessions.require(request)
        attachment_id = params.path_id(request, "attachment_id")  # else 400, in words
        async with self.store.unit_of_work() as uow:
            attachment = await uow.attachments.get(attachment_id)
            case = (await uow.cases.get(attachment.case_id)
                    if attachment and attachment.case_id else None)
        if case is None or not can_view(viewer.actor, case):
            raise web.HTTPNotFound()
        found = await self.media.with_content(attachment_id)
        if found is None or found.content is None:
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
        if found.filename:
            headers["Content-Disposition"] = f'inline; filename="{found.filename}"'
        return web.Response(body=found.content, content_type=found.mime, headers=headers)

    async def export(self, request: web.Request) -> web.StreamResponse:
        """An export an administrator made in chat (/xuat), to administrators signed in."""
        await self.sessions.require(request, admin=True)
        attachment_id = parse_id(request.match_info["attachment_id"])
        if attachment_id is None:
            raise web.HTTPNotFound()
        async with self.store.unit_of_work() as uow:
            found = await uow.attachments.get(attachment_id)
        if found is None or found.kind is not FileKind.EXPORT or found.content is None:
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
                   "Content-Disposition": f'attachment; filename="{found.filename or "export"}"'}
        return web.Response(body=found.content, content_type=found.mime, headers=headers)


async def describe(uow: SqlUnitOfWork, case: Case, publication: Publication | None,
                   tz: ZoneInfo) -> str:
    """The case's publication in words, for staff (in the current locale)."""
    if case.status is not Status.RESOLVED:
        return _("Not published: the case is open, and open cases are never published "
                 "with their texts.")
    if publication is None:
        return _("Waiting for approval: nothing of its texts is published.")
    who = await uow.accounts.get(publication.decided_by)
    name = (who.name if who and who.name else None) or _("a colleague")
    when = format_datetime(publication.decided_at, tz)
    if publication.status is Decision.APPROVED:
        return _("Published since {when}, approved by {name}.").format(when=when, name=name)
    if publication.status is Decision.REJECTED:
        return _("Not published: {name} decided so at {when}.").format(when=when, name=name)
    return _("Withdrawn from publication by {name} at {when}.").format(when=when, name=name)


async def carry_out(viewer: Viewer, action: StaffAction, code: str, nonce: str,
               fields: dict[str, str], work: DoorWork) -> Done | None:
    """The action of a form, once: its nonce is kept with what it does, or it was done
    before (None)."""
    if not await Sessions.first_time(work.uow, viewer, nonce, action, code, work.now):
        return None
    case = await work.uow.cases.get_by_code(code)
    if case is None:
        raise NotAllowed("unknown case")
    actor, text = viewer.actor, fields.get("text", "")
    if action is StaffAction.CLAIM:
        return await casework.claim(work, actor, case)
    if action is StaffAction.REPLY:
        return await casework.reply(work, actor, case, text)
    if action is StaffAction.ASK:
        return await casework.ask(work, actor, case, text)
    if action is StaffAction.TRANSFER:
        return await casework.transfer(work, actor, case, fields.get("unit", ""), text)
    if action is StaffAction.RESOLVE:
        return await casework.resolve(work, actor, case, text)
    if action is StaffAction.MERGE:
        return await casework.merge(work, actor, case, fields.get("into", ""), text)
    # The apology: the form gives all its parts at once, signature included.
    casework.may_apologise(actor, case)
    day = _day(fields.get("day", ""))
    official = await casework.signed(work, viewer.account, fields.get("name", ""),
                                     fields.get("title", ""))
    return await casework.apologise(work, actor, official, case, text, day)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError("date_invalid") from None

