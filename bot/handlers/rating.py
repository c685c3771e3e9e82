"""The citizen rates how their PAKN was handled, on the five-level scale.

One rating per case, asked when it is resolved; the unit and the official are frozen
into it then. A low rating asks why, offers to reopen the case once, and tells the
unit's head. Buttons carry the case, so they work whatever the citizen is doing."""

from collections.abc import Callable

from bot.core.case_rating import rate
from bot.core.sender_chats import speaks_for
from bot.core.work import Work, deliver
from bot.handlers.casework import notify_handlers, save_and_refresh
from bot.present.errors import stale_button
from bot.present.i18n import _
from bot.present.names import unit_name
from bot.spine.callbacks import Payload, Rate, RateStep
from bot.spine.context import Context
from bot.spine.messages import Button, Kind, Reply
from bot.spine.routing import Router
from bot.spine.states import RatingState
from complaints import case as lifecycle
from complaints.case import Case, check_text
from complaints.errors import InvalidTransition, NotAllowed
from complaints.people import Actor
from complaints.rating import LowReason, Score, score

router = Router()
COMMENT_MAX = 1000


def reason_label(reason: LowReason) -> str:
    return {
        LowReason.TOO_SLOW: _("It took too long"),
        LowReason.UNCLEAR: _("The answer is not clear"),
        LowReason.NOT_SOLVED: _("The problem is not solved"),
        LowReason.ATTITUDE: _("The staff's attitude"),
        LowReason.OTHER: _("Another reason"),
    }[reason]


async def _own_case(ctx: Context, case_id: int) -> Case:
    case = await ctx.uow.cases.get(case_id)
    if case is None or not await speaks_for(ctx.uow, case, ctx.account):
        raise NotAllowed("rate")
    return case


async def _sender(ctx: Context, case: Case) -> Actor:
    """Who rates or reopens: the sender, also when they do it from a chat that proved it
    holds the case's phone (bot.core.sender_chats)."""
    if ctx.account.id == case.citizen_id:
        return ctx.actor
    citizen = await ctx.uow.accounts.get(case.citizen_id)
    if citizen is None:
        raise NotAllowed("rate")
    return citizen.as_actor()


@router.button(Rate)
async def rated(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, Rate)
    if await ctx.uow.followers.get(payload.case_id, ctx.account.id) is not None:
        await _follower_rated(ctx, payload)
        return
    case = await _own_case(ctx, payload.case_id)
    value = score(payload.score)
    work = Work(ctx.uow, ctx.now, ctx.settings, ctx.directory, ctx.calendars)
    if not await rate(work, case, await _sender(ctx, case), value):
        await ctx.reply(Reply(_("You have already rated {code}. Thank you!").format(
            code=case.code)))
        return
    await deliver(work.owed, ctx.notifier)
    if value.is_low:
        ctx.dialog.reset(RatingState.REASON, case_id=case.id)
        assert case.id is not None
        await ctx.reply(Reply(_("We are sorry. What went wrong?"), buttons=tuple(
            (Button(reason_label(reason), RateStep(reason.value, case.id).pack()),)
            for reason in LowReason)))
        return
    await _ask_comment(ctx, case, _("Thank you for your rating!"))


async def _follower_rated(ctx: Context, payload: Rate) -> None:
    """A follower's rating is kept with their following, apart from the sender's one
    rating of the case (which the indicators count)."""
    case = await ctx.uow.cases.get(payload.case_id)
    assert case is not None
    if not await ctx.uow.followers.rate(payload.case_id, ctx.account.id,
                                        int(score(payload.score)), ctx.now):
        await ctx.reply(Reply(_("You have already rated {code}. Thank you!").format(
            code=case.code)))
        return
    await ctx.reply(Reply(_("Thank you for your rating!")))


async def _ask_comment(ctx: Context, case: Case, thanks: str) -> None:
    assert case.id is not None
    ctx.dialog.reset(RatingState.COMMENT, case_id=case.id)
    await ctx.reply(Reply(thanks + " " + _("You may add a comment, or press \"Skip\"."),
                          buttons=((Button(_("Skip"), RateStep("skip", case.id).pack()),),)))


@router.button(RateStep)
async def rating_step(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, RateStep)
    case = await _own_case(ctx, payload.case_id)
    record = await ctx.uow.ratings.get(payload.case_id)
    if record is None or record.score is None:
        raise InvalidTransition("rate", "not_rated")
    low = Score(record.score).is_low
    if payload.step in {reason.value for reason in LowReason} and low and record.reason is None:
        await _reason_given(ctx, case, LowReason(payload.step))
    elif payload.step == "reopen" and low:
        await _reopen(ctx, case)
    elif payload.step == "keep" and low:
        await _ask_comment(ctx, case, _("Understood."))
    elif payload.step == "skip":
        ctx.dialog.reset()
        await ctx.reply(Reply(_("Thank you for your feedback.")))
    else:
        raise stale_button(payload.case_id)


async def _reason_given(ctx: Context, case: Case, reason: LowReason) -> None:
    assert case.id is not None
    await ctx.uow.ratings.explain(case.id, reason=reason.value)
    await _tell_head(ctx, case, lambda: _("The sender's reason for the low rating of {code}: "
                                          "{reason}.").format(code=case.code,
                                                              reason=reason_label(reason)))
    if case.reopened_at is not None or case.is_open:
        await _ask_comment(ctx, case, _("Thank you for telling us."))
        return
    ctx.dialog.reset(RatingState.REOPEN, case_id=case.id)
    await ctx.reply(Reply(_("Do you want to reopen {code} so that {unit} looks at it again? "
                            "A case can be reopened once.").format(
        code=case.code, unit=unit_name(ctx.directory, case.unit)),
        buttons=((Button(_("Reopen the case"), RateStep("reopen", case.id).pack()),
                  Button(_("No, thank you"), RateStep("keep", case.id).pack())),)))


async def _reopen(ctx: Context, case: Case) -> None:
    lifecycle.reopen(case, await _sender(ctx, case), ctx.now)
    await save_and_refresh(ctx, case)
    await notify_handlers(ctx, case, lambda: Reply(
        _("The sender reopened {code}: they are not satisfied with the answer.").format(
            code=case.code)))
    await _tell_head(ctx, case, lambda: _("{code} was reopened by its sender.").format(
        code=case.code))
    await _ask_comment(ctx, case, _("{code} is open again; {unit} will get back to you.")
                       .format(code=case.code, unit=unit_name(ctx.directory, case.unit)))


async def _tell_head(ctx: Context, case: Case, text: Callable[[], str]) -> None:
    """The unit's head is told of low ratings; without a head, the unit's staff are. The
    text is built in each reader's language."""
    readers = await ctx.uow.accounts.heads(case.unit) or await ctx.uow.accounts.members(
        case.unit)
    for reader in readers:
        await ctx.notify(reader, lambda: Reply(text()), case_id=case.id)


@router.state(RatingState)
async def comment(ctx: Context) -> None:
    if ctx.dialog.state != RatingState.COMMENT or ctx.message.kind is not Kind.TEXT:
        await ctx.reply(Reply(_("Please use the buttons above, or send /huy to cancel.")))
        return
    case = await _own_case(ctx, ctx.dialog.data["case_id"])
    assert case.id is not None
    text = check_text(ctx.message.text or "", 1, COMMENT_MAX)
    await ctx.uow.ratings.explain(case.id, comment=text)
    ctx.dialog.reset()
    await ctx.reply(Reply(_("Thank you for your feedback.")))
