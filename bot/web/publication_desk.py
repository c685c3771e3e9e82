"""Publication on the dashboard ("Chờ công khai", to publish): the resolved cases of the
person's unit (every unit's for administrators) waiting for a decision, each with the
anonymiser's proposal to edit; a case's publication with what is published, by whom and
since when; approving (the texts exactly as edited, re-checked by the anonymiser),
deciding not to publish, withdrawing. The forms call the use cases (bot.core.publication)
in one transaction with their nonce, so sending one twice acts once; a form of another
unit's case is refused and kept on record."""

import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from math import ceil
from typing import Any

from aiohttp import web

from bot.core import audit
from bot.core.privacy import DASHBOARD
from bot.core.publication import (
    STALE,
    Approval,
    Proposal,
    approve,
    in_force,
    propose,
    reject,
    withdraw,
)
from bot.core.work import DoorWork, Runner
from bot.present.case_view import status_label
from bot.present.errors import explain
from bot.present.i18n import _, format_date, use_locale
from bot.present.names import field_name, unit_name
from bot.runtime.settings import Settings
from bot.spine.messages import Kind
from bot.web.dashboard import DashboardPages
from bot.web.desk import NONCE, describe, new_nonce
from bot.web.filters import Filters, known_units
from bot.web.published import clean
from bot.web.session import Sessions, Viewer
from complaints.case import Case, Status
from complaints.directory import Directory
from complaints.errors import ComplaintsError, InvalidTransition, NotAllowed
from complaints.publication import TEXT_MAX, Decision, may_decide
from storage.uow import Store

PATH = "/quan-tri/cong-khai"
PAGE_SIZE, PAGE_MAX = 10, 100_000
CODE_MAX = 20
DECISIONS = ("approve", "reject", "withdraw")
CODE = re.compile(r"^[A-Z0-9-]{1,20}$")


class NeedsConfirmation(ComplaintsError):
    """The anonymiser still finds personal data in the edited texts: nothing is stored
    (the form's nonce is not spent) until the person confirms, having seen it."""

    def __init__(self, approval: Approval) -> None:
        super().__init__("needs_confirmation")
        self.findings = approval.findings


class PublicationDesk(DashboardPages):
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime],
                 sessions: Sessions, runner: Runner) -> None:
        super().__init__(store, settings, clock, sessions)
        self.runner = runner

    def install(self, app: web.Application) -> None:
        app.router.add_get(PATH, self.waiting)
        app.router.add_get(PATH + "/{code}", self.publication)
        app.router.add_post(PATH + "/{code}", self.decide)

    # --- the cases waiting -------------------------------------------------------------

    async def waiting(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request)
        admin = viewer.actor.is_admin
        form = Filters(request.query)
        number = form.number("page", 1, 1, PAGE_MAX)
        now = self.clock()
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            # Staff see their own unit's, whatever the query asks.
            unit = ((form.choice("unit", known_units(directory)) or None) if admin
                    else viewer.account.unit or "")
            cases, total = ([], 0) if form.wrong else await uow.publications.waiting(
                unit, PAGE_SIZE, (number - 1) * PAGE_SIZE)
            proposals = [await propose(uow, viewer.actor, case, now) for case in cases]
        with use_locale(self.language(viewer)):
            items = [self._item(p, directory) for p in proposals]
            done = _done(request.query)
            errors = form.mistakes()
        return self.render(request, viewer, "admin/publications.html", "publish",
                           status=400 if errors else 200, errors=errors,
                           items=items, total=total, page=number,
                           pages=max(1, ceil(total / PAGE_SIZE)), admin=admin, unit=unit,
                           directory=directory, notes=[done] if done else [],
                           query={k: v for k, v in form.entered().items()
                                  if k not in ("page", "done", "code")})

    def _item(self, proposal: Proposal, directory: Directory,
              typed: dict[str, str] | None = None) -> dict[str, Any]:
        """A case as its publication form shows it: the texts proposed (or as typed)."""
        case = proposal.case
        tz = self.settings.tz
        typed = typed or {}
        place = (f"{proposal.latitude:.3f}, {proposal.longitude:.3f}"
                 if proposal.latitude is not None and proposal.longitude is not None
                 else None)
        return {"code": case.code, "field": field_name(directory, case.field),
                "unit": unit_name(directory, case.unit),
                "resolved": format_date(case.resolved_at, tz) if case.resolved_at else "",
                "question": typed.get("question", proposal.question),
                "answer": typed.get("answer", proposal.answer),
                "has_answer": bool(case.answer),
                "location": typed.get("location") == "yes",
                "blanked": proposal.blanked, "place": place, "seen": proposal.seen,
                "nonce": new_nonce(), "max": TEXT_MAX}

    # --- one case's publication --------------------------------------------------------

    async def _case(self, request: web.Request, viewer: Viewer) -> Case:
        """The case, if this person may decide on its publication."""
        code = clean(request.match_info["code"], CODE_MAX + 1).upper()
        plausible = bool(CODE.match(code))
        async with self.store.unit_of_work() as uow:
            case = await uow.cases.get_by_code(code) if plausible else None
        if case is None:
            if plausible:
                await self.sessions.refused(request, viewer.account.id, "no_such_case")
            with use_locale(self.language(viewer)):
                raise self.refusal(request, viewer, 404, _("There is no case with that code."))
        if not may_decide(viewer.actor, case):
            await self.sessions.refused(request, viewer.account.id, "other_unit", case.id)
            with use_locale(self.language(viewer)):
                raise self.refusal(request, viewer, 403,
                                   _("This case belongs to another unit."))
        return case

    async def publication(self, request: web.Request, *, error: str | None = None,
                          findings: tuple[str, ...] = (), typed: dict[str, str] | None = None,
                          status: int = 200) -> web.Response:
        viewer = await self.sessions.require(request)
        case = await self._case(request, viewer)
        now, tz = self.clock(), self.settings.tz
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            resolved = case.status is Status.RESOLVED
            proposal = await propose(uow, viewer.actor, case, now) if resolved else None
            current = await in_force(uow, case) if resolved else None
            state = await describe(uow, case, current, tz)
        with use_locale(self.language(viewer)):
            item = (None if proposal is None or (current is not None
                                                 and current.status is Decision.APPROVED)
                    else {**self._item(proposal, directory, typed), "findings": findings})
            facts = {"code": case.code, "status": status_label(case.status),
                     "field": field_name(directory, case.field),
                     "unit": unit_name(directory, case.unit), "state": state}
        return self.render(
            request, viewer, "admin/publication.html", "publish", status=status, case=case,
            facts=facts, publication=current, item=item, error=error,
            withdraw={"nonce": new_nonce(), "seen": current.seen}
            if current is not None and current.status is Decision.APPROVED else None)

    # --- deciding ----------------------------------------------------------------------

    async def decide(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request)
        fields = await self.sessions.form(request, viewer)
        case = await self._case(request, viewer)
        decision = str(fields.get("decision", ""))
        nonce = str(fields.get("nonce", ""))
        if decision not in DECISIONS or not NONCE.match(nonce):
            raise web.HTTPBadRequest(text="reload the page and try again")
        typed = {name: clean(str(fields.get(name, "")))
                 for name in ("question", "answer", "location", "confirmed", "seen")}
        try:
            await self.runner.run(partial(_decide, viewer, case.code, nonce, decision, typed),
                                  DASHBOARD)
        except NeedsConfirmation as needed:
            with use_locale(self.language(viewer)):
                warning = _("The anonymiser still finds what may be personal data in the "
                            "texts: nothing was published. Blank it, or confirm that it is "
                            "nobody's personal data.")
            return await self.publication(request, error=warning, findings=needed.findings,
                                          typed=typed, status=409)
        except ComplaintsError as exc:
            if (reason := audit.reason_of(exc)) is not None:
                await self.sessions.refused(request, viewer.account.id, reason, case.id)
            with use_locale(self.language(viewer)):
                error = _explained(exc)
            return await self.publication(
                request, error=error, typed=typed,
                status=403 if isinstance(exc, NotAllowed) else 409)
        if fields.get("from") == "queue":
            raise web.HTTPSeeOther(f"{PATH}?done={decision}&code={case.code}")
        raise web.HTTPSeeOther(f"{PATH}/{case.code}")


