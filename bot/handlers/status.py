"""Following a PAKN: /tracuu with a code shows its status and history to those allowed
to see it (the sender, the chats that proved they hold its phone, its unit's staff);
to anyone else it says nothing about whether the code exists, and offers to follow it
here by proving the phone given with it (bot.handlers.sender_chats)."""

from bot.core.sender_chats import speaks_for
from bot.handlers.casework import show_card
from bot.present.case_view import citizen_view, event_line, status_label
from bot.present.i18n import _, format_date
from bot.spine.callbacks import FollowCase
from bot.spine.context import Context
from bot.spine.messages import Button, Reply
from bot.spine.routing import Router
from complaints.case import can_handle, can_view
from complaints.codes import parse_tracking_code

router = Router()
HISTORY_LINES = 20


def not_found() -> str:
    return _("I found no PAKN with that code among those you may see. Check the code, "
             "e.g. PA-2026-000042.")


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
    if case is None or not (can_view(ctx.actor, case)
                            or await speaks_for(ctx.uow, case, ctx.account)):
        if code and can_offer(ctx):
            await offer(ctx, code)
            return
        await ctx.reply(Reply(not_found()))
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


def can_offer(ctx: Context) -> bool:
    """A code can go by SMS, or the person can share their number."""
    return ctx.settings.sms_api_key is not None or ctx.capabilities.share_contact


async def offer(ctx: Context, code: str) -> None:
    """Offer to follow here the PAKN of that code, the same whether it exists or not;
    nothing is kept until the person takes the offer."""
    buttons: list[tuple[Button, ...]] = []
    if ctx.settings.sms_api_key is not None:
        buttons.append((Button(_("Send me a code by SMS"), FollowCase("send", code).pack()),))
    if ctx.capabilities.share_contact:
        buttons.append((Button(_("Share my phone number"),
                               FollowCase("share", code).pack()),))
    await ctx.reply(Reply(not_found() + "\n\n" + _(
        "If the PAKN is yours and you gave a phone number with it (by phone, by letter or "
        "at the desk), you can follow it in this chat: prove the phone is yours with a "
        "one-time code sent to it by SMS, or by sharing your number."),
        buttons=tuple(buttons)))


async def list_own(ctx: Context) -> None:
    cases = await ctx.uow.cases.of_citizen(ctx.account.id, 10)
    if not cases:
        await ctx.reply(Reply(_("You have not sent any PAKN yet. Send /phananh to send one.")))
        return
    lines = [_("Your latest PAKN (send /tracuu CODE for details):")]
    lines += [f"{c.code} · {status_label(c.status)} · " +
              _("due {date}").format(date=format_date(c.due_at, ctx.tz)) for c in cases]
    await ctx.reply(Reply("\n".join(lines)))
