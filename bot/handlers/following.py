"""Following here a PAKN filed elsewhere (taken by staff from a phone call, a letter or
at the desk): /tracuu CODE offers it, a one-time code goes by SMS to the phone on the
case and is typed here, or the person's own number is shared (Telegram)."""

from bot.callbacks import FollowCase, Payload
from bot.context import Context
from bot.core import case_follow as core
from bot.core.work import Work, deliver
from bot.errors import stale_button
from bot.handlers.common import menu_buttons
from bot.handlers.status import CODE, OFFER, share_button, show_status
from bot.i18n import _
from bot.messages import Kind, Reply
from bot.routing import Router

router = Router()


@router.button(FollowCase)
async def pressed(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, FollowCase)
    if payload.action == "cancel":
        ctx.dialog.reset()
        await ctx.reply(Reply(_("Stopped."), buttons=menu_buttons(ctx)))
        return
    if payload.action != "send" or ctx.dialog.state != OFFER:
        raise stale_button()
    await _send(ctx, str(ctx.dialog.data.get("code", "")))


async def _send(ctx: Context, code: str) -> None:
    work = Work(ctx.uow, ctx.now, ctx.settings, ctx.directory, ctx.calendars)
    attaching = await core.send_code(work, ctx.account, ctx.chat, code)
    await deliver(work.owed, ctx.notifier)
    if attaching.result == "sent" and attaching.case is not None:
        assert attaching.case.id is not None
        ctx.dialog.reset(CODE, case_id=attaching.case.id, code=attaching.case.code)
        await ctx.reply(Reply(
            _("A 6-digit code is on its way by SMS to the phone given with PAKN {code} "
              "({phone}). Type it here within 10 minutes.").format(
                code=attaching.case.code, phone=attaching.masked),
            buttons=tuple(share_button(ctx))))
    else:
        await _answer(ctx, attaching, code)


@router.state("casefollow")
async def typed(ctx: Context) -> None:
    message = ctx.message
    if message.kind is Kind.CONTACT and message.contact is not None:
        if not message.contact.is_own:
            await ctx.reply(Reply(_("Please share your own number.")))
            return
        work = Work(ctx.uow, ctx.now, ctx.settings, ctx.directory, ctx.calendars)
        code = str(ctx.dialog.data.get("code", ""))
        await _answer(ctx, await core.follow_by_contact(work, ctx.account, ctx.chat, code,
                                                        message.contact.phone), code)
    elif ctx.dialog.state == CODE and message.kind is Kind.TEXT and message.text:
        work = Work(ctx.uow, ctx.now, ctx.settings, ctx.directory, ctx.calendars)
        attaching = await core.confirm_code(work, ctx.account, ctx.chat,
                                            int(ctx.dialog.data["case_id"]), message.text)
        await _answer(ctx, attaching, str(ctx.dialog.data.get("code", "")))
    else:
        await ctx.reply(Reply(_("Please type the 6-digit code sent by SMS, or send /huy to "
                                "stop.") if ctx.dialog.state == CODE else
                              _("Please choose one of the options above, or send /huy to "
                                "stop.")))


async def _answer(ctx: Context, attaching: core.Attaching, code: str) -> None:
    if attaching.result == "wrong":
        await ctx.reply(Reply(_("That is not the right number. Tries left: {count}.").format(
            count=attaching.left)))
        return
    ctx.dialog.reset()
    texts = {
        "no_case": _("No PAKN with that code can be followed here by phone. Check the code "
                     "(e.g. PA-2026-000042), or ask the office that took your PAKN."),
        "no_match": _("That number is not the one given with this PAKN."),
        "too_many": _("Too many codes were asked for. Please try again tomorrow, or ask "
                      "the office that took your PAKN."),
        "expired": _("That code has expired or was tried too often. Send /tracuu {code} "
                     "to get a new one.").format(code=code),
    }
    if attaching.result in texts:
        await ctx.reply(Reply(texts[attaching.result], buttons=menu_buttons(ctx)))
        return
    if attaching.result == "followed":
        await ctx.reply(Reply(_("Done: from now on you get the news of PAKN {code} in this "
                                "chat (the answer, any request for information, an apology "
                                "if it is late, and the rating).").format(code=code)))
    if attaching.case is not None:
        await show_status(ctx, attaching.case.code)