async def _decide(viewer: Viewer, code: str, nonce: str, decision: str,
                  typed: dict[str, str], work: DoorWork) -> None:
    """The decision, once per form: its nonce is kept with it, or it was taken before."""
    account = viewer.account
    if not await work.uow.inbound.record(
            DASHBOARD, nonce, str(account.id), account.id, Kind.COMMAND.value, None,
            {"command": f"web.publication.{decision}", "args": code}, work.now):
        return
    case = await work.uow.cases.get_by_code(code)
    if case is None:
        raise NotAllowed("publish")
    seen = typed["seen"]
    if decision == "approve":
        approval = await approve(work.uow, viewer.actor, case, typed["question"],
                                 typed["answer"], work.now, location=typed["location"] == "yes",
                                 confirmed=typed["confirmed"] == "yes", seen_state=seen)
        if approval.publication is None:
            raise NeedsConfirmation(approval)  # undoes the nonce with the rest
    elif decision == "reject":
        await reject(work.uow, viewer.actor, case, work.now, seen_state=seen)
    else:
        await withdraw(work.uow, viewer.actor, case, work.now, seen_state=seen)


def _explained(error: ComplaintsError) -> str:
    if isinstance(error, InvalidTransition) and error.status == STALE:
        return _("Someone decided on this case's publication meanwhile: here is where it "
                 "stands now.")
    if isinstance(error, InvalidTransition) and error.status == "published":
        return _("The texts are published: withdraw them instead.")
    if isinstance(error, InvalidTransition) and error.status == "not_published":
        return _("The texts are not published: there is nothing to withdraw.")
    if isinstance(error, InvalidTransition):
        return _("Only the texts of a resolved case can be published.")
    if isinstance(error, NotAllowed):
        return _("This case belongs to another unit.")
    return explain(error)


def _done(query: Any) -> str | None:
    """What the form this page follows did (`?done=…&code=…`)."""
    code = str(query.get("code", ""))
    if not CODE.match(code):
        return None
    return {"approve": _("{code} is published."),
            "reject": _("{code} will not be published."),
            "withdraw": _("{code} was withdrawn from publication.")}.get(
        str(query.get("done", "")), "").format(code=code) or None
