"""The written apology with one new date (Thông tư 03/2025/TT-VPCP, Mẫu số 04, used for
PAKN by analogy with dossiers): offered to staff on the working day before the due date,
written by them, or sent on the unit's behalf when a deadline passed without one."""

from dataclasses import replace
from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from bot.callbacks import StaffStep
from bot.context import Context
from bot.core.sender_chats import sender_reach
from bot.documents import apology_message, apology_pdf
from bot.handlers.cards import removed
from bot.handlers.casework import save_and_refresh
from bot.i18n import _, format_date, use_locale
from bot.messages import Button, Reply
from bot.names import field_name, unit_name
from bot.notify import Notifier
from bot.ports import ApologyRecord, FileKind, UnitOfWork
from bot.states import ApologyState
from complaints import case as lifecycle
from complaints.apology import (
    SUGGESTED_DELAYS,
    TITLE_MAX,
    TITLE_MIN,
    ApologyNotice,
    apology_number,
)
from complaints.calendar import add_working_days
from complaints.case import Case, check_text
from complaints.directory import Directory
from complaints.errors import InvalidTransition, ValidationError
from complaints.people import Account


def _cancel(case_id: int) -> Button:
    return Button(_("Cancel"), StaffStep("cancel", case_id).pack())


async def begin(ctx: Context, case: Case) -> None:
    """Staff pressed "late: apologise and set a new date"."""
    lifecycle.require_handler(ctx.actor, case, "extend")
    if case.extended_due_at is not None:
        raise InvalidTransition("extend", "already_extended")
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
    return datetime.combine(day, ctx.settings.end_of_day, tzinfo=ctx.tz)


async def date_chosen(ctx: Context, case: Case, day: date) -> None:
    lifecycle.require_handler(ctx.actor, case, "extend")
    await _check_date(ctx, case, day)
    ctx.dialog.data["new_due"] = day.isoformat()
    await _ask_signature(ctx, case)


async def _check_date(ctx: Context, case: Case, day: date) -> None:
    calendar = await ctx.calendar()
    current = case.effective_due_at.astimezone(ctx.tz).date()
    if not calendar.is_working_day(day):
        raise ValidationError("date_not_working_day")
    if day <= current:
        raise ValidationError("new_date_too_early")


async def apologise(ctx: Context, case: Case, reason: str, day: date, name: str,
                    title: str) -> None:
    """The apology in one go, as the dashboard's form gives all its parts at once."""
    lifecycle.require_handler(ctx.actor, case, "extend")
    if case.extended_due_at is not None:
        raise InvalidTransition("extend", "already_extended")
    reason = check_text(reason, lifecycle.REASON_MIN, lifecycle.ANSWER_MAX)
    await _check_date(ctx, case, day)
    name, title = check_text(name, TITLE_MIN, TITLE_MAX), check_text(title, TITLE_MIN, TITLE_MAX)
    if name != ctx.account.name:
        await ctx.uow.accounts.set_name(ctx.account.id, name)
        ctx.account = replace(ctx.account, name=name)
    await ctx.uow.accounts.set_title(ctx.account.id, title)
    ctx.dialog.reset(ApologyState.CONFIRM, case_id=case.id, reason=reason, new_due=day.isoformat())
    await confirm(ctx, case)


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
    notice = await _notice(ctx.uow, ctx.directory, case, ctx.now, ctx.tz,
                           reason=ctx.dialog.data["reason"],
                           new_due=date.fromisoformat(ctx.dialog.data["new_due"]),
                           number=_("(number given when sent)"), official_name=ctx.account.name,
                           official_title=title)
    await ctx.reply(Reply(
        _("The sender will receive this, with the same as a PDF document:") + "\n\n" +
        apology_message(notice),
        buttons=((Button(_("Send the apology"), StaffStep("apology", case.id).pack()),
                  _cancel(case.id)),)))


async def confirm(ctx: Context, case: Case) -> None:
    data = ctx.dialog.data
    new_due = datetime.combine(date.fromisoformat(data["new_due"]), ctx.settings.end_of_day,
                               tzinfo=ctx.tz)
    lifecycle.extend(case, ctx.actor, data["reason"], new_due, ctx.now)
    await save_and_refresh(ctx, case)
    title = await ctx.uow.accounts.title(ctx.account.id)
    await issue(ctx.uow, ctx.notifier, ctx.directory, case, ctx.now, ctx.tz, kind="staff",
                reason=data["reason"], new_due=new_due, official=ctx.account,
                official_title=title)
    ctx.dialog.reset()
    await ctx.reply(Reply(_("The apology for {code} was sent with the new date {date}.").format(
        code=case.code, date=format_date(new_due, ctx.tz))))


