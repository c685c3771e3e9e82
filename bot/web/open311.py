"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), in JSON and XML.

Services are the fields (lĩnh vực) and, grouped under their field, the procedures
(thủ tục): a request about a procedure is a PAKN in its field that names the procedure.
Requests are the PAKN of every channel, `open` until resolved, then `closed`. What the
citizen wrote is published only once a person approved its publication
(bot.core.publication), exactly as approved: until then a request carries only what
GeoReport v2 allows without a description: its id, status, the service, the agency
responsible, its dates and the commune it was filed for (`address` and `address_id`: a
commune, whose name routes the request, points at nobody), with `description`, `lat` and
`long` null and `status_notes` the status in words. Once approved, `description` is the
approved question, `status_notes` the approved answer, and `lat`/`long` the place
rounded to about 100 m if the approver published it. No contact details, no photos.

Creating a request needs a key from `pakn api-key create`. Vietnamese rules (Nghị định
20/2008) accept a PAKN only with the sender's name, address and phone, so `first_name`
and/or `last_name`, `phone` and `address_string` (the sender's address, where an answer
can be sent) are required here; `lat`/`long` (where the problem is) and `address_id` (the
commune or ward code, for routing) are optional; `email`, `device_id`, `account_id`,
`media_url` and attributes are not kept. The request is filed exactly as the chat files a
PAKN (bot.core.filing.file_for_app): routed, dated, recorded with the incoming message,
and shown to the unit's staff.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiMapping

from bot.core.apikeys import OPEN311_SCOPE, client_of
from bot.core.errors import StorageError
from bot.core.filing import file_for_app
from bot.core.limits import Door, OverLimit, admit
from bot.core.work import Runner
from bot.present.case_view import status_label
from bot.present.errors import explain
from bot.present.i18n import _, use_locale
from bot.present.names import area_name, field_name, procedure_name, unit_name
from bot.runtime.settings import Settings
from bot.spine.messages import OPEN311
from bot.web.limits import WebLimits
from bot.web.open311_filing import CODE_LENGTH, parse_filing
from bot.web.open311_format import JSON_TYPE, XML_TYPE, Open311Error, respond
from bot.web.outage import noted
from bot.web.published import READ_HEADERS, Published, clean, publish, reader_language, w3c
from complaints.case import Status
from complaints.directory import Directory
from complaints.errors import ComplaintsError
from storage.directory import UPDATED_KEY
from storage.uow import Store

log = logging.getLogger(__name__)

BASE = "/open311/v2"
FORMAT = "{format:json|xml}"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_SPAN = timedelta(days=90)
"""The spec's default window, and the widest a query may ask for."""
MAX_REQUESTS = 1000


Handler = Callable[[web.Request, str], Awaitable[web.Response]]


