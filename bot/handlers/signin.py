"""/dangnhap: a one-time code for staff and administrators to sign in on the web."""

from bot.core.signin import CODE_LIFETIME, SIGN_IN_PATH, digest, new_code
from bot.present.errors import Refused
from bot.present.i18n import _
from bot.spine.context import Context
from bot.spine.messages import Reply
from bot.spine.routing import Router

router = Router()


@router.command("dangnhap", "login")
async def sign_in_code(ctx: Context) -> None:
    if not ctx.actor.is_staff:
        raise Refused("not_staff", _("Signing in on the web is for staff of the units and "
                                     "administrators."))
    code = new_code()
    await ctx.uow.web.create_login_code(digest(code), ctx.account.id, ctx.now,
                                        ctx.now + CODE_LIFETIME)
    await ctx.reply(Reply(_(
        "Your code to sign in on the web: {code}\nIt works once, for {minutes} minutes, at "
        "{url}\nIf you did not ask for it, ignore this message: nobody can sign in without "
        "it.").format(code=f"{code[:4]} {code[4:]}",
                      minutes=int(CODE_LIFETIME.total_seconds() // 60),
                      url=ctx.settings.site_url + SIGN_IN_PATH), sensitive=True))