async def _notice(uow: UnitOfWork, directory: Directory, case: Case, now: datetime,
                  timezone: ZoneInfo, *, reason: str, new_due: date | None, number: str,
                  official_name: str, official_title: str) -> ApologyNotice:
    contact = case.contact
    name, address, phone = ((removed(),) * 3 if contact.erased
                            else (contact.name, contact.address, contact.phone))
    return ApologyNotice(
        place=directory.place, unit_name=unit_name(directory, case.unit), number=number,
        issued_on=now.astimezone(timezone).date(), recipient_name=name,
        recipient_address=address, recipient_phone=phone,
        received_on=case.received_at.astimezone(timezone).date(),
        field_name=field_name(directory, case.field), case_code=case.code,
        original_due=case.due_at.astimezone(timezone).date(), reason=reason, new_due=new_due,
        official_name=official_name, official_title=official_title)


async def issue(uow: UnitOfWork, notifier: Notifier, directory: Directory, case: Case,
                now: datetime, timezone: ZoneInfo, *, kind: str, reason: str | None,
                new_due: datetime | None, official: Account | None,
                official_title: str) -> bool:
    """Number the apology in the unit's register, make its PDF in the sender's language,
    keep both, and send them. False if the case already had an apology of this kind.

    Without an official (`official` None) it is the apology sent on the unit's behalf
    when the deadline passed: its reason is that, and the new date is still owed."""
    assert case.id is not None
    citizen = await uow.accounts.get(case.citizen_id)
    assert citizen is not None
    year = now.astimezone(timezone).year
    number = apology_number(await uow.meta.next_number(f"apology:{case.unit}:{year}"), case.unit)
    with use_locale(await notifier.language_of(citizen)):
        if official is None:
            official_name = _("On behalf of {unit}").format(unit=unit_name(directory, case.unit))
        else:
            official_name = official.name
        if reason is None:
            reason = _("the time limit passed before the unit could give its answer")
        notice = await _notice(uow, directory, case, now, timezone, reason=reason,
                               new_due=new_due.astimezone(timezone).date() if new_due else None,
                               number=number, official_name=official_name,
                               official_title=official_title)
        pdf = apology_pdf(notice)
        text = apology_message(notice)
    document = await uow.attachments.add(
        case.citizen_id, case.channel, now, content=pdf, mime="application/pdf",
        filename=f"{case.code}-{number.replace('/', '-')}.pdf", case_id=case.id,
        kind=FileKind.DOCUMENT)
    if not await uow.apologies.add(ApologyRecord(
            case.id, kind, number, case.unit, reason, new_due,
            official.id if official else None, official_name, official_title, document, now)):
        return False
    key = f"apology:{case.id}:{kind}"
    def paper() -> Reply:
        return Reply(_("The apology as a document: {code}").format(code=case.code),
                     document=document)
    for person, chats in await sender_reach(uow, case):
        await notifier.notify(person, lambda: Reply(text), case_id=case.id, chats=chats,
                              key=key)
        await notifier.notify(person, paper, case_id=case.id, chats=chats,
                              key=key + ":document")
    # Those following it are told in a line: the written apology names the sender.
    for follower in await uow.followers.of_case(case.id):
        account = await uow.accounts.get(follower.account_id)
        if account is not None:
            await notifier.notify(account, partial(_followed_late, case, directory, new_due,
                                                   timezone), case_id=case.id,
                                  chats=[follower.chat], key=f"{key}:{follower.account_id}")
    return True


def _followed_late(case: Case, directory: Directory, new_due: datetime | None,
                   timezone: ZoneInfo) -> Reply:
    text = _("The PAKN {code} you follow is late: {unit} apologised to its sender.").format(
        code=case.code, unit=unit_name(directory, case.unit))
    if new_due is not None:
        text += " " + _("The answer is now promised by {date}.").format(
            date=format_date(new_due, timezone))
    return Reply(text)