class Open311:
    def __init__(self, store: Store, runner: Runner, settings: Settings,
                 clock: Callable[[], datetime], limits: WebLimits) -> None:
        self.store = store
        self.runner = runner
        self.settings = settings
        self.clock = clock
        self.limits = limits

    def install(self, app: web.Application) -> None:
        get, post = app.router.add_get, app.router.add_post
        get(f"/open311/discovery.{FORMAT}", self._endpoint(self.discovery))
        get(f"{BASE}/services.{FORMAT}", self._endpoint(self.services))
        get(f"{BASE}/services/{{service_code}}.{FORMAT}", self._endpoint(self.definition))
        get(f"{BASE}/requests.{FORMAT}", self._endpoint(self.requests))
        post(f"{BASE}/requests.{FORMAT}", self._endpoint(self.create, reading=False))
        get(f"{BASE}/requests/{{service_request_id}}.{FORMAT}", self._endpoint(self.request))

    def _endpoint(self, handler: Handler, reading: bool = True) -> Callable[
            [web.Request], Awaitable[web.Response]]:
        """The format from the path, the language of the reader, errors in the spec's
        format; reads may be made from any web page."""
        async def endpoint(request: web.Request) -> web.Response:
            language = reader_language(request, self.settings.default_language)
            with use_locale(language):
                try:
                    response = await handler(request, language)
                except TooMany as refused:
                    return self.limits.refusal(request, refused.over)
                except Open311Error as error:
                    response = respond(request, "errors", [
                        {"code": error.status, "description": d} for d in error.descriptions],
                        error.status)
                except StorageError as exc:
                    noted(request, exc)
                    response = respond(request, "errors", [{"code": 503, "description": _(
                        "The service is unavailable for a moment; please try again.")}], 503)
                    response.headers["Retry-After"] = "30"
            if reading:
                response.headers.update(READ_HEADERS)
            return response
        return endpoint

    # --- reading -----------------------------------------------------------------------

    async def discovery(self, request: web.Request, language: str) -> web.Response:
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            changeset = await uow.meta.get(UPDATED_KEY) or ""
        base = self.settings.public_url or str(request.url.origin())
        name = directory.name.in_language(language)
        return respond(request, "discovery", {
            "changeset": changeset,
            "contact": _("{authority}: ask the administrators of this service.").format(
                authority=name),
            "key_service": _("Keys for creating requests are issued by the administrators "
                             "of {authority}.").format(authority=name),
            "endpoints": [{"specification": SPECIFICATION, "url": f"{base}{BASE}",
                           "changeset": changeset, "type": "production",
                           "formats": [XML_TYPE, JSON_TYPE]}],
        })

    async def services(self, request: web.Request, language: str) -> web.Response:
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
        return respond(request, "services", services(directory, language))

    async def definition(self, request: web.Request, language: str) -> web.Response:
        """No service needs more than the standard arguments (`metadata` is false)."""
        code = clean(request.match_info["service_code"], CODE_LENGTH)
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
        if not (directory.has_field(code) or directory.has_procedure(code)):
            raise Open311Error(404, _("service_code {code} was not found").format(code=code))
        return respond(request, "service_definition", {"service_code": code, "attributes": []})

    async def requests(self, request: web.Request, language: str) -> web.Response:
        query = request.query
        ids = _listed(query, "service_request_id")
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            if ids:  # the spec: this overrides every other argument
                found, _total = await uow.public.cases(
                    published_only=False, codes=[i.upper() for i in ids[:MAX_REQUESTS]],
                    limit=MAX_REQUESTS)
            else:
                start, end = self._window(query.get("start_date"), query.get("end_date"))
                found, _total = await uow.public.cases(
                    published_only=False, start=start, end=end, status=_status(query),
                    topics=_listed(query, "service_code") or None, limit=MAX_REQUESTS)
        return respond(request, "service_requests",
                       [self._item(publish(c), directory) for c in found])

    async def request(self, request: web.Request, language: str) -> web.Response:
        code = clean(request.match_info["service_request_id"], CODE_LENGTH).upper()
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            found = await uow.public.case(code)
        if found is None:
            raise Open311Error(404, _("service_request_id {id} was not found").format(id=code))
        return respond(request, "service_requests", [self._item(publish(found), directory)])

    def _window(self, start_text: str | None, end_text: str | None) -> tuple[
            datetime, datetime | None]:
        """[start, end) of requested_datetime: the last 90 days unless asked otherwise, and
        never more than 90 days."""
        start, end = self._moment("start_date", start_text), self._moment("end_date", end_text)
        try:
            if start is None and end is None:
                return self.clock() - DEFAULT_SPAN, None
            if start is None:
                assert end is not None
                start = end - DEFAULT_SPAN
            elif end is None:
                end = start + DEFAULT_SPAN
            # The end is included: a request made at that very second is in.
            end_excluded = end + timedelta(seconds=1)
        except OverflowError:
            raise Open311Error(400, _("start_date or end_date is out of range")) from None
        if end < start:
            raise Open311Error(400, _("end_date is before start_date"))
        if end - start > DEFAULT_SPAN:
            raise Open311Error(400, _("start_date and end_date may not be more than 90 days "
                                      "apart"))
        return start, end_excluded

    def _moment(self, name: str, text: str | None) -> datetime | None:
        """A W3C datetime (2026-03-02T09:00:00+07:00 or …Z); one without an offset is
        taken as local time."""
        text = clean(text, 40)
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self.settings.tz)
            return moment.astimezone(self.settings.tz)
        except (ValueError, OverflowError):
            raise Open311Error(400, _("{name} must be a W3C datetime such as "
                                      "2026-03-02T09:00:00+07:00").format(name=name)) from None

    def _item(self, case: Published, directory: Directory) -> dict[str, Any]:
        """A request as the spec lists it: its texts and place only as approved for
        publication (media_url is left out: photos of people are personal data)."""
        tz = self.settings.tz
        return {
            "service_request_id": case.code,
            "status": "closed" if case.closed else "open",
            "status_notes": case.answer if case.closed and case.answer is not None
            else status_label(Status(case.status)),
            "service_name": (procedure_name(directory, case.procedure) if case.procedure
                             else field_name(directory, case.field)),
            "service_code": case.procedure or case.field,
            "description": case.question,
            "agency_responsible": unit_name(directory, case.unit),
            "service_notice": None if case.closed else notice(directory, case.unit,
                                                              case.expected_at, tz),
            "requested_datetime": w3c(case.received_at, tz),
            # For a closed request, the spec wants the time it was closed.
            "updated_datetime": w3c(case.resolved_at or case.updated_at, tz),
            "expected_datetime": w3c(case.expected_at, tz),
            "address": area_name(directory, case.area) if case.area else None,
            "address_id": case.area,
            "zipcode": None,
            "lat": case.latitude,
            "long": case.longitude,
        }

    # --- creating ----------------------------------------------------------------------

    async def create(self, request: web.Request, language: str) -> web.Response:
        """A request filed, within the limits per address (checked before the body is
        read) and per key (PAKN_LIMIT_OPEN311_ADDRESS, PAKN_LIMIT_OPEN311)."""
        if (over := await self.limits.check(request, Door.OPEN311)) is not None:
            raise TooMany(over)
        try:
            form = await request.post()
        except web.HTTPException:  # too large: aiohttp's own answer
            raise
        except Exception:  # malformed, in whichever way the parser noticed
            raise Open311Error(400, _("The request body could not be read: send it as "
                                      "application/x-www-form-urlencoded.")) from None
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        key = clean(fields.get("api_key"), 200)
        async with self.store.unit_of_work() as uow:
            client = await client_of(uow, key) if key else None
            directory = await uow.directory.load()
        if client is None or OPEN311_SCOPE not in client.key.scopes:
            raise Open311Error(403, _("api_key is missing or invalid"))
        async with self.store.unit_of_work() as uow:
            # The address's token is taken already: the key's alone here.
            over = await admit(uow, self.settings.limits, Door.OPEN311, self.clock(),
                               identity=f"key-{client.key.id}")
        if over is not None:
            raise TooMany(over)
        filing = parse_filing(fields, directory)
        try:
            case = await self.runner.run(lambda work: file_for_app(
                work, filing, app_chat=client.chat_id, app_name=client.key.name,
                language=language), OPEN311)
        except ComplaintsError as error:
            raise Open311Error(400, explain(error)) from None
        return respond(request, "service_requests", [{
            "service_request_id": case.code,
            "service_notice": notice(directory, case.unit, case.due_at, self.settings.tz),
            "account_id": None}])


