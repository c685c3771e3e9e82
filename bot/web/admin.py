"""The administrators' dashboard: the indicators with filters and drill-down to the
cases, the review of unverified ratings, the same exports as in chat, the directory
(download, edit, upload), the working calendar and invites. Every change is made once
per form sent, in one transaction with its form's nonce; counting unverified ratings is
also kept in the audit log."""

import asyncio
import os
import re
import tempfile
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import yaml
from aiohttp import web

from bot.core import calendar as calendars
from bot.core.calendars import bundled, calendar_text, estimate_note
from bot.core.directory import load_directory
from bot.core.invites import create_invite, telegram_link
from bot.core.keys import BOT_USERNAME_KEY
from bot.core.privacy import DASHBOARD
from bot.core.records import Override, SurveyToken
from bot.core.work import DoorWork, Runner
from bot.present.directory_view import as_json, as_text
from bot.present.exports import CHUNK, XLSX, cases_csv, write_xlsx
from bot.present.i18n import _, format_datetime, use_locale
from bot.present.names import CHANNELS, channel_name, procedure_name, unit_name
from bot.present.reports import make_report
from bot.runtime.settings import Settings
from bot.spine.messages import Kind
from bot.web import params
from bot.web.dashboard import DashboardPages
from bot.web.desk import NONCE, new_nonce
from bot.web.filters import Filters
from bot.web.public import (
    beside_cards,
    chart_kinds,
    chart_links,
    chart_svg,
    columns,
    current_quarter,
    group_rows,
    inclusion_notes,
    overall_cards,
)
from bot.web.published import clean
from bot.web.session import Form, Sessions, Viewer
from complaints.calendar import END_OF_CIVIL_DAY
from complaints.directory import Directory
from complaints.directory_file import parse_directory
from complaints.errors import DirectoryError, ValidationError
from complaints.people import Role
from storage.uow import SqlUnitOfWork, Store
from surveys.bursts import BURST_COUNT, BURST_MINUTES, Burst, Place, find_bursts
from surveys.periods import Period
from surveys.report import GROUPS, Report

CSV_MIME = "text/csv"
T = TypeVar("T")
INCLUSION_ID = re.compile(r"[0-9]{1,18}")


