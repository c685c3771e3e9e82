"""Dossiers in the chat: a citizen follows one by the receipt's one-time link
(`/start hs_...`) or with `/hoso CODE` and the phone on the dossier, sees the ones they
follow, and rates one once its result is back; the unit's staff write its apology when
it will be late."""

from dataclasses import replace
from datetime import date

from bot.core import dossiers as core
from bot.core.work import DoorWork, Work, deliver
from bot.handlers import survey
from bot.handlers.apology import end_of, parse_date
from bot.handlers.common import ask_consent, has_consented, menu_buttons
from bot.present.dossier_view import status_label, summary
from bot.present.errors import Refused, stale_button
from bot.present.i18n import _, format_date, format_datetime
from bot.spine.callbacks import DossierAction, Payload
from bot.spine.context import Context
from bot.spine.messages import Button, ButtonKind, Kind, Reply
from bot.spine.routing import Router
from bot.spine.states import DossierApologyState, DossierState
from complaints.apology import SUGGESTED_DELAYS, TITLE_MAX, TITLE_MIN
from complaints.calendar import add_working_days
from complaints.case import ANSWER_MAX, REASON_MIN, check_text
from complaints.dossiers import Dossier, check_new_date
from complaints.errors import NotAllowed

router = Router()
LISTED = 10


def _work(ctx: Context) -> DoorWork:
    return Work(ctx.uow, ctx.now, ctx.settings, ctx.directory, ctx.calendars)


async def _done(ctx: Context, work: DoorWork) -> None:
    """What the use case owes others goes out with this message's transaction."""
    await deliver(work.owed, ctx.notifier)


# --- following --------------------------------------------------------------------------------

def is_dossier_link(args: str) -> bool:
    return args.startswith(core.LINK_PREFIX)


async def from_link(ctx: Context, token: str) -> None:
    if not has_consented(ctx):
        await ask_consent(ctx, then="dossier", prefill={"link": token})
        return
    work = _work(ctx)
    following = await core.follow_by_link(work, ctx.account, ctx.chat, token.strip())
    await _done(ctx, work)
    await _answer(ctx, following)


@router.command("hoso", "dossier")
async def dossier_command(ctx: Context) -> None:
    words = ctx.message.args.split()
    if not words:
        await _list(ctx)
        return
    code, phone = words[0], " ".join(words[1:])
    if ctx.actor.is_staff and await _show_to_staff(ctx, code):
        return
    await resume(ctx, {"code": code, "phone": phone or None})


async def _show_to_staff(ctx: Context, code: str) -> bool:
    """A dossier staff may act on: its state, and the apology button while it is open and
    has none. False when it is not theirs (they may still follow it as applicants)."""
    dossier = await ctx.uow.dossiers.get(code.strip().upper())
    if dossier is None or dossier.id is None:
        return False
    staffed = bool(await ctx.uow.accounts.members(dossier.unit))
    if not core.may_apologise(ctx.actor, dossier, ctx.directory.focal_unit, staffed):
        return False
    lines = summary(dossier, ctx.directory, ctx.tz, ctx.now)
    apology = await ctx.uow.dossiers.apology(dossier.id)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if apology is not None:
        lines.append(_("Apology No. {number} issued {date}.").format(
            number=apology.number, date=format_datetime(apology.issued_at, ctx.tz)))
    elif dossier.is_open:
        buttons = ((Button(_("Write the apology"),
                           DossierAction("apologise", dossier.id).pack()),),)
    await ctx.reply(Reply("\n".join(lines), buttons=buttons))
    return True


async def resume(ctx: Context, prefill: dict[str, str | None]) -> None:
    """Go on following with what is known: the link, or the code (and phone)."""
    if not has_consented(ctx):
        await ask_consent(ctx, then="dossier", prefill=prefill)
        return
    if prefill.get("link"):
        await from_link(ctx, str(prefill["link"]))
    elif not prefill.get("code"):
        await _ask_code(ctx)
    elif not prefill.get("phone"):
        await _ask_phone(ctx, str(prefill["code"]))
    else:
        await _follow(ctx, str(prefill["code"]), str(prefill["phone"]))


async def _list(ctx: Context) -> None:
    followed = await ctx.uow.dossiers.followed(ctx.account.id, LISTED)
    if not followed:
        await _ask_code(ctx)
        return
    lines = [_("The dossiers you follow (send /hoso CODE to follow another):")]
    lines += [f"{d.code} · {status_label(d.status)} · " +
              _("due {date}").format(date=format_date(d.effective_due_at, ctx.tz))
              for d, _follower in followed]
    await ctx.reply(Reply("\n".join(lines)))


async def _ask_code(ctx: Context) -> None:
    ctx.dialog.reset(DossierState.CODE)
    await ctx.reply(Reply(_("Follow a dossier of an administrative procedure: send its code, "
                            "as printed on the receipt (giấy tiếp nhận hồ sơ và hẹn trả kết "
                            "quả). Or scan the QR code on the receipt.")))


