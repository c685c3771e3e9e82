"""Following a PAKN: /tracuu with a code shows its status and history to those allowed
to see it; to anyone else it says nothing about whether the code exists."""

from bot.context import Context
from bot.handlers.cards import citizen_view, event_line, status_label
from bot.handlers.casework import show_card
from bot.i18n import _, format_date
from bot.messages import Reply
from bot.routing import Router
from complaints.case import can_handle, can_view
from complaints.codes import parse_tracking_code

router = Router()
HISTORY_LINES = 20


def looks_like_code(text: str) -> bool:
    return parse_tracking_code(text) is not None


@router.command("tracuu", "status")
async def status_command(ctx: Context) -> None:
    if ctx.message.args.strip():
        await show_status(ctx, ctx.message.args)
    else:
        await list_own(ctx)


async def show_status(ctx: Context, text: str) -> None:
    code = parse_tracking_code(text)
    case = await ctx.uow.cases.get_by_code(code) if code else None
    if case is None or not can_view(ctx.actor, case):
        await ctx.reply(Reply(_("I found no PAKN with that code among those you may see. "
                                "Check the code, e.g. PA-2026-000042.")))
        return
    assert case.id is not None
    staff = can_handle(ctx.actor, case)
    history = await ctx.uow.cases.history(case.id)
    lines = citizen_view(case, ctx.directory, ctx.tz, ctx.now)
    lines += ["", _("History:")]
    lines += [event_line(e, ctx.directory, ctx.tz, staff) for e in history[-HISTORY_LINES:]]
    await ctx.reply(Reply("\n".join(lines)))
    if staff and case.is_open:
        await show_card(ctx, case)


async def list_own(ctx: Context) -> None:
    cases = await ctx.uow.cases.of_citizen(ctx.account.id, 10)
    if not cases:
        await ctx.reply(Reply(_("You have not sent any PAKN yet. Send /phananh to send one.")))
        return
    lines = [_("Your latest PAKN (send /tracuu CODE for details):")]
    lines += [f"{c.code} · {status_label(c.status)} · " +
              _("due {date}").format(date=format_date(c.due_at, ctx.tz)) for c in cases]
    await ctx.reply(Reply("\n".join(lines)))
