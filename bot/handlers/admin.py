"""Administrators' commands in chat."""

from bot.context import Context
from bot.i18n import _
from bot.invites import create_invite, telegram_link
from bot.messages import Reply
from bot.routing import Router
from complaints.people import Role

router = Router()
BOT_USERNAME_KEY = "telegram_username"


@router.command("moi", "invite")
async def invite(ctx: Context) -> None:
    if ctx.account.role is not Role.ADMIN:
        await ctx.reply(Reply(_("Only administrators can invite people.")))
        return
    parts = ctx.message.args.split()
    usage = _("Write /moi ROLE [UNIT]: ROLE is staff, head or admin; staff and heads need a "
              "unit code, e.g. /moi staff PTNMT.")
    if not parts or parts[0] not in ("staff", "head", "admin"):
        await ctx.reply(Reply(usage))
        return
    role = Role(parts[0])
    unit = parts[1] if len(parts) > 1 else None
    if role is not Role.ADMIN and (unit is None or not ctx.directory.has_unit(unit)):
        codes = ", ".join(u.code for u in ctx.directory.units)
        await ctx.reply(Reply(usage + "\n" + _("Unit codes: {codes}").format(codes=codes)))
        return
    if role is Role.ADMIN:
        unit = None
    token = await create_invite(ctx.uow.invites, role, unit, ctx.account.id, ctx.now,
                                ctx.settings.invite_days)
    lines = [_("Invite created. It works once and expires in {days} days.").format(
        days=ctx.settings.invite_days)]
    username = await ctx.uow.meta.get(BOT_USERNAME_KEY)
    if username:
        lines.append(_("Telegram: {link}").format(link=telegram_link(username, token)))
    lines.append(_("Web chat: send /start {token}").format(token=token))
    await ctx.reply(Reply("\n".join(lines)))