async def _ask_phone(ctx: Context, code: str) -> None:
    ctx.dialog.reset(DossierState.PHONE, code=code.strip().upper()[:64])
    share: tuple[tuple[Button, ...], ...] = ()
    if ctx.capabilities.share_contact:
        share = ((Button(_("Share my phone number"), kind=ButtonKind.SHARE_CONTACT),),)
    await ctx.reply(Reply(_("The phone number written on the dossier, to check that it is "
                            "yours:"), buttons=share))


@router.state(DossierState, DossierApologyState)
async def typed(ctx: Context) -> None:
    message, state = ctx.message, ctx.dialog.state
    if state == DossierState.CODE and message.kind is Kind.TEXT and message.text:
        await _ask_phone(ctx, message.text)
    elif state == DossierState.PHONE and message.kind is Kind.CONTACT and message.contact:
        if not message.contact.is_own:
            await ctx.reply(Reply(_("Please share your own number, or type it.")))
            return
        await _follow(ctx, ctx.dialog.data["code"], message.contact.phone)
    elif state == DossierState.PHONE and message.kind is Kind.TEXT and message.text:
        await _follow(ctx, ctx.dialog.data["code"], message.text)
    elif DossierApologyState.holds(state):
        await _apology_typed(ctx)
    else:
        await ctx.reply(Reply(_("Please write it as text, or send /huy to stop.")))


async def _follow(ctx: Context, code: str, phone: str) -> None:
    work = _work(ctx)
    following = await core.follow_by_code(work, ctx.account, ctx.chat, code, phone)
    await _done(ctx, work)
    await _answer(ctx, following)


async def _answer(ctx: Context, following: core.Following) -> None:
    ctx.dialog.reset()
    if following.dossier is None:
        texts = {
            "no_match": _("No dossier matches that code and phone number. Check both on the "
                          "receipt and try again with /hoso CODE."),
            "too_many_tries": _("Too many wrong tries. Please try again after {time}, or "
                                "ask the one-stop desk for help.").format(
                time=format_datetime(following.until, ctx.tz) if following.until else ""),
            "bad_link": _("This link is not valid. Send /hoso with the code on your "
                          "receipt to follow the dossier."),
            "link_used": _("This link was already used in another chat. To follow the "
                           "dossier here too, send /hoso with its code and the phone number "
                           "on it."),
        }
        await ctx.reply(Reply(texts[following.refusal or "no_match"],
                              buttons=menu_buttons(ctx)))
        return
    dossier = following.dossier
    intro = (_("You now follow this dossier here: you will be told when its status changes.")
             if following.new else _("You already follow this dossier here."))
    await ctx.reply(Reply("\n".join([intro, "", *summary(dossier, ctx.directory, ctx.tz,
                                                          ctx.now)])))
    if following.rate_now:
        await ctx.reply(core.rating_offer(dossier))


# --- buttons on a dossier ----------------------------------------------------------------------

@router.button(DossierAction)
async def action(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, DossierAction)
    dossier = await ctx.uow.dossiers.get_by_id(payload.dossier_id)
    if dossier is None:
        raise stale_button()
    if payload.action == "rate":
        await _rate(ctx, dossier)
    elif payload.action == "apologise":
        await _begin_apology(ctx, dossier)
    elif payload.action == "cancel" or _is_date(payload.action):
        await _apology_step(ctx, dossier, payload.action)
    else:
        raise stale_button()


async def _rate(ctx: Context, dossier: Dossier) -> None:
    """Only a follower's rating is tied to the dossier: anyone else is refused."""
    assert dossier.id is not None
    if await core.follower_of(ctx.uow, dossier.id, ctx.account.id) is None:
        raise Refused("not_a_follower", _("Only those who follow this dossier can rate it."))
    if dossier.settled_at is None:
        await ctx.reply(Reply(_("You can rate this dossier once its result is ready.")))
        return
    await survey.for_dossier(ctx, dossier)


# --- the apology, by the unit's staff --------------------------------------------------------

def _cancel(dossier_id: int) -> Button:
    return Button(_("Cancel"), DossierAction("cancel", dossier_id).pack())


async def _begin_apology(ctx: Context, dossier: Dossier) -> None:
    assert dossier.id is not None
    staffed = bool(await ctx.uow.accounts.members(dossier.unit))
    if not core.may_apologise(ctx.actor, dossier, ctx.directory.focal_unit, staffed):
        raise NotAllowed("other_unit")
    if await ctx.uow.dossiers.apology(dossier.id) is not None:
        await ctx.reply(Reply(_("Dossier {code} already has its apology and new date.")
                              .format(code=dossier.code)))
        return
    ctx.dialog.reset(DossierApologyState.REASON, dossier_id=dossier.id)
    await ctx.reply(Reply(
        _("Written apology and request for more time for dossier {code}. Why will the "
          "result be late? The applicant receives the reason as you write it.").format(
            code=dossier.code), buttons=((_cancel(dossier.id),),)))


