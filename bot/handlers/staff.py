"""Staff handling a case from their chat: take it, reply, ask for information, transfer,
resolve, apologise for a delay; and the citizen's side of a request for information."""

from datetime import datetime

from bot.core import casework
from bot.core.actions import StaffAction
from bot.handlers import apology, replies
from bot.handlers.casework import act, show_card, work_of
from bot.handlers.status import show_status
from bot.present.errors import Refused, stale_button
from bot.present.i18n import _, format_date
from bot.present.names import unit_name
from bot.spine.callbacks import AnswerCase, CaseAction, Payload, StaffStep, TransferTo
from bot.spine.context import Context
from bot.spine.messages import Button, Kind, Reply, rows
from bot.spine.routing import Router
from bot.spine.states import ApologyState, CaseState, StaffState
from complaints import case as lifecycle
from complaints.case import Case, can_handle, can_view
from complaints.deadlines import Standing, standing
from complaints.errors import InvalidTransition, NotAllowed
from complaints.people import STAFF_ROLES, Role

router = Router()
INBOX_SIZE = 30


def _cancel(case_id: int) -> Button:
    return Button(_("Cancel"), StaffStep("cancel", case_id).pack())


async def _load(ctx: Context, case_id: int) -> Case:
    case = await ctx.uow.cases.get(case_id)
    if case is None:
        raise NotAllowed("unknown case")
    return case


@router.button(CaseAction)
async def case_action(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, CaseAction)
    case = await _load(ctx, payload.case_id)
    action = payload.action
    if action is StaffAction.OPEN:
        if can_handle(ctx.actor, case):
            await show_card(ctx, case)
        elif can_view(ctx.actor, case):
            await show_status(ctx, case.code)
        else:
            raise NotAllowed("open")
    elif action is StaffAction.CLAIM:
        await claim_case(ctx, case)
    elif action in (StaffAction.REPLY, StaffAction.ASK, StaffAction.RESOLVE):
        lifecycle.require_handler(ctx.actor, case, action)
        ctx.dialog.reset(StaffState(f"staff.{action}"), case_id=case.id)
        prompt = {
            StaffAction.REPLY: _("Write your message to the sender of {code}:"),
            StaffAction.ASK: _("What information do you need from the sender of {code}? "
                               "Their next message will be added to the case."),
            StaffAction.RESOLVE: _("Write the final answer for {code}. It will be sent to the "
                                   "sender and the case closed."),
        }[action]
        assert case.id is not None
        await ctx.reply(Reply(prompt.format(code=case.code), buttons=((_cancel(case.id),),)))
    elif action is StaffAction.TRANSFER:
        lifecycle.require_handler(ctx.actor, case, action)
        await _ask_transfer_target(ctx, case)
    elif action is StaffAction.APOLOGISE:
        await apology.begin(ctx, case)
    elif action is StaffAction.MERGE:
        lifecycle.require_handler(ctx.actor, case, action)
        assert case.id is not None
        ctx.dialog.reset(StaffState.MERGE_INTO, case_id=case.id)
        await ctx.reply(Reply(_("{code} is about the same problem as which case? Send that "
                                "case's code: {code} will be closed as a duplicate and its "
                                "sender will follow that case.").format(code=case.code),
                              buttons=((_cancel(case.id),),)))
    else:
        raise InvalidTransition(action, case.status)


async def _ask_transfer_target(ctx: Context, case: Case) -> None:
    assert case.id is not None
    ctx.dialog.reset(StaffState.TRANSFER, case_id=case.id)
    if case.transfers >= lifecycle.MAX_TRANSFERS and case.unit != ctx.directory.focal_unit:
        focal = ctx.directory.focal_unit
        ctx.dialog.reset(StaffState.TRANSFER_REASON, case_id=case.id, unit=focal)
        await ctx.reply(Reply(_("{code} has been transferred {count} times already, so it "
                                "can only go to the focal point, {unit}. Why are you "
                                "transferring it?").format(
            code=case.code, count=case.transfers, unit=unit_name(ctx.directory, focal)),
            buttons=((_cancel(case.id),),)))
        return
    buttons = [Button(unit.name.in_language(ctx.language), TransferTo(case.id, unit.code).pack())
               for unit in ctx.directory.units if unit.code != case.unit]
    await ctx.reply(Reply(_("Transfer {code} to which unit?").format(code=case.code),
                          buttons=(*rows(buttons, 2), (_cancel(case.id),))))


