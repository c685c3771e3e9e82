"""Withdrawing consent and deleting one's personal data: /xoadulieu (/forget) asks for
confirmation, then erases what identifies the person and says what was kept and why."""

from bot.callbacks import Erase, Payload
from bot.context import Context
from bot.errors import Refused, stale_button
from bot.handlers.casework import save_and_refresh
from bot.handlers.common import menu_buttons
from bot.i18n import _
from bot.messages import Button, Reply
from bot.routing import Router

router = Router()
CASES_REDRAWN = 1000
"""Open cases whose staff cards are redrawn without the sender: more than anyone has."""
OWN_CASES = 10
"""The person's latest cases, whose contact details they are known by."""


@router.command("xoadulieu", "forget")
async def forget(ctx: Context) -> None:
    if ctx.actor.is_staff:
        raise Refused("staff_account", _(
            "Accounts of staff and administrators are kept with the cases they handled and "
            "the papers they signed. Ask the administrators of the service about your data."))
    ctx.dialog.reset("privacy.confirm")
    await ctx.reply(Reply(
        _("This deletes your personal data from the service: your name, phone number and "
          "address, the photos and locations you sent, what you wrote in this chat, and "
          "your consent.") + "\n\n" +
        _("Your PAKN and ratings stay, with nothing that identifies you: the authority must "
          "keep its record of the PAKN it received and count them in the statistics the "
          "law requires it to report. Staff will no longer be able to contact you about "
          "them.") + "\n\n" + _("Delete your personal data?"),
        buttons=((Button(_("Delete my data"), Erase("yes").pack()),
                  Button(_("Cancel"), Erase("no").pack())),)))


@router.button(Erase)
async def answered(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, Erase)
    if ctx.dialog.state != "privacy.confirm":
        raise stale_button()
    ctx.dialog.reset()
    if payload.answer != "yes":
        await ctx.reply(Reply(_("Nothing was deleted."), buttons=menu_buttons(ctx)))
        return
    erased = await ctx.uow.privacy.erase(ctx.account.id)
    ctx.account = await ctx.uow.accounts.get(ctx.account.id) or ctx.account
    for case in await ctx.uow.cases.of_citizen(ctx.account.id, CASES_REDRAWN):
        if case.is_open:
            await save_and_refresh(ctx, case)
    await ctx.reply(Reply("\n".join([
        _("Your personal data was deleted:"),
        _("• your name, phone number and address in your PAKN ({cases}), and the locations "
          "you shared;").format(cases=erased.cases),
        _("• the photos you sent ({photos});").format(photos=erased.photos),
        _("• what you wrote in this chat ({messages} messages), and the names your chat "
          "apps show;").format(messages=erased.messages),
        _("• your consent: you will be asked again if you send a new PAKN."),
        "",
        _("Kept, with nothing that identifies you: your PAKN (codes, fields, units, dates, "
          "status and the answers given) and your ratings, because the authority must "
          "keep its record of the PAKN it received and count them in the statistics the "
          "law requires it to report. In the texts of your PAKN your name, address, phone "
          "and any phone or ID numbers were blanked out."),
        _("Staff can no longer contact you; answers to PAKN still open will still reach "
          "you here."),
    ])))


async def own_details(ctx: Context) -> list[str]:
    """What identifies the person writing, as the service knows it: to blank in what is
    kept without a link to them (a survey's comment)."""
    details = [ctx.account.name, ctx.message.profile_name]
    for case in await ctx.uow.cases.of_citizen(ctx.account.id, OWN_CASES):
        if not case.contact.erased:
            details += [case.contact.name, case.contact.phone, case.contact.address]
    return details
