"""The way in: /start (with an invite or a survey link), the main-menu buttons, /huy,
and what happens when a message fits no conversation."""

from bot.core.invites import PREFIX as INVITE_PREFIX
from bot.core.replies import replied_case
from bot.handlers import dossiers, survey
from bot.handlers.common import (
    ask_consent,
    choose_language,
    has_consented,
    menu_buttons,
    redeem_invite,
    show_help,
)
from bot.handlers.intake import begin_intake
from bot.handlers.replies import to_awaiting_case
from bot.handlers.staff import inbox, send_reply
from bot.handlers.status import list_own, looks_like_code, show_status
from bot.present.i18n import _
from bot.spine.callbacks import Menu, Payload
from bot.spine.context import Context
from bot.spine.messages import OPEN311, Kind, Reply
from bot.spine.routing import Router
from bot.spine.states import MenuState, SurveyState
from complaints.case import can_handle
from complaints.people import Role

router = Router()


@router.command("start")
async def start(ctx: Context) -> None:
    args = ctx.message.args
    if args.startswith(INVITE_PREFIX):
        await redeem_invite(ctx, args)
        return
    if survey.is_survey_link(args):
        await survey.from_link(ctx, args)
        return
    if dossiers.is_dossier_link(args):
        await dossiers.from_link(ctx, args)
        return
    ctx.dialog.reset()
    welcome = _("Hello! This is the PAKN service of {authority}: send your feedback and "
                "recommendations on administrative procedures, follow them, and get the "
                "answer here.").format(authority=ctx.directory.name.in_language(ctx.language))
    await ctx.reply(Reply(welcome, buttons=menu_buttons(ctx)))
    if not has_consented(ctx) and ctx.account.role is Role.CITIZEN:
        await ask_consent(ctx)


@router.command("huy", "cancel")
async def cancel(ctx: Context) -> None:
    if SurveyState.holds(ctx.dialog.state):
        await survey.cancel(ctx)
        return
    was_busy = ctx.dialog.state != MenuState.IDLE
    ctx.dialog.reset()
    text = _("Cancelled. Nothing was sent.") if was_busy else _("There is nothing to cancel.")
    await ctx.reply(Reply(text, buttons=menu_buttons(ctx), remove_keyboard=True))


@router.button(Menu)
async def menu(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, Menu)
    action = {"file": begin_intake, "status": list_own, "help": show_help,
              "language": choose_language, "inbox": inbox,
              "rate": survey.rate_command}.get(payload.action)
    if action is not None:
        await action(ctx)


@router.state(MenuState)
async def idle(ctx: Context) -> None:
    message = ctx.message
    if message.kind is Kind.TEXT and message.text and looks_like_code(message.text):
        await show_status(ctx, message.text)
    elif ctx.dialog.state == MenuState.IDLE and await _about_a_case(ctx):
        return
    elif message.kind in (Kind.UNSUPPORTED, Kind.DOCUMENT):  # files: staff intake only
        await ctx.reply(Reply(_("Sorry, I can only read text, photos and locations.")))
    elif ctx.dialog.state == MenuState.CONSENT:
        await ctx.reply(Reply(_("Please press \"I agree\" above to continue, or send /huy to "
                                "stop.")))
    else:
        await ctx.reply(Reply(_("To send a PAKN press \"Send a PAKN\" or write /phananh; to "
                                "follow one, send its code."), buttons=menu_buttons(ctx)))


async def _about_a_case(ctx: Context) -> bool:
    """A message about a case already open: staff replying (reply-to) to one of its
    messages answer the sender; a citizen's reaches their case (bot.handlers.replies)."""
    message = ctx.message
    if message.kind not in (Kind.TEXT, Kind.PHOTO, Kind.LOCATION):
        return False
    replied = await replied_case(ctx.uow, ctx.chat, message.reply_to)
    if (replied is not None and replied.citizen_id != ctx.account.id
            and can_handle(ctx.actor, replied)):
        if message.kind is not Kind.TEXT or not message.text:
            await ctx.reply(Reply(_("Only text can be sent to the sender as a reply; use the "
                                    "buttons on the case card for the rest.")))
        elif replied.channel == OPEN311 or replied.contact.erased:
            # As on the card, which has no "Reply" then: the sender cannot be written to.
            await ctx.reply(Reply(_("The sender of {code} cannot be written to here: an "
                                    "Open311 app's sender sees only the final answer, and "
                                    "one who erased their data gets nothing.").format(
                code=replied.code)))
        else:
            await send_reply(ctx, replied, message.text)
        return True
    return await to_awaiting_case(ctx, replied)