class Admin(DashboardPages):
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime],
                 sessions: Sessions, runner: Runner) -> None:
        super().__init__(store, settings, clock, sessions)
        self.runner = runner

    def install(self, app: web.Application) -> None:
        app.router.add_get("/quan-tri/chi-so", self.indicators)
        app.router.add_get("/quan-tri/chi-so/bieu-do/{kind}.svg", self.chart)
        app.router.add_post("/quan-tri/chi-so/danh-gia-chua-xac-thuc", self.review_unverified)
        app.router.add_get("/quan-tri/xuat", self.exports)
        app.router.add_get("/quan-tri/xuat/{name}.xlsx", self.xlsx)
        app.router.add_get("/quan-tri/xuat/{name}.csv", self.csv)
        app.router.add_get("/quan-tri/danh-ba", self.directory)
        app.router.add_get("/quan-tri/danh-ba.yaml", self.directory_file)
        app.router.add_post("/quan-tri/danh-ba", self.upload_directory)
        app.router.add_get("/quan-tri/lich", self.calendar)
        app.router.add_post("/quan-tri/lich", self.add_day)
        app.router.add_post("/quan-tri/lich/xac-nhan", self.confirm_year)
        app.router.add_get("/quan-tri/moi", self.invites)
        app.router.add_post("/quan-tri/moi", self.invite)

    # --- indicators --------------------------------------------------------------------

    async def _report(self, request: web.Request) -> tuple[Filters, Report | None, Directory]:
        """The report the query asks for; none when the query has a mistake."""
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
            form = Filters(request.query)
            period, scope, as_of = form.report(
                directory, current_quarter(self.clock(), self.settings), self.settings.tz)
            if form.wrong or period is None:
                return form, None, directory
            report = await make_report(uow.indicators, directory, period, scope, self.clock(),
                                       self.settings.tz, groups=GROUPS, as_of=as_of)
        return form, report, directory

    async def indicators(self, request: web.Request, *, error: str | None = None,
                         status: int = 200) -> web.Response:
        viewer = await self.sessions.require(request, admin=True)
        form, report, directory = await self._report(request)
        language = self.language(viewer)
        query = form.entered()
        with use_locale(language):
            channels = [(code, channel_name(code)) for code in CHANNELS]
            errors = form.mistakes()
        if report is None:
            return self.render(request, viewer, "admin/indicators.html", "indicators",
                               status=400, errors=errors, report=None, directory=directory,
                               query=query, channels=channels)
        review = await self._review(report, directory, language)
        query.setdefault("period", report.period.label)
        with use_locale(language):
            titles = {"unit": _("By unit"), "field": _("By field"),
                      "procedure": _("By procedure"), "channel": _("By channel")}
            end_of_day = end_of_day_note(self.settings.end_of_day)
        tables = [(group, titles[group], group_rows(report, directory, group, language))
                  for group in GROUPS]
        return self.render(request, viewer, "admin/indicators.html", "indicators",
                           status=status, error=error, errors={}, review=review,
                           nonce=new_nonce(),
                           burst_count=BURST_COUNT, burst_minutes=BURST_MINUTES,
                           report=report, overall=overall_cards(report.overall, language),
                           beside=beside_cards(report, directory, language),
                           inclusions=inclusion_notes(report, directory, language,
                                                      self.settings.tz),
                           columns=columns(language), charts=chart_links(language),
                           tables=tables, directory=directory, query=query,
                           channels=channels, chart_query=urlencode(query),
                           end_of_day=end_of_day)

    async def _review(self, report: Report, directory: Directory,
                      language: str) -> dict[str, list[dict[str, Any]]]:
        """The unverified ratings of the period: the decisions to count them in force,
        and the bursts that look like stuffing."""
        period = report.period
        start, end = period.bounds(self.settings.tz)
        async with self.store.unit_of_work() as uow:
            decisions = await uow.reviews.in_force(period.first, period.last,
                                                   report.scope.unit)
            bursts = find_bursts(await uow.reviews.fresh_unverified(start, end, report.scope))
            desks = await uow.reviews.desks({b.key for b in bursts if isinstance(b.key, int)})
        tz = self.settings.tz
        with use_locale(language):
            inclusions = [{"id": d.inclusion.id, "unit": d.inclusion.unit, "line": _(
                "{unit}: from {first} to {last}, decided by {name} at {when}").format(
                unit=unit_name(directory, d.inclusion.unit),
                first=d.inclusion.first.strftime("%d/%m/%Y"),
                last=d.inclusion.last.strftime("%d/%m/%Y"), name=d.by or "?",
                when=format_datetime(d.inclusion.included_at, tz))} for d in decisions]
            shown = [{"place": burst.place.value, "count": burst.count,
                      "where": _burst_place(burst, desks, directory),
                      "window": f"{format_datetime(burst.first, tz)} – "
                                f"{format_datetime(burst.last, tz)}"} for burst in bursts]
        return {"inclusions": inclusions, "bursts": shown}

    async def review_unverified(self, request: web.Request) -> web.Response:
        """Count a unit's unverified ratings of the shown period toward its targets, or
        stop counting them (`revoke`): once per form, kept in the audit log."""
        viewer = await self.sessions.require(request, admin=True)
        fields = await self.sessions.form(request, viewer)
        form = Filters(request.query)
        period = form.period("period", current_quarter(self.clock(), self.settings),
                             self.settings.tz)
        form.refuse()
        assert period is not None
        nonce, revoke = str(fields.get("nonce", "")), str(fields.get("revoke", ""))
        unit, now = str(fields.get("unit", "")), self.clock()
        if not NONCE.match(nonce) or (revoke and not INCLUSION_ID.fullmatch(revoke)):
            raise web.HTTPBadRequest(text="reload the page and try again")
        try:
            async with self.store.unit_of_work() as uow:
                if not revoke and not (await uow.directory.load()).has_unit(unit):
                    raise ValidationError("unknown_unit")
                if await uow.inbound.record(
                        DASHBOARD, nonce, str(viewer.account.id), viewer.account.id,
                        Kind.COMMAND.value, None,
                        {"command": "web.review_unverified", "args": revoke or unit}, now):
                    if revoke:
                        await _revoke(uow, viewer, int(revoke), now)
                    else:
                        await _include(uow, viewer, unit, period, now)
        except ValidationError as exc:
            with use_locale(self.language(viewer)):
                error = (_("Choose a unit.") if exc.code == "unknown_unit" else _(
                    "The unverified ratings of this unit are already counted for some of "
                    "this period: stop counting them first."))
            return await self.indicators(request, error=error, status=400)
        raise web.HTTPSeeOther(f"/quan-tri/chi-so?{request.query_string}#unverified")

    async def chart(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request, admin=True)
        kind = request.match_info["kind"]
        if kind not in chart_kinds():
            raise web.HTTPNotFound()
        form, report, directory = await self._report(request)
        form.refuse()
        assert report is not None
        return web.Response(body=chart_svg(kind, report, directory, self.language(viewer)),
                            content_type="image/svg+xml",
                            headers={"Cache-Control": "private, no-store"})

    # --- exports -----------------------------------------------------------------------

    async def exports(self, request: web.Request, *, form: Filters | None = None,
                      failed: str = "") -> web.Response:
        """The export forms; `failed` is the one sent with a mistake in `form`."""
        viewer = await self.sessions.require(request, admin=True)
        form = form or Filters(request.query)
        period = form.period("period", current_quarter(self.clock(), self.settings),
                             self.settings.tz)
        with use_locale(self.language(viewer)):
            errors = form.mistakes()
        return self.render(request, viewer, "admin/exports.html", "exports",
                           status=400 if errors else 200, errors=errors, failed=failed,
                           period=request.query.get("period", "") if period is None
                           else period.label)

    async def xlsx(self, request: web.Request) -> web.StreamResponse:
        """The workbook, written row by row from the database to a temporary file, then
        sent from it: memory stays flat whatever the period."""
        viewer = await self.sessions.require(request, admin=True)
        form, report, directory = await self._report(request)
        if report is None:
            return await self.exports(request, form=form, failed="xlsx")
        language = self.language(viewer)
        handle, name = await asyncio.to_thread(tempfile.mkstemp, suffix=".xlsx")
        os.close(handle)
        workbook = Path(name)
        try:
            async with self.store.export_rows() as rows:
                with use_locale(language):
                    await write_xlsx(name, report, rows, directory, language,
                                     self.settings.tz, self.clock())
            return await _send_file(request, workbook, XLSX,
                                    f"pakn-{_label(report.period)}.xlsx")
        finally:
            await asyncio.to_thread(workbook.unlink, missing_ok=True)

    async def csv(self, request: web.Request) -> web.StreamResponse:
        """The cases as CSV, written as the rows come to a temporary file, then sent
        from it: memory stays flat, and the database is read at its own pace, not the
        client's (a slow download holds no transaction open)."""
        viewer = await self.sessions.require(request, admin=True)
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
        form = Filters(request.query)
        period, scope, _as_of = form.report(
            directory, current_quarter(self.clock(), self.settings), self.settings.tz)
        if period is None or form.wrong:
            return await self.exports(request, form=form, failed="csv")
        start, end = period.bounds(self.settings.tz)
        language = self.language(viewer)
        handle, name = await asyncio.to_thread(tempfile.mkstemp, suffix=".csv")
        table = Path(name)
        try:
            with os.fdopen(handle, "wb") as target:
                # A BOM: spreadsheet programs then read the UTF-8 as such.
                target.write("\ufeff".encode())
                async with self.store.export_rows() as rows:
                    with use_locale(language):
                        async for chunk in cases_csv(
                                rows.cases(start, end, scope.unit, scope.field),
                                directory, language, self.settings.tz):
                            target.write(chunk.encode("utf-8"))
            return await _send_file(request, table, CSV_MIME,
                                    f"pakn-{_label(period)}-cases.csv")
        finally:
            await asyncio.to_thread(table.unlink, missing_ok=True)

    # --- the directory -----------------------------------------------------------------

    async def directory(self, request: web.Request, *, error: str | None = None,
                        notes: list[str] | None = None, status: int = 200) -> web.Response:
        viewer = await self.sessions.require(request, admin=True)
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
        with use_locale(self.language(viewer)):
            summary = as_text(directory)
        return self.render(request, viewer, "admin/directory.html", "directory", status=status,
                           summary=summary, error=error, notes=notes or [], nonce=new_nonce())

    async def directory_file(self, request: web.Request) -> web.Response:
        await self.sessions.require(request, admin=True)
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
        text = yaml.safe_dump(as_json(directory, history=False), allow_unicode=True,
                              sort_keys=False)
        return _download(text.encode("utf-8"), "application/yaml",
                         f"directory-{directory.code}.yaml")

    async def upload_directory(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request, admin=True)
        fields = await self.sessions.form(request, viewer)
        upload = fields.get("file")
        with use_locale(self.language(viewer)):
            if not isinstance(upload, web.FileField):
                return await self.directory(request, error=_("Choose a YAML file."), status=400)
            try:
                directory = parse_directory(upload.file.read().decode("utf-8"))
            except UnicodeDecodeError:
                return await self.directory(request, error=_("The file is not UTF-8 text."),
                                            status=400)
            except DirectoryError as exc:
                return await self.directory(
                    request, status=400,
                    error=_("{error} (nothing was changed)").format(error=exc))

        async def replace(work: DoorWork) -> None:
            await load_directory(work.uow, work.now, directory, work.now.astimezone(work.tz).date())
        await self._perform(viewer, fields, "directory", replace, upload.filename)
        with use_locale(self.language(viewer)):
            note = _("Imported {name}: {areas} areas, {units} units, {fields} fields, "
                     "{procedures} procedures, {rules} routing rules.").format(
                name=directory.name.in_language(self.language(viewer)),
                areas=len(directory.areas), units=len(directory.units),
                fields=len(directory.fields), procedures=len(directory.procedures),
                rules=len(directory.rules))
        return await self.directory(request, notes=[note])

    # --- the calendar ------------------------------------------------------------------

    async def calendar(self, request: web.Request, *, error: str | None = None,
                       notes: list[str] | None = None, status: int = 200,
                       year: int | None = None) -> web.Response:
        viewer = await self.sessions.require(request, admin=True)
        year = year or params.int_param(request.query, "year",
                                        self.clock().astimezone(self.settings.tz).year,
                                        calendars.FIRST_YEAR, calendars.LAST_YEAR)
        async with self.store.unit_of_work() as uow:
            overrides = await uow.calendar.overrides()
            year_status = await calendars.status_of(uow, year)
        with use_locale(self.language(viewer)):
            lines = calendar_text(year_status, bundled(), overrides, self.settings.tz)
            estimate = estimate_note(year_status)
        return self.render(request, viewer, "admin/calendar.html", "calendar", status=status,
                           year=year, lines=lines, error=error, notes=notes or [],
                           estimate=estimate, nonce=new_nonce())

    def _year(self, text: str) -> int:
        try:
            year = int(text)
        except ValueError:
            year = 0
        if calendars.FIRST_YEAR <= year <= calendars.LAST_YEAR:
            return year
        return self.clock().astimezone(self.settings.tz).year

    async def confirm_year(self, request: web.Request) -> web.Response:
        """An administrator confirms the year shown: no longer an estimate."""
        viewer = await self.sessions.require(request, admin=True)
        fields = await self.sessions.form(request, viewer)
        year = self._year(str(fields.get("year", "")))
        by = viewer.account.name or str(viewer.account.id)

        async def store_it(work: DoorWork) -> bool:
            return await calendars.confirm(work.uow, by, year, work.now)
        await self._perform(viewer, fields, "calendar.confirm", store_it, str(year))
        with use_locale(self.language(viewer)):
            note = _("The calendar of {year} is confirmed: it is no longer shown as "
                     "estimated.").format(year=year)
        return await self.calendar(request, notes=[note], year=year)

    async def add_day(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request, admin=True)
        fields = await self.sessions.form(request, viewer)
        kind, reason = str(fields.get("kind", "")), clean(str(fields.get("reason", "")))
        with use_locale(self.language(viewer)):
            try:
                day = date.fromisoformat(str(fields.get("day", "")))
            except ValueError:
                return await self.calendar(request, error=_("Give the day as a date."),
                                           status=400)
            if kind not in ("off", "work") or not reason:
                return await self.calendar(
                    request, status=400,
                    error=_("Choose day off or working day, and give the reason (the "
                            "decision)."))

        async def store_it(work: DoorWork) -> None:
            await work.uow.calendar.set(Override(day, kind, reason[:300]), work.now)
        await self._perform(viewer, fields, "calendar", store_it, f"{day} {kind} {reason}")
        with use_locale(self.language(viewer)):
            what = _("a day off") if kind == "off" else _("a working day")
            note = _("{day} is now {what}: {reason}").format(
                day=day.strftime("%d/%m/%Y"), what=what, reason=reason)
        return await self.calendar(request, notes=[note])

    # --- invites -----------------------------------------------------------------------

    async def invites(self, request: web.Request, *, lines: list[str] | None = None,
                      error: str | None = None, status: int = 200) -> web.Response:
        viewer = await self.sessions.require(request, admin=True)
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
        return self.render(request, viewer, "admin/invites.html", "invites", status=status,
                           directory=directory, lines=lines or [], error=error,
                           nonce=new_nonce(), days=self.settings.invite_days)

    async def invite(self, request: web.Request) -> web.Response:
        viewer = await self.sessions.require(request, admin=True)
        fields = await self.sessions.form(request, viewer)
        role, unit = str(fields.get("role", "")), str(fields.get("unit", "")) or None
        async with self.store.unit_of_work() as uow:
            directory = await uow.directory.load()
        if role not in ("staff", "head", "admin") or (
                role != "admin" and (unit is None or not directory.has_unit(unit))):
            with use_locale(self.language(viewer)):
                return await self.invites(request, status=400, error=_(
                    "Choose a role, and a unit for staff and heads."))

        async def make(work: DoorWork) -> tuple[str, str | None]:
            token = await create_invite(work.uow.invites, Role(role),
                                        None if role == "admin" else unit, viewer.account.id,
                                        work.now, work.settings.invite_days)
            return token, await work.uow.meta.get(BOT_USERNAME_KEY)
        made = await self._perform(viewer, fields, "invite", make, f"{role} {unit or ''}")
        if made is None:  # the same form sent twice: the first made the invite
            raise web.HTTPSeeOther("/quan-tri/moi")
        token, username = made
        with use_locale(self.language(viewer)):
            lines = [_("Invite created. It works once and expires in {days} days.").format(
                days=self.settings.invite_days)]
            if username:
                lines.append(_("Telegram: {link}").format(link=telegram_link(username, token)))
            lines.append(_("Web chat: send /start {token}").format(token=token))
        return await self.invites(request, lines=lines)

    async def _perform(self, viewer: Viewer, fields: Form, what: str,
                       action: Callable[[DoorWork], Awaitable[T]], summary: str | None) -> T | None:
        """An administrator's change, in one transaction with its form's nonce: once per
        form sent (None when it was sent before)."""
        nonce = str(fields.get("nonce", ""))
        if not NONCE.match(nonce):
            raise web.HTTPBadRequest(text="reload the page and try again")

        async def once(work: DoorWork) -> T | None:
            if not await Sessions.first_time(work.uow, viewer, nonce, what,
                                             (summary or "")[:200], work.now):
                return None
            return await action(work)
        return await self.runner.run(once, DASHBOARD)