class TooMany(Exception):
    """Over a limit: answered 429 by bot.web.limits, in the format the path asks."""

    def __init__(self, over: OverLimit) -> None:
        super().__init__(over.retry_after)
        self.over = over


def services(directory: Directory, language: str) -> list[dict[str, Any]]:
    """Each field, then the procedures of that field, grouped under the field's name."""
    listed: list[dict[str, Any]] = []
    for field in directory.fields:
        group = field.name.in_language(language)
        listed.append({
            "service_code": field.code, "service_name": group,
            "description": _("Feedback and recommendations (PAKN) about administrative "
                             "procedures of this field: delays, harassment, wrong application, "
                             "unfit rules, proposals."),
            "metadata": False, "type": "realtime",
            "keywords": _keywords(field.name.vi, field.name.en, "PAKN"), "group": group})
        for procedure in directory.procedures:
            if procedure.field != field.code:
                continue
            listed.append({
                "service_code": procedure.code,
                "service_name": procedure.name.in_language(language),
                "description": _("PAKN about the procedure {procedure} ({code}).").format(
                    procedure=procedure.name.in_language(language), code=procedure.code),
                "metadata": False, "type": "realtime",
                "keywords": _keywords(procedure.code, procedure.name.vi, procedure.name.en),
                "group": group})
    return listed


def _keywords(*words: str | None) -> str:
    return ", ".join(dict.fromkeys(w for w in words if w))


def notice(directory: Directory, unit: str, due: datetime, tz: ZoneInfo) -> str:
    return _("{unit} handles it; the answer is due by {date}.").format(
        unit=unit_name(directory, unit), date=due.astimezone(tz).strftime("%d/%m/%Y"))


def _listed(query: MultiMapping[str], name: str) -> list[str]:
    """An argument that may be comma-delimited, or given several times."""
    values = ",".join(query.getall(name, ())).split(",")
    return [item for item in (clean(v, CODE_LENGTH) for v in values) if item]


def _status(query: MultiMapping[str]) -> str | None:
    wanted = {s.lower() for s in _listed(query, "status")}
    if wanted - {"open", "closed"}:
        raise Open311Error(400, _("status must be open, closed or both"))
    return wanted.pop() if len(wanted) == 1 else None
