"""The written apology with one new date (Thông tư 03/2025/TT-VPCP, Mẫu số 04, used for
PAKN by analogy with dossiers): offered to staff on the working day before the due date,
written by them, or sent on the unit's behalf when a deadline passed without one."""

from dataclasses import replace
from datetime import date, datetime

from bot.core import apology, casework
from bot.core.apology import check_date
from bot.handlers.casework import act, work_of
from bot.present.documents import apology_message
from bot.present.i18n import _, format_date
from bot.spine.callbacks import StaffStep
from bot.spine.context import Context
from bot.spine.messages import Button, Reply
from bot.spine.states import ApologyState
from complaints import case as lifecycle
from complaints.apology import SUGGESTED_DELAYS, TITLE_MAX, TITLE_MIN
from complaints.calendar import add_working_days
from complaints.case import Case, check_text
from complaints.errors import ValidationError


def _cancel(case_id: int) -> Button:
    return Button(_("Cancel"), StaffStep("cancel", case_id).pack())


async def begin(ctx: Context, case: Case) -> None:
    """Staff pressed "late: apologise and set a new date"."""
    casework.may_apologise(ctx.actor, case)
    assert case.id is not None
    ctx.dialog.reset(ApologyState.REASON, case_id=case.id)
    await ctx.reply(Reply(
        _("Written apology for {code}. Why will the result be late? The reason is sent to "
          "the sender as you write it.").format(code=case.code),
        buttons=((_cancel(case.id),),)))


async def typed(ctx: Context, case: Case, text: str) -> None:
    """Free text in one of the apology steps (the case may have moved on since the
    apology was begun: resolved, or transferred)."""
    lifecycle.require_handler(ctx.actor, case, "extend")
    state, data = ctx.dialog.state, ctx.dialog.data
    assert case.id is not None
    if state == ApologyState.REASON:
        data["reason"] = check_text(text, lifecycle.REASON_MIN, lifecycle.ANSWER_MAX)
        await _ask_date(ctx, case)
    elif state == ApologyState.DATE:
        await date_chosen(ctx, case, parse_date(text))
    elif state == ApologyState.NAME:
        name = check_text(text, TITLE_MIN, TITLE_MAX)
        await ctx.uow.accounts.set_name(ctx.account.id, name)
        ctx.account = replace(ctx.account, name=name)
        await _ask_signature(ctx, case)
    elif state == ApologyState.TITLE:
        title = check_text(text, TITLE_MIN, TITLE_MAX)
        await ctx.uow.accounts.set_title(ctx.account.id, title)
        await _preview(ctx, case, title)
    else:
        await ctx.reply(Reply(_("Please use the buttons above, or send /huy to cancel.")))


async def _ask_date(ctx: Context, case: Case) -> None:
    assert case.id is not None
    ctx.dialog.state = ApologyState.DATE
    calendar = await ctx.calendar()
    current = case.effective_due_at.astimezone(ctx.tz).date()
    buttons = []
    for days in SUGGESTED_DELAYS:
        day = add_working_days(calendar, current, days)
        buttons.append(Button(format_date(end_of(day, ctx), ctx.tz),
                              StaffStep(f"d{day:%Y%m%d}", case.id).pack()))
    await ctx.reply(Reply(_("New date for the result? Choose one, or write a working day as "
                            "dd/mm/yyyy. It can be set only once."),
                          buttons=(tuple(buttons), (_cancel(case.id),))))


def parse_date(text: str) -> date:
    parts = text.strip().replace("-", "/").replace(".", "/").split("/")
    try:
        day, month, year = (int(p) for p in parts)
        return date(year if year > 100 else 2000 + year, month, day)
    except (ValueError, OverflowError):
        raise ValidationError("date_invalid") from None


def end_of(day: date, ctx: Context) -> datetime:
    return apology.end_of(day, ctx.settings.end_of_day, ctx.tz)


async def date_chosen(ctx: Context, case: Case, day: date) -> None:
    lifecycle.require_handler(ctx.actor, case, "extend")
    await check_date(work_of(ctx), case, day)
    ctx.dialog.data["new_due"] = day.isoformat()
    await _ask_signature(ctx, case)


async def _ask_signature(ctx: Context, case: Case) -> None:
    """The apology is signed with the official's name and title: asked once, kept."""
    if not ctx.account.name:
        ctx.dialog.state = ApologyState.NAME
        await ctx.reply(Reply(_("Your full name, as it should be signed on the apology:")))
        return
    title = await ctx.uow.accounts.title(ctx.account.id)
    if not title:
        ctx.dialog.state = ApologyState.TITLE
        await ctx.reply(Reply(_("Your job title, as it should stand above your name on the "
                                "apology (e.g. Chuyên viên, Phó Trưởng phòng):")))
        return
    await _preview(ctx, case, title)


async def _preview(ctx: Context, case: Case, title: str) -> None:
    assert case.id is not None
    ctx.dialog.state = ApologyState.CONFIRM
    notice = await apology.notice(ctx.uow, ctx.directory, case, ctx.now, ctx.tz,
                                  reason=ctx.dialog.data["reason"],
                                  new_due=date.fromisoformat(ctx.dialog.data["new_due"]),
                                  number=_("(number given when sent)"),
                                  official_name=ctx.account.name, official_title=title)
    await ctx.reply(Reply(
        _("The sender will receive this, with the same as a PDF document:") + "\n\n" +
        apology_message(notice),
        buttons=((Button(_("Send the apology"), StaffStep("apology", case.id).pack()),
                  _cancel(case.id)),)))


async def confirm(ctx: Context, case: Case) -> None:
    data = ctx.dialog.data
    work = work_of(ctx)
    await act(ctx, casework.apologise(work, ctx.actor, ctx.account, case, data["reason"],
                                      date.fromisoformat(data["new_due"])), work)