async def _include(uow: SqlUnitOfWork, viewer: Viewer, unit: str, period: Period,
                   now: datetime) -> None:
    if await uow.reviews.in_force(period.first, period.last, unit):
        raise ValidationError("already_included")  # undoes the form's record too
    inclusion = await uow.reviews.include(unit, period.first, period.last, viewer.account.id,
                                          now)
    await uow.audit.record(viewer.account.id, "include_unverified", {
        "unit": unit, "first": period.first.isoformat(), "last": period.last.isoformat(),
        "inclusion_id": inclusion}, now)


async def _revoke(uow: SqlUnitOfWork, viewer: Viewer, inclusion_id: int,
                  now: datetime) -> None:
    revoked = await uow.reviews.revoke(inclusion_id, viewer.account.id, now)
    if revoked is not None:  # else revoked already, by another form
        await uow.audit.record(viewer.account.id, "revoke_unverified_inclusion", {
            "unit": revoked.unit, "first": revoked.first.isoformat(),
            "last": revoked.last.isoformat(), "inclusion_id": revoked.id}, now)


def _burst_place(burst: Burst, desks: dict[int, SurveyToken], directory: Directory) -> str:
    """Where a burst came from; an address only as such (its hash means nothing)."""
    if burst.place is Place.ORIGIN:
        return _("One network address")
    token = desks.get(int(burst.key))
    if token is None:
        return _("A desk's QR code")
    return " · ".join([token.desk or _("A desk's QR code"),
                       *([unit_name(directory, token.unit)] if token.unit else []),
                       procedure_name(directory, token.procedure)])


def _label(period: Period) -> str:
    return period.label.replace("..", "_")


def _download(body: bytes, mime: str, filename: str) -> web.Response:
    return web.Response(body=body, content_type=mime, headers=_download_headers(filename))


def _download_headers(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


async def _send_file(request: web.Request, path: Path, mime: str,
                     filename: str) -> web.StreamResponse:
    """A file from the disk, a chunk at a time."""
    response = web.StreamResponse(headers=_download_headers(filename))
    response.content_type = mime
    response.content_length = (await asyncio.to_thread(path.stat)).st_size
    await response.prepare(request)
    with path.open("rb") as source:
        while chunk := await asyncio.to_thread(source.read, CHUNK):
            await response.write(chunk)
    await response.write_eof()
    return response


def end_of_day_note(end_of_day: time) -> str:
    """Which end of a due day the on-time figures use (PAKN_END_OF_DAY)."""
    if end_of_day == END_OF_CIVIL_DAY:
        return _("On time: settled by 24:00 of the due day (Bộ luật Dân sự 2015, art. 148).")
    return _("On time: settled by {time} of the due day, the end of office hours.").format(
        time=end_of_day.strftime("%H:%M"))
