"""What a citizen sends about a case already open reaches it: an answer to a question from
staff, a reply (reply-to) to a message about the case, or a message that is not a
command while staff wrote last on one of their cases. With several such cases the
citizen is asked which one; what they sent waits in the dialog meanwhile."""

from typing import Any

from bot.core.replies import add_citizen_reply, awaiting_answer
from bot.core.sender_chats import sender_actor, speaks_for
from bot.handlers.casework import notify_handlers, save_and_refresh
from bot.handlers.intake import shorten, store_photo
from bot.present.errors import stale_button
from bot.present.i18n import _
from bot.spine.callbacks import Payload, ReplyCase
from bot.spine.context import Context
from bot.spine.messages import Button, Kind, Reply
from bot.spine.routing import Router
from bot.spine.states import CaseState
from complaints.case import Case, Location
from complaints.errors import NotAllowed

router = Router()
LABEL_WORDS = 28


async def content(ctx: Context) -> dict[str, Any] | None:
    """What the message adds to a case (text, a photo kept, a location); None when it
    adds nothing (the person is told), or the photo was refused (and they were told)."""
    message = ctx.message
    if message.kind is Kind.PHOTO and message.photo:
        stored = await store_photo(ctx)
        if stored is None and not message.text:
            return None
        return {"text": message.text, "photos": [stored] if stored is not None else []}
    if message.kind is Kind.LOCATION and message.location:
        return {"text": None, "location": list(message.location)}
    if message.kind is Kind.TEXT and message.text:
        return {"text": message.text}
    await ctx.reply(Reply(_("Please send text, a photo or a location, or /huy to cancel.")))
    return None


async def add_to_case(ctx: Context, case: Case, sent: dict[str, Any]) -> None:
    """Add it to the case, tell the sender in a line and the case's staff in full."""
    attachments = tuple(sent.get("photos", ()))
    location = Location(*sent["location"]) if sent.get("location") else None
    text = sent.get("text")
    await add_citizen_reply(ctx.uow, await sender_actor(ctx.uow, case, ctx.actor), ctx.now,
                            case, text, attachments, location)
    await save_and_refresh(ctx, case)
    ctx.dialog.reset()
    await ctx.reply(Reply(_("Added to your PAKN {code}. Thank you.").format(code=case.code)),
                    case_id=case.id)

    def build() -> Reply:
        body = text or (_("a photo") if attachments else _("a location"))
        return Reply(_("The sender added to {code}:\n{text}").format(code=case.code, text=body),
                     photo_attachment=attachments[0] if attachments else None)
    await notify_handlers(ctx, case, build)


async def to_awaiting_case(ctx: Context, replied: Case | None) -> bool:
    """Send the citizen's message to the case it answers: the one it replies to when it
    is theirs and open, else the one case on which staff wrote last, else ask which of
    several. False when no case awaits it (the caller answers as usual)."""
    if replied is not None and replied.is_open and await speaks_for(ctx.uow, replied,
                                                                    ctx.account):
        cases = [replied]  # theirs, or of a sender whose phone this chat proved
    else:
        cases = await awaiting_answer(ctx.uow, ctx.actor, ctx.chat)
    if not cases:
        return False
    sent = await content(ctx)
    if sent is None:
        return True
    if len(cases) == 1:
        await add_to_case(ctx, cases[0], sent)
        return True
    ctx.dialog.reset(CaseState.PICK, sent=sent, cases=[c.id for c in cases])
    await ctx.reply(Reply(
        _("You have several PAKN on which staff wrote to you. Which one is your message "
          "about?"),
        buttons=tuple((Button(f"{c.code} · {shorten(c.text, LABEL_WORDS)}",
                              ReplyCase(c.id).pack()),) for c in cases if c.id is not None)))
    return True


@router.button(ReplyCase)
async def case_picked(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, ReplyCase)
    data = ctx.dialog.data
    if ctx.dialog.state != CaseState.PICK or payload.case_id not in data.get("cases", []):
        raise stale_button(payload.case_id)
    case = await ctx.uow.cases.get(payload.case_id)
    if case is None:
        raise NotAllowed("provide_info")
    await add_to_case(ctx, case, data["sent"])


@router.state(CaseState.PICK)
async def pick_typed(ctx: Context) -> None:
    await ctx.reply(Reply(_("Please choose the PAKN with the buttons above, or send /huy to "
                            "cancel.")))
