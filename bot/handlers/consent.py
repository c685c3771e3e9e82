"""The answer to the personal-data notice: consent recorded (with the notice's version),
then on with what the person had begun (a PAKN, following a dossier)."""

from bot.handlers import dossiers, sender_chats
from bot.handlers.common import ask_consent, has_consented, menu_buttons
from bot.handlers.intake import begin_intake
from bot.present.i18n import _
from bot.spine.callbacks import Consent, Payload
from bot.spine.context import Context
from bot.spine.messages import Reply
from bot.spine.routing import Router
from bot.spine.states import MenuState

router = Router()


@router.button(Consent)
async def consent(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, Consent)
    then = ctx.dialog.data.get("then") if ctx.dialog.state == MenuState.CONSENT else None
    prefill = ctx.dialog.data.get("prefill") or {}
    if payload.version != ctx.settings.notice_version:
        await ask_consent(ctx, then, prefill)
        return
    if not has_consented(ctx):
        await ctx.uow.accounts.record_consent(ctx.account.id, payload.version,
                                              ctx.message.channel, ctx.now)
        ctx.account = await ctx.uow.accounts.get(ctx.account.id) or ctx.account
    ctx.dialog.reset()
    # Agreed from the greeting, with nothing begun: the menu comes back beside it.
    await ctx.reply(Reply(_("Thank you. Your consent was recorded."),
                          buttons=() if then else menu_buttons(ctx)))
    if then == "intake":
        await begin_intake(ctx, **prefill)
    elif then == "dossier":
        await dossiers.resume(ctx, prefill)
    elif then == "casefollow":
        await sender_chats.resume(ctx, prefill)