@router.button(TransferTo)
async def transfer_target(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, TransferTo)
    if (ctx.dialog.state != StaffState.TRANSFER or ctx.dialog.data.get("case_id") != payload.case_id
            or not ctx.directory.has_unit(payload.unit)):
        raise stale_button(payload.case_id)
    case = await _load(ctx, payload.case_id)
    lifecycle.require_handler(ctx.actor, case, "transfer")
    ctx.dialog.reset(StaffState.TRANSFER_REASON, case_id=case.id, unit=payload.unit)
    assert case.id is not None
    await ctx.reply(Reply(_("Why transfer {code} to {unit}? The reason is kept with the "
                            "case.").format(code=case.code,
                                            unit=unit_name(ctx.directory, payload.unit)),
                          buttons=((_cancel(case.id),),)))


@router.button(StaffStep)
async def staff_step(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, StaffStep)
    current = ctx.dialog.data.get("case_id") == payload.case_id
    state, step = ctx.dialog.state, payload.step
    if step == "cancel" and current and (StaffState.holds(state) or ApologyState.holds(state)):
        ctx.dialog.reset()
        await ctx.reply(Reply(_("Cancelled. Nothing was sent.")))
    elif step == "resolve" and current and state == StaffState.RESOLVE_CONFIRM:
        await resolve_case(ctx, await _load(ctx, payload.case_id), ctx.dialog.data["answer"])
    elif step.startswith("d") and current and state == ApologyState.DATE:
        try:
            day = datetime.strptime(step[1:], "%Y%m%d").date()
        except ValueError:  # not one of the dates offered
            raise stale_button(payload.case_id) from None
        await apology.date_chosen(ctx, await _load(ctx, payload.case_id), day)
    elif step == "apology" and current and state == ApologyState.CONFIRM:
        await apology.confirm(ctx, await _load(ctx, payload.case_id))
    else:
        raise stale_button(payload.case_id)


@router.state(ApologyState)
async def apology_typed(ctx: Context) -> None:
    if ctx.message.kind is not Kind.TEXT or not ctx.message.text:
        await ctx.reply(Reply(_("Please write your answer as text, or send /huy to cancel.")))
        return
    await apology.typed(ctx, await _load(ctx, ctx.dialog.data["case_id"]), ctx.message.text)


@router.state(StaffState)
async def staff_typed(ctx: Context) -> None:
    message, state = ctx.message, ctx.dialog.state
    if message.kind is not Kind.TEXT or not message.text:
        await ctx.reply(Reply(_("Please write your answer as text, or send /huy to cancel.")))
        return
    case = await _load(ctx, ctx.dialog.data["case_id"])
    text = message.text
    if state == StaffState.REPLY:
        await send_reply(ctx, case, text)
    elif state == StaffState.ASK:
        await ask_citizen(ctx, case, text)
    elif state == StaffState.TRANSFER_REASON:
        await transfer_case(ctx, case, ctx.dialog.data["unit"], text)
    elif state == StaffState.MERGE_INTO:
        survivor = await ctx.uow.cases.get_by_code(text.strip().upper())
        if survivor is None or not can_handle(ctx.actor, survivor):
            await ctx.reply(Reply(_("There is no case with that code among your unit's. "
                                    "Send the code again, or /huy to cancel.")))
            return
        assert case.id is not None
        ctx.dialog.reset(StaffState.MERGE_REASON, case_id=case.id, into=survivor.code)
        await ctx.reply(Reply(_("Why is {code} a duplicate of {into}? The reason is kept with "
                                "both cases.").format(code=case.code, into=survivor.code),
                              buttons=((_cancel(case.id),),)))
    elif state == StaffState.MERGE_REASON:
        await merge_case(ctx, case, ctx.dialog.data["into"], text)
    elif state == StaffState.RESOLVE:
        answer = lifecycle.check_text(text, lifecycle.ANSWER_MIN, lifecycle.ANSWER_MAX)
        lifecycle.require_handler(ctx.actor, case, "resolve")
        assert case.id is not None
        ctx.dialog.reset(StaffState.RESOLVE_CONFIRM, case_id=case.id, answer=answer)
        await ctx.reply(Reply(_("This answer will be sent to the sender and {code} closed:"
                                "\n\n{answer}").format(code=case.code, answer=answer),
                              buttons=((Button(_("Send final answer"),
                                               StaffStep("resolve", case.id).pack()),
                                        _cancel(case.id)),),
                              # It may greet the sender by name: a mark of it once sent.
                              sensitive=True))
    else:
        ctx.dialog.reset()
        await ctx.reply(Reply(_("Please use the buttons on the case card.")))