async def _apology_typed(ctx: Context) -> None:
    state, data, text = ctx.dialog.state, ctx.dialog.data, ctx.message.text or ""
    dossier = await ctx.uow.dossiers.get_by_id(int(data["dossier_id"]))
    if dossier is None or ctx.message.kind is not Kind.TEXT:
        raise stale_button()
    if state == DossierApologyState.REASON:
        data["reason"] = check_text(text, REASON_MIN, ANSWER_MAX)
        await _ask_date(ctx, dossier)
    elif state == DossierApologyState.DATE:
        await _date_chosen(ctx, dossier, parse_date(text))
    elif state == DossierApologyState.NAME:
        name = check_text(text, TITLE_MIN, TITLE_MAX)
        await ctx.uow.accounts.set_name(ctx.account.id, name)
        ctx.account = replace(ctx.account, name=name)
        await _ask_signature(ctx, dossier)
    elif state == DossierApologyState.TITLE:
        await ctx.uow.accounts.set_title(ctx.account.id, check_text(text, TITLE_MIN, TITLE_MAX))
        await _issue(ctx, dossier)


async def _ask_date(ctx: Context, dossier: Dossier) -> None:
    assert dossier.id is not None
    ctx.dialog.state = DossierApologyState.DATE
    calendar = await ctx.calendar()
    due = dossier.due_at.astimezone(ctx.tz).date()
    buttons = tuple(
        Button(format_date(end_of(day, ctx), ctx.tz),
               DossierAction(f"d{day:%Y%m%d}", dossier.id).pack())
        for day in (add_working_days(calendar, due, n) for n in SUGGESTED_DELAYS))
    await ctx.reply(Reply(_("New date for the result? Choose one, or write a working day as "
                            "dd/mm/yyyy. It can be set only once."),
                          buttons=(buttons, (_cancel(dossier.id),))))


def _is_date(action: str) -> bool:
    return len(action) == 9 and action[0] == "d" and action[1:].isascii() and \
        action[1:].isdigit()


async def _apology_step(ctx: Context, dossier: Dossier, step: str) -> None:
    """A button in the apology dialog: a suggested date, or cancel."""
    if (not DossierApologyState.holds(ctx.dialog.state)
            or ctx.dialog.data.get("dossier_id") != dossier.id):
        raise stale_button()
    if step == "cancel":
        ctx.dialog.reset()
        await ctx.reply(Reply(_("Cancelled. Nothing was sent.")))
        return
    if ctx.dialog.state != DossierApologyState.DATE:
        raise stale_button()
    try:
        day = date(int(step[1:5]), int(step[5:7]), int(step[7:9]))
    except ValueError:
        raise stale_button() from None
    await _date_chosen(ctx, dossier, day)


async def _date_chosen(ctx: Context, dossier: Dossier, day: date) -> None:
    check_new_date(dossier, day, await ctx.calendar(), ctx.tz)
    ctx.dialog.data["new_due"] = day.isoformat()
    await _ask_signature(ctx, dossier)


async def _ask_signature(ctx: Context, dossier: Dossier) -> None:
    """The apology is signed with the official's name and title: asked once, kept."""
    if not ctx.account.name:
        ctx.dialog.state = DossierApologyState.NAME
        await ctx.reply(Reply(_("Your full name, as it should be signed on the apology:")))
    elif not await ctx.uow.accounts.title(ctx.account.id):
        ctx.dialog.state = DossierApologyState.TITLE
        await ctx.reply(Reply(_("Your job title, as it should stand above your name on the "
                                "apology (e.g. Chuyên viên, Phó Trưởng phòng):")))
    else:
        await _issue(ctx, dossier)


async def _issue(ctx: Context, dossier: Dossier) -> None:
    assert dossier.id is not None
    data = ctx.dialog.data
    work = _work(ctx)
    issued = await core.apologise(work, ctx.account, await ctx.uow.accounts.title(
        ctx.account.id), dossier.id, data["reason"], date.fromisoformat(data["new_due"]))
    await _done(ctx, work)
    ctx.dialog.reset()
    text = _("The apology for dossier {code} was issued as No. {number}, with the new date "
             "{date}.").format(code=dossier.code, number=issued.apology.number,
                               date=format_date(issued.apology.new_due_at, ctx.tz))
    if issued.delivered_to == 0:
        text += "\n" + _("Nobody follows this dossier in a chat: print the document and give "
                         "or send it to the applicant.")
    await ctx.reply(Reply(text, document=issued.apology.document_id))
