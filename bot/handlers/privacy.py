"""The person's rights over their data in the chat: /xoadulieu (/forget) asks for
confirmation, then erases what identifies them and says what was kept and why;
/dulieucuatoi (/mydata) sends them a copy of what the service holds about them. Both
are recorded as requests met at once (bot.core.privacy)."""

from bot.core import privacy
from bot.core.privacy import RequestKind
from bot.handlers.casework import save_and_refresh
from bot.handlers.common import menu_buttons
from bot.present.errors import Refused, stale_button
from bot.present.i18n import _
from bot.spine.callbacks import Erase, Payload
from bot.spine.context import Context
from bot.spine.messages import Button, Reply
from bot.spine.routing import Router
from bot.spine.states import PrivacyState

router = Router()
CASES_REDRAWN = 1000
"""Open cases whose staff cards are redrawn without the sender: more than anyone has."""
OWN_CASES = 10
"""The person's latest cases, whose contact details they are known by."""
TEXT = "text/plain; charset=utf-8"


@router.command("xoadulieu", "forget")
async def forget(ctx: Context) -> None:
    if ctx.actor.is_staff:
        raise Refused("staff_account", _(
            "Accounts of staff and administrators are kept with the cases they handled and "
            "the papers they signed. Ask the administrators of the service about your data."))
    ctx.dialog.reset(PrivacyState.CONFIRM)
    await ctx.reply(Reply(
        _("This deletes your personal data from the service: your name, phone number and "
          "address, what you wrote (in this chat and in your PAKN), the photos and "
          "locations you sent, the names your chat apps show, and your consent.") + "\n\n" +
        _("Your PAKN and ratings stay, with nothing that identifies you: the authority must "
          "keep its record of the PAKN it received and count them in the statistics the "
          "law requires it to report. Staff will no longer be able to contact you about "
          "them, and answers will no longer reach you.") + "\n\n" +
        _("Delete your personal data?"),
        buttons=((Button(_("Delete my data"), Erase("yes").pack()),
                  Button(_("Cancel"), Erase("no").pack())),)))


@router.button(Erase)
async def answered(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, Erase)
    if ctx.dialog.state != PrivacyState.CONFIRM:
        raise stale_button()
    ctx.dialog.reset()
    if payload.answer != "yes":
        await ctx.reply(Reply(_("Nothing was deleted."), buttons=menu_buttons(ctx)))
        return
    request = await _record(ctx, RequestKind.ERASURE)
    erased = await privacy.erase(ctx.uow, ctx.actor, ctx.account.id, ctx.now,
                                 key=await privacy.pseudonym_key(ctx.uow, ctx.settings),
                                 request_id=request)
    ctx.account = await ctx.uow.accounts.get(ctx.account.id) or ctx.account
    ctx.dialog.discarded = True
    for case in await ctx.uow.cases.of_citizen(ctx.account.id, CASES_REDRAWN):
        if case.is_open:
            await save_and_refresh(ctx, case)
    await ctx.reply(Reply("\n".join([
        _("Your personal data was deleted:"),
        _("• your name, phone number and address, and what you wrote, in your PAKN "
          "({cases}), and the locations you shared;").format(cases=erased.cases),
        _("• the photos you sent ({photos});").format(photos=erased.photos),
        _("• what you wrote in this chat ({messages} messages), and the names your chat "
          "apps show;").format(messages=erased.messages),
        _("• your consent: you will be asked again if you send a new PAKN."),
        "",
        _("Kept, with nothing that identifies you: your PAKN (codes, fields, units, dates, "
          "status and the answers given) and your ratings, because the authority must "
          "keep its record of the PAKN it received and count them in the statistics the "
          "law requires it to report."),
        _("This chat is no longer linked to them: staff cannot contact you, and this "
          "message is the last you get about them. Once it is delivered, the service "
          "keeps neither its text nor this chat's id."),
    ]), sensitive=True))
    await ctx.uow.outbox.forget_after_delivery(erased.chats)


@router.command("dulieucuatoi", "mydata")
async def my_data(ctx: Context) -> None:
    """A copy of what the service holds about the person, as a text file in their chat;
    the outbox empties the file once it is delivered."""
    request = await _record(ctx, RequestKind.ACCESS)
    data = await privacy.export_data(ctx.uow, ctx.actor, ctx.account.id)
    content = privacy.as_text(data, ctx.tz).encode("utf-8")
    document = await ctx.uow.attachments.add(
        ctx.account.id, ctx.message.channel, ctx.now, content=content, mime=TEXT,
        filename=_("my-data") + f"-{ctx.now.astimezone(ctx.tz):%Y%m%d}.txt")
    await ctx.reply(Reply(_("What the service holds about you, as a file. To delete it, "
                            "send /xoadulieu."), document=document, sensitive=True))
    await privacy.meet_request(ctx.uow, None, request, ctx.now, "sent in the chat")


async def _record(ctx: Context, kind: RequestKind) -> int:
    return await privacy.record_request(
        ctx.uow, None, kind, ctx.now, person=ctx.account.id,
        subject=f"account {ctx.account.id}", channel=ctx.message.channel,
        calendar=await ctx.calendar(), rules=ctx.deadline_rules)


async def own_details(ctx: Context) -> list[str]:
    """What identifies the person writing, as the service knows it: to blank in what is
    kept without a link to them (a survey's comment)."""
    details = [ctx.account.name, ctx.message.profile_name]
    for case in await ctx.uow.cases.of_citizen(ctx.account.id, OWN_CASES):
        if not case.contact.erased:
            details += [case.contact.name, case.contact.phone, case.contact.address]
    return details