# --- the actions: the use cases (bot.core.casework), told in this chat ------------------

async def claim_case(ctx: Context, case: Case) -> None:
    """Taken from its card's button, whatever dialog the chat is in."""
    work = work_of(ctx)
    await act(ctx, casework.claim(work, ctx.actor, case), work, ends_dialog=False)


async def send_reply(ctx: Context, case: Case, text: str) -> None:
    work = work_of(ctx)
    await act(ctx, casework.reply(work, ctx.actor, case, text), work)


async def ask_citizen(ctx: Context, case: Case, question: str) -> None:
    work = work_of(ctx)
    await act(ctx, casework.ask(work, ctx.actor, case, question), work)


async def transfer_case(ctx: Context, case: Case, unit: str, reason: str) -> None:
    work = work_of(ctx)
    await act(ctx, casework.transfer(work, ctx.actor, case, unit, reason), work)


async def merge_case(ctx: Context, case: Case, into: str, reason: str) -> None:
    work = work_of(ctx)
    await act(ctx, casework.merge(work, ctx.actor, case, into, reason), work)


async def resolve_case(ctx: Context, case: Case, answer: str) -> None:
    work = work_of(ctx)
    await act(ctx, casework.resolve(work, ctx.actor, case, answer), work)


# --- the citizen answers a request for information ---------------------------------------

@router.button(AnswerCase)
async def answer_case(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, AnswerCase)
    case = await _load(ctx, payload.case_id)
    if case.citizen_id != ctx.account.id:
        raise NotAllowed("answer")
    if not case.is_open:
        raise InvalidTransition("answer", case.status)
    ctx.dialog.reset(CaseState.INFO, case_id=case.id)
    await ctx.reply(Reply(_("Write your answer for {code} (text, photo or location):").format(
        code=case.code)))


@router.state(CaseState.INFO)
async def citizen_info(ctx: Context) -> None:
    sent = await replies.content(ctx)
    if sent is None:
        return  # refused, and told why: the question stays open for another try
    await replies.add_to_case(ctx, await _load(ctx, ctx.dialog.data["case_id"]), sent)


# --- the inbox -----------------------------------------------------------------------

@router.command("hopthu", "inbox")
async def inbox(ctx: Context) -> None:
    account = ctx.account
    if account.role not in STAFF_ROLES and account.role is not Role.ADMIN:
        raise Refused("not_staff", _("This command is for staff of the units."))
    # The focal point's staff also see the cases of the units they stand in for.
    units = None if account.role is Role.ADMIN else {account.unit or "", *ctx.actor.covers}
    cases = await ctx.uow.cases.open_cases(units, INBOX_SIZE)
    if not cases:
        await ctx.reply(Reply(_("No open cases. Well done!")))
        return
    calendar = await ctx.calendar()
    lines = [_("Open cases, the nearest deadline first:")]
    buttons = []
    for case in cases:
        assert case.id is not None
        line = _("{code} · due {date}").format(code=case.code,
                                               date=format_date(case.effective_due_at, ctx.tz))
        mark = standing(case, ctx.now, calendar, ctx.tz)
        if mark is Standing.LATE:
            line = "⚠ " + line + " · " + _("LATE")
        elif mark is Standing.DUE_SOON:
            line = "⏰ " + line + " · " + _("due soon")
        lines.append(line)
        buttons.append(Button(case.code, CaseAction(StaffAction.OPEN, case.id).pack()))
    await ctx.reply(Reply("\n".join(lines), buttons=rows(buttons, 2)))
