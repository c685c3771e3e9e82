"""The main-menu buttons, and what happens when a message fits no conversation."""

from bot.callbacks import Menu, Payload
from bot.context import Context
from bot.handlers.common import choose_language, menu_buttons, show_help
from bot.handlers.intake import begin_intake
from bot.handlers.staff import inbox
from bot.handlers.status import list_own, looks_like_code, show_status
from bot.i18n import _
from bot.messages import Kind, Reply
from bot.routing import Router

router = Router()


@router.button(Menu)
async def menu(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, Menu)
    action = {"file": begin_intake, "status": list_own, "help": show_help,
              "language": choose_language, "inbox": inbox}.get(payload.action)
    if action is not None:
        await action(ctx)


@router.state("idle", "consent")
async def idle(ctx: Context) -> None:
    message = ctx.message
    if message.kind is Kind.TEXT and message.text and looks_like_code(message.text):
        await show_status(ctx, message.text)
    elif message.kind is Kind.UNSUPPORTED:
        await ctx.reply(Reply(_("Sorry, I can only read text, photos and locations.")))
    elif ctx.dialog.state == "consent":
        await ctx.reply(Reply(_("Please press \"I agree\" above to continue, or send /huy to "
                                "stop.")))
    else:
        await ctx.reply(Reply(_("To send a PAKN press \"Send a PAKN\" or write /phananh; to "
                                "follow one, send its code."), buttons=menu_buttons(ctx)))
