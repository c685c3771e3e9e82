"""Staff take a PAKN for a citizen on the dashboard: the form (how it came, when it was
received, the sender, field, area, text, scanned letters and photos, consent), each
answer checked and any problem written beside its field; filed by the same use case as
in chat (bot.core.intake.file_and_send), in one transaction with the form's nonce, so
sending it twice files once; then the case page, and the receipt to print for the
citizen."""

import base64
import hmac
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from aiohttp import BodyPartReader, web

from bot.core.intake import (
    MAX_FILE_BYTES,
    MAX_FILES,
    FileRefused,
    IntakeRequest,
    file_and_send,
    file_refusal,
    filed_note,
    follow_url,
    keep_file,
    may_file,
)
from bot.core.privacy import DASHBOARD
from bot.core.work import DoorWork, Runner
from bot.present.errors import explain
from bot.present.i18n import _, format_date, format_datetime, use_locale
from bot.present.names import area_name, channel_name, consent_name, field_name, unit_name
from bot.present.qr import qr_svg
from bot.runtime.clients import client_address
from bot.runtime.settings import Settings
from bot.web.dashboard import DashboardPages
from bot.web.desk import NONCE, new_nonce
from bot.web.published import clean
from bot.web.session import Sessions, Viewer
from complaints.case import Case, can_view, check_text
from complaints.errors import ComplaintsError, ValidationError
from complaints.intake import (
    ConsentBasis,
    Origin,
    Sender,
    check_address,
    check_email,
    check_name,
    check_received,
)
from complaints.phone import normalize_phone
from storage.uow import Store

PATH = "/quan-tri/tiep-nhan"
RECEIPT = "/quan-tri/ho-so/{code}/bien-nhan"
FIELDS = ("origin", "received", "name", "phone", "address", "email", "field", "area", "text",
          "consent")
TEXT_LIMIT = 16 << 10
"""A text field longer than this is cut (the text of a PAKN is at most 3,000 characters)."""
LOCAL_INPUT = "%Y-%m-%dT%H:%M"
"""What an <input type="datetime-local"> sends."""


