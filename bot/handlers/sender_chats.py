"""Making this chat one of the sender's chats: following here a PAKN filed elsewhere
(taken by staff from a phone call, a letter or at the desk): /tracuu CODE offers it
(bot.handlers.status), a one-time code goes by SMS to the phone on the case and is typed
here, or the person's own number is shared (Telegram)."""

from bot.core import sender_chats as core
from bot.core.work import Work, deliver
from bot.handlers.common import ask_consent, has_consented, menu_buttons
from bot.handlers.status import show_status
from bot.present.errors import stale_button
from bot.present.i18n import _
from bot.spine.callbacks import FollowCase, Payload
from bot.spine.context import Context
from bot.spine.messages import Button, ButtonKind, Kind, Reply
from bot.spine.routing import Router
from bot.spine.states import CaseFollowState
from complaints.codes import parse_tracking_code

router = Router()


@router.button(FollowCase)
async def pressed(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, FollowCase)
    if payload.action not in ("send", "share") or parse_tracking_code(payload.code) is None:
        raise stale_button()
    await resume(ctx, {"action": payload.action, "code": payload.code})


async def resume(ctx: Context, prefill: dict[str, str | None]) -> None:
    """Take the offer, once the person consented to what following keeps."""
    if not has_consented(ctx):
        await ask_consent(ctx, then="casefollow", prefill=prefill)
        return
    code = prefill.get("code") or ""
    if prefill.get("action") == "share" and ctx.capabilities.share_contact:
        ctx.dialog.reset(CaseFollowState.SHARE, code=code)
        await ctx.reply(Reply(_("Share your phone number with the button below: if it is "
                                "the one given with the PAKN, you follow it here at once."),
                              buttons=_share(ctx)))
    elif ctx.settings.sms_api_key is not None:
        await _send(ctx, code)
    else:
        raise stale_button()


def _share(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    if not ctx.capabilities.share_contact:
        return ()
    return ((Button(_("Share my phone number"), kind=ButtonKind.SHARE_CONTACT),),)


async def _send(ctx: Context, code: str) -> None:
    work = Work(ctx.uow, ctx.now, ctx.settings, ctx.directory, ctx.calendars)
    attaching = await core.send_code(work, ctx.account, ctx.chat, code)
    await deliver(work.owed, ctx.notifier)
    if attaching.result == "sent" and attaching.case is not None:
        assert attaching.case.id is not None
        ctx.dialog.reset(CaseFollowState.CODE, case_id=attaching.case.id, code=attaching.case.code)
        await ctx.reply(Reply(
            _("A 6-digit code is on its way by SMS to the phone given with PAKN {code} "
              "({phone}). Type it here within 10 minutes.").format(
                code=attaching.case.code, phone=attaching.masked),
            buttons=_share(ctx)))
    else:
        await _answer(ctx, attaching, code)


@router.state(CaseFollowState)
async def typed(ctx: Context) -> None:
    message = ctx.message
    work = Work(ctx.uow, ctx.now, ctx.settings, ctx.directory, ctx.calendars)
    code = str(ctx.dialog.data.get("code", ""))
    if message.kind is Kind.CONTACT and message.contact is not None:
        if not message.contact.is_own:
            await ctx.reply(Reply(_("Please share your own number.")))
            return
        await _answer(ctx, await core.follow_by_contact(work, ctx.account, ctx.chat, code,
                                                        message.contact.phone), code)
    elif ctx.dialog.state == CaseFollowState.CODE and message.kind is Kind.TEXT and message.text:
        attaching = await core.confirm_code(work, ctx.account, ctx.chat,
                                            int(ctx.dialog.data["case_id"]), message.text)
        await _answer(ctx, attaching, code)
    elif ctx.dialog.state == CaseFollowState.CODE:
        await ctx.reply(Reply(_("Please type the 6-digit code sent by SMS, or send /huy to "
                                "stop.")))
    else:
        await ctx.reply(Reply(_("Please share your number with the button, or send /huy to "
                                "stop."), buttons=_share(ctx)))


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
    if attaching.case is None:
        return
    if attaching.result == "followed":
        await ctx.reply(Reply(_("Done: from now on you get the news of PAKN {code} in this "
                                "chat (the answer, any request for information, an apology "
                                "if it is late, and the rating).").format(
            code=attaching.case.code)))
    await show_status(ctx, attaching.case.code)
