"""Administrators' commands in chat: invites, the indicators, exports."""

import tempfile
from typing import IO

from bot.core.invites import create_invite, telegram_link
from bot.core.keys import BOT_USERNAME_KEY
from bot.core.ports import FileKind
from bot.files.links import EXPORT_PAGE
from bot.present.errors import Refused
from bot.present.exports import XLSX, cases_csv, write_xlsx
from bot.present.i18n import _
from bot.present.reports import make_report, report_text
from bot.spine.context import Context
from bot.spine.messages import Reply
from bot.spine.routing import Router
from complaints.people import Role
from surveys.errors import PeriodError
from surveys.periods import Period, parse_period
from surveys.report import Scope

router = Router()


@router.command("moi", "invite")
async def invite(ctx: Context) -> None:
    if ctx.account.role is not Role.ADMIN:
        raise Refused("not_admin", _("Only administrators can invite people."))
    parts = ctx.message.args.split()
    usage = _("Write /moi ROLE [UNIT]: ROLE is staff, head or admin; staff and heads need a "
              "unit code, e.g. /moi staff PTNMT.")
    if not parts or parts[0] not in ("staff", "head", "admin"):
        await ctx.reply(Reply(usage))
        return
    role = Role(parts[0])
    unit = parts[1] if len(parts) > 1 else None
    if role is not Role.ADMIN and (unit is None or not ctx.directory.has_unit(unit)):
        codes = ", ".join(u.code for u in ctx.directory.units)
        await ctx.reply(Reply(usage + "\n" + _("Unit codes: {codes}").format(codes=codes)))
        return
    if role is Role.ADMIN:
        unit = None
    token = await create_invite(ctx.uow.invites, role, unit, ctx.account.id, ctx.now,
                                ctx.settings.invite_days)
    lines = [_("Invite created. It works once and expires in {days} days.").format(
        days=ctx.settings.invite_days)]
    username = await ctx.uow.meta.get(BOT_USERNAME_KEY)
    if username:
        lines.append(_("Telegram: {link}").format(link=telegram_link(username, token)))
    lines.append(_("Web chat: send /start {token}").format(token=token))
    await ctx.reply(Reply("\n".join(lines), sensitive=True))


def default_period(ctx: Context) -> str:
    """The current quarter, the period reports are made for."""
    local = ctx.now.astimezone(ctx.tz)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


async def _period(ctx: Context) -> Period | None:
    try:
        return parse_period(ctx.message.args or default_period(ctx))
    except PeriodError:
        await ctx.reply(Reply(_("Write the period as 2026, 2026-Q1, 2026-H1, 2026-9M, 2026-03 "
                                "or 2026-01-01..2026-03-31.")))
        return None


@router.command("thongke", "stats")
async def stats(ctx: Context) -> None:
    if ctx.account.role is not Role.ADMIN:
        raise Refused("not_admin", _("Only administrators can see the indicators."))
    period = await _period(ctx)
    if period is None:
        return
    report = await make_report(ctx.uow.indicators, ctx.directory, period, Scope(), ctx.now,
                               ctx.tz)
    await ctx.reply(Reply(report_text(report, ctx.directory, ctx.language, ctx.tz)))
    # matplotlib takes a third of a second to import: loaded by the first chart drawn.
    from bot.present.charts import report_chart

    chart = await ctx.uow.attachments.add(
        ctx.account.id, ctx.message.channel, ctx.now,
        content=report_chart(report, ctx.directory, ctx.language), mime="image/png",
        kind=FileKind.DOCUMENT)
    await ctx.reply(Reply(_("Charts for {label}").format(label=period.label),
                          photo_attachment=chart))


@router.command("xuat", "export")
async def export(ctx: Context) -> None:
    if ctx.account.role is not Role.ADMIN:
        raise Refused("not_admin", _("Only administrators can export the data."))
    period = await _period(ctx)
    if period is None:
        return
    report = await make_report(ctx.uow.indicators, ctx.directory, period, Scope(), ctx.now,
                               ctx.tz)
    # Written to temporary files as the rows come, then kept once, as the files the
    # outbox sends: never a workbook being built in memory.
    name = f"pakn-{period.label.replace('..', '_')}"
    with tempfile.TemporaryFile() as workbook, tempfile.TemporaryFile() as table:
        await write_xlsx(workbook, report, ctx.uow.exports, ctx.directory, ctx.language,
                         ctx.tz, ctx.now)
        start, end = period.bounds(ctx.tz)
        table.write("\ufeff".encode())  # a BOM: spreadsheet programs then read it as UTF-8
        async for chunk in cases_csv(ctx.uow.exports.cases(start, end), ctx.directory,
                                     ctx.language, ctx.tz):
            table.write(chunk.encode("utf-8"))
        files = [(_contents(workbook), XLSX, f"{name}.xlsx"),
                 (_contents(table), "text/csv", f"{name}-cases.csv")]
    for content, mime, filename in files:
        document = await ctx.uow.attachments.add(ctx.account.id, ctx.message.channel, ctx.now,
                                                 content=content, mime=mime, filename=filename,
                                                 kind=FileKind.EXPORT)
        if ctx.capabilities.sends_files:
            await ctx.reply(Reply(filename, document=document, sensitive=True))
        else:
            # No file in this chat, and no link a chat could pass on: the export waits on
            # the dashboard, for administrators signed in.
            await ctx.reply(Reply(_("{name}: download it on the dashboard (sign in as an "
                                    "administrator): {url}").format(
                name=filename,
                url=ctx.settings.site_url + EXPORT_PAGE.format(attachment_id=document))))


def _contents(file: IO[bytes]) -> bytes:
    file.seek(0)
    return file.read()