class IntakeDesk(DashboardPages):
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime],
                 sessions: Sessions, runner: Runner) -> None:
        super().__init__(store, settings, clock, sessions)
        self.runner = runner

    def install(self, app: web.Application) -> None:
        app.router.add_get(PATH, self.form)
        app.router.add_post(PATH, self.submit)
        app.router.add_get(RECEIPT, self.receipt)

    async def _filer(self, request: web.Request) -> Viewer:
        viewer = await self.sessions.require(request)
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
        if not may_file(viewer.actor, directory):
            await self.sessions.refused(request, viewer.account.id, "intake")
            with use_locale(self.language(viewer)):
                raise self.refusal(request, viewer, 403, _(
                    "Only staff of the units and administrators file PAKN for citizens."))
        return viewer

    # --- the form ----------------------------------------------------------------------

    async def form(self, request: web.Request, *, typed: dict[str, str] | None = None,
                   errors: dict[str, str] | None = None, error: str | None = None,
                   status: int = 200) -> web.Response:
        viewer = await self._filer(request)
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
        language, tz = self.language(viewer), self.settings.tz
        now = self.clock().astimezone(tz)
        with use_locale(language):
            origins = [(o.value, channel_name(o.value)) for o in Origin]
            consents = [(c.value, consent_name(c)) for c in ConsentBasis]
            fields = [(f.code, f.name.in_language(language)) for f in directory.fields]
            areas = [(a.code, a.name.in_language(language)) for a in directory.areas]
        typed = typed or {"received": now.strftime(LOCAL_INPUT)}
        return self.render(request, viewer, "admin/intake.html", "intake", status=status,
                           typed=typed, errors=errors or {}, error=error, origins=origins,
                           consents=consents, fields=fields, areas=areas, nonce=new_nonce(),
                           latest=now.strftime(LOCAL_INPUT), max_files=MAX_FILES,
                           max_mb=MAX_FILE_BYTES >> 20, notes=[],
                           cutoff=self.settings.cutoff.strftime("%H:%M"))

    async def submit(self, request: web.Request) -> web.Response:
        viewer = await self._filer(request)
        posted, files = await self._posted(request, viewer)
        nonce = posted.get("nonce", "")
        if not NONCE.match(nonce):
            raise web.HTTPBadRequest(text="reload the page and try again")
        typed = {name: clean(posted.get(name), 4000) for name in FIELDS}
        language = self.language(viewer)
        with use_locale(language):
            request_or_errors = self._checked(typed, len(files))
            too_big = [name for name, content in files if content is None]
            if too_big and isinstance(request_or_errors, IntakeRequest):
                request_or_errors = {"files": file_refusal(FileRefused(too_big[0], "too_big"),
                                                           self.settings)}
        if isinstance(request_or_errors, dict):
            return await self.form(request, typed=typed, errors=request_or_errors,
                                   error=_("The PAKN was not filed: see the fields marked "
                                           "below."), status=400)
        client = client_address(request, self.settings.trusted_proxies)
        try:
            kept = [(name, content) for name, content in files if content is not None]
            filed = await self.runner.run(
                partial(_file, viewer, nonce, request_or_errors, kept, client), DASHBOARD)
        except FileRefused as refused:
            with use_locale(language):
                text = file_refusal(refused, self.settings)
            return await self.form(request, typed=typed, errors={"files": text},
                                   error=text, status=400)
        except ComplaintsError as exc:
            with use_locale(language):
                text = explain(exc)
            return await self.form(request, typed=typed, error=text, status=409)
        if filed is None:  # the same form sent again: filed the first time
            raise web.HTTPSeeOther("/quan-tri/ho-so")
        code, sees_case, note = filed
        # The focal point files for units that have staff of their own: then it sees
        # the receipt it must give the citizen, not the case.
        target = "/quan-tri/ho-so/{code}" if sees_case else RECEIPT
        response = web.HTTPSeeOther(target.format(code=code) + f"?r={nonce}")
        if sees_case:  # the receipt page says it all
            with use_locale(language):
                self.sessions.tell(request, response, nonce, note())
        raise response

    async def _posted(self, request: web.Request, viewer: Viewer
                      ) -> tuple[dict[str, str], list[tuple[str, bytes | None]]]:
        """The form's fields and files, read as they stream in: a file over the limit is
        not kept (None: the person is told), where reading the whole request at once
        would refuse it in aiohttp's words."""
        if request.content_type != "multipart/form-data":
            posted = await self.sessions.form(request, viewer)
            return {k: v for k, v in posted.items() if isinstance(v, str)}, []
        self.sessions.same_origin(request)
        fields: dict[str, str] = {}
        files: list[tuple[str, bytes | None]] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                raise web.HTTPBadRequest(text="not a form")
            if part.filename is None:
                fields[part.name] = (await _read(part, TEXT_LIMIT) or b"").decode(
                    "utf-8", "replace")
            elif part.name == "files" and len(files) <= MAX_FILES:
                content = await _read(part, MAX_FILE_BYTES)
                if content != b"":  # an empty file input sends an empty part
                    files.append((clean(part.filename, 100) or "file", content))
            else:
                await part.release()
        if not hmac.compare_digest(fields.get("csrf", ""), viewer.csrf):
            raise web.HTTPForbidden(text="the form has expired: reload the page")
        return fields, files

    def _checked(self, typed: dict[str, str], files: int) -> IntakeRequest | dict[str, str]:
        """The request the form describes, or a message for each field that is wrong."""
        errors: dict[str, str] = {}

        def check(name: str, checker: Callable[[str], Any]) -> Any:
            try:
                return checker(typed[name])
            except ComplaintsError as exc:
                errors[name] = explain(exc)
            except ValueError:
                errors[name] = _("Please choose one of the options given.")
            return None

        now = self.clock()
        origin = check("origin", Origin)
        received = check("received", lambda text: check_received(self._local(text), now))
        name = check("name", check_name)
        phone = check("phone", lambda text: normalize_phone(text) if text else None)
        address = check("address", check_address)
        email = check("email", lambda text: check_email(text) if text else None)
        text = check("text", check_text)
        consent = check("consent", ConsentBasis)
        if not typed["field"]:
            errors["field"] = _("Please choose one of the options given.")
        if files > MAX_FILES:
            errors["files"] = _("At most {count} files.").format(count=MAX_FILES)
        if errors:
            return errors
        return IntakeRequest(origin=origin, received_at=received,
                             sender=Sender(name, address, phone, email),
                             field=typed["field"], area=typed["area"] or None, text=text,
                             consent=consent)

    def _local(self, text: str) -> datetime:
        try:
            return datetime.strptime(text, LOCAL_INPUT).replace(tzinfo=self.settings.tz)
        except ValueError:
            raise ValidationError("time_invalid") from None

    # --- the receipt -------------------------------------------------------------------

    async def receipt(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request)
        code = clean(request.match_info["code"], 21).upper()
        async with self.store.unit_of_work() as uow:
            case = await uow.cases.get_by_code(code)
            directory = await uow.directory.load()
            taken = await uow.intakes.get(case.id) if case and case.id else None
        if case is None or not (can_view(viewer.actor, case) or (
                taken is not None and taken.taken_by == viewer.account.id)):
            with use_locale(self.language(viewer)):
                raise self.refusal(request, viewer, 404, _("There is no case with that code."))
        language, tz = self.language(viewer), self.settings.tz
        link = follow_url(self.settings, case.code)
        with use_locale(language):
            facts = _receipt_facts(case, directory, tz, link)
        qr = "data:image/svg+xml;base64," + base64.b64encode(qr_svg(link)).decode()
        return self.render(request, viewer, "admin/receipt.html", "cases", facts=facts,
                           qr=qr, link=link, notes=[],
                           sees_case=can_view(viewer.actor, case))


