"""Personal data on the dashboard, for administrators: the requests people made about
their data (access, correction, erasure) with their deadlines under Nghị định
356/2025/NĐ-CP, those past them flagged; recording a request received outside the chat;
erasing a person's data on their request, named by one of their PAKN's code. Each form
acts once (its nonce is recorded with what it does)."""

from collections.abc import Callable
from datetime import datetime
from functools import partial

from aiohttp import web

from bot.core import audit, privacy
from bot.core.ports import Erasure
from bot.core.privacy import DASHBOARD, RequestKind
from bot.core.work import DoorWork, Runner
from bot.present.errors import explain
from bot.present.i18n import _, format_datetime, use_locale
from bot.runtime.settings import Settings
from bot.spine.messages import Kind
from bot.web.dashboard import DashboardPages
from bot.web.desk import NONCE, new_nonce
from bot.web.published import clean
from bot.web.session import Form, Sessions, Viewer
from complaints.errors import ComplaintsError, NotAllowed
from storage.uow import Store

PATH = "/quan-tri/du-lieu-ca-nhan"
CODE_MAX = 20


class PersonalData(DashboardPages):
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime],
                 sessions: Sessions, runner: Runner) -> None:
        super().__init__(store, settings, clock, sessions)
        self.runner = runner

    def install(self, app: web.Application) -> None:
        app.router.add_get(PATH, self.page)
        app.router.add_post(PATH + "/xoa", self.erase)
        app.router.add_post(PATH + "/ghi", self.record)

    async def page(self, request: web.Request, *, notes: list[str] | None = None,
                   error: str | None = None, status: int = 200) -> web.Response:
        viewer = await self.sessions.require(request, admin=True)
        async with self.store.unit_of_work() as uow:
            listed = await privacy.requests(uow)
        now = self.clock()
        with use_locale(self.language(viewer)):
            kinds = {RequestKind.ACCESS: _("access"), RequestKind.CORRECTION: _("correction"),
                     RequestKind.ERASURE: _("erasure")}
        return self.render(request, viewer, "admin/personal_data.html", "personal_data",
                           status=status, requests=listed, now=now, kinds=kinds,
                           overdue=sum(r.overdue(now) for r in listed), notes=notes or [],
                           error=error, nonce=new_nonce(),
                           when=lambda moment: format_datetime(moment, self.settings.tz))

    async def erase(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request, admin=True)
        fields = await self.sessions.form(request, viewer)
        nonce, code = self._nonce(fields), clean(str(fields.get("case", "")))[:CODE_MAX]
        if fields.get("confirm") != "yes":
            with use_locale(self.language(viewer)):
                return await self.page(request, status=400, error=_(
                    "Tick the box to confirm: the erasure cannot be undone."))
        try:
            erased = await self.runner.run(partial(_erase, viewer, nonce, code), DASHBOARD)
        except ComplaintsError as exc:
            return await self._refused(request, viewer, exc)
        with use_locale(self.language(viewer)):
            note = _("The data of the sender of {code} was erased ({cases} PAKN, {photos} "
                     "photos, {messages} messages); they are told in their chats.").format(
                code=code.upper(), cases=erased.cases, photos=erased.photos,
                messages=erased.messages) if erased else _("This form was sent before.")
        return await self.page(request, notes=[note])

    async def record(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request, admin=True)
        fields = await self.sessions.form(request, viewer)
        nonce, code = self._nonce(fields), clean(str(fields.get("case", "")))[:CODE_MAX]
        kind = str(fields.get("kind", ""))
        if kind not in {k.value for k in RequestKind}:
            raise web.HTTPBadRequest(text="choose a kind of request")
        try:
            number = await self.runner.run(
                partial(_record, viewer, nonce, code, RequestKind(kind)), DASHBOARD)
        except ComplaintsError as exc:
            return await self._refused(request, viewer, exc)
        with use_locale(self.language(viewer)):
            note = (_("Request {number} recorded.").format(number=number) if number
                    else _("This form was sent before."))
        return await self.page(request, notes=[note])

    @staticmethod
    def _nonce(fields: Form) -> str:
        nonce = str(fields.get("nonce", ""))
        if not NONCE.match(nonce):
            raise web.HTTPBadRequest(text="reload the page and try again")
        return nonce

    async def _refused(self, request: web.Request, viewer: Viewer,
                       exc: ComplaintsError) -> web.Response:
        if (reason := audit.reason_of(exc)) is not None:
            await self.sessions.refused(request, viewer.account.id, reason)
        with use_locale(self.language(viewer)):
            text = {"unknown case": _("No PAKN has that code."),
                    "not a citizen's account": _("The sender of that PAKN is not a person "
                                                 "who can be erased here (staff, or an app "
                                                 "filing through Open311).")
                    }.get(str(exc)) if isinstance(exc, NotAllowed) else None
            return await self.page(request, status=400, error=text or explain(exc))


async def _once(work: DoorWork, viewer: Viewer, nonce: str, what: str, code: str) -> bool:
    """Record the form with its nonce; False when it was sent before."""
    return await work.uow.inbound.record(
        DASHBOARD, nonce, str(viewer.account.id), viewer.account.id, Kind.COMMAND.value, None,
        {"command": f"web.{what}", "args": code}, work.now)


async def _erase(viewer: Viewer, nonce: str, code: str, work: DoorWork) -> Erasure | None:
    if not await _once(work, viewer, nonce, "erase", code):
        return None
    person = await privacy.person_of_case(work.uow, code)
    return await privacy.erase_on_request(work, viewer.actor, person)


async def _record(viewer: Viewer, nonce: str, code: str, kind: RequestKind,
                  work: DoorWork) -> int | None:
    if not await _once(work, viewer, nonce, "data_request", code):
        return None
    person = await privacy.person_of_case(work.uow, code)
    return await privacy.record_request(
        work.uow, viewer.actor, kind, work.now, person=person, subject=code.upper(),
        channel="staff", calendar=await work.calendar(), rules=work.settings.deadline_rules)