def _receipt_facts(case: Case, directory: Any, tz: Any, link: str) -> dict[str, str]:
    return {"code": case.code, "unit": unit_name(directory, case.unit),
            "channel": channel_name(case.channel),
            "received": format_datetime(case.received_at, tz),
            "due": format_date(case.due_at, tz), "field": field_name(directory, case.field),
            "area": area_name(directory, case.area), "sender": case.contact.name,
            "follow": _("Follow it by sending /tracuu {code} to the chatbot (Zalo, Telegram "
                        "or the web chat), or at {link}, or by scanning the code.").format(
                            code=case.code, link=link)}


async def _read(part: BodyPartReader, limit: int) -> bytes | None:
    """A part's bytes; None (the rest skipped) past `limit`."""
    content = bytearray()
    while chunk := await part.read_chunk(64 << 10):
        content += chunk
        if len(content) > limit:
            await part.release()
            return None
    return bytes(content)


async def _file(viewer: Viewer, nonce: str, request: IntakeRequest,
                files: list[tuple[str, bytes]], client: str | None, work: DoorWork
                ) -> tuple[str, bool, Callable[[], str]] | None:
    """The form, once (None: it was sent before): the PAKN filed with its files; its
    code, whether the person filing may open the case, and what they are told."""
    if not await Sessions.first_time(work.uow, viewer, nonce, "intake", "", work.now):
        return None
    kept = tuple([await keep_file(work, viewer.actor, name, content, client)
                  for name, content in files])
    intake = await file_and_send(work, viewer.actor, replace(request, attachments=kept))
    return (intake.case.code, can_view(viewer.actor, intake.case),
            lambda: filed_note(intake, work.directory, work.settings))
