"""The satisfaction survey of a procedure: from a QR code at the desk (`/start sv_...`),
`/danhgia`, or for a dossier the person follows; the questions of the questionnaire on
the five-level scale, then an optional comment. The answers are stored without the
respondent's identity.

A rating of a known dossier is verified and counts toward the targets; a dossier has one
current rating (a later one replaces it, and the replaced one is kept as such). Ratings
from a desk's poster or `/danhgia` are unverified: counted apart, with what shows a burst
(the desk, a keyed hash of the web client's address, an identity minutes old).

A survey left half-way is kept as a draft and offered again; `/huy` drops it."""

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta
from typing import Any

from bot.core.limits import Door, admit
from bot.core.ports import NewRating, Stored
from bot.core.survey_links import PREFIX, questionnaire, token_hash
from bot.handlers.common import menu_buttons
from bot.handlers.intake import begin_intake
from bot.handlers.privacy import own_details
from bot.present.errors import stale_button
from bot.present.i18n import _, format_datetime
from bot.present.names import unit_name
from bot.spine.callbacks import Answer, Payload, SurveyChoice
from bot.spine.context import Context
from bot.spine.messages import Button, Kind, Reply, rows
from bot.spine.routing import Router
from bot.spine.states import SurveyState
from complaints.case import check_text
from complaints.dossiers import Dossier
from complaints.privacy import anonymise
from surveys.questionnaire import LOW_SCORE, Question

router = Router()
OTHER = "-"
COMMENT_MAX = 1000
NEW_IDENTITY = timedelta(minutes=30)
"""A rater whose chat identity is younger than this counts as new (a stuffing signal)."""
ORIGIN_KEY = "rating_origin_key"


def _choice(step: str, value: str) -> str:
    return SurveyChoice(step, value).pack()


def _cancel() -> Button:
    return Button(_("Cancel"), _choice("cancel", "-"))


# --- starting --------------------------------------------------------------------------

async def from_link(ctx: Context, token: str) -> None:
    """A QR code was scanned: the procedure (and unit) are known."""
    found = await ctx.uow.surveys.token(token_hash(token.strip()))
    if found is None or not any(p.code == found.procedure for p in ctx.directory.procedures):
        await ctx.reply(Reply(_("This survey link is not valid. You can still rate a "
                                "procedure with /danhgia.")))
        return
    draft = await ctx.uow.surveys.draft(ctx.account.id)
    if draft and draft.get("token") == found.id:
        await _resume(ctx, draft)
        return
    procedure = next(p for p in ctx.directory.procedures if p.code == found.procedure)
    unit = found.unit or ctx.directory.route(procedure.field, None).code
    await _start(ctx, {"procedure": procedure.code, "field": procedure.field, "unit": unit,
                       "token": found.id, "dossier": None})


async def for_dossier(ctx: Context, dossier: Dossier) -> None:
    """The survey of a dossier the person follows: verified."""
    await ctx.uow.surveys.drop_draft(ctx.account.id)
    await _start(ctx, {"procedure": dossier.procedure, "field": dossier.field,
                       "unit": dossier.unit, "token": None, "dossier": dossier.code})


@router.command("danhgia", "rate")
async def rate_command(ctx: Context) -> None:
    draft = await ctx.uow.surveys.draft(ctx.account.id)
    if draft:
        ctx.dialog.reset(SurveyState.RESUME)
        await ctx.reply(Reply(_("You have a survey you did not finish: {procedure}. Continue "
                                "it?").format(procedure=_procedure_name(ctx, draft)),
                              buttons=((Button(_("Continue"), _choice("resume", "yes")),
                                        Button(_("Start over"), _choice("resume", "no"))),)))
        return
    await _ask_field(ctx)


async def _ask_field(ctx: Context) -> None:
    ctx.dialog.reset(SurveyState.FIELD)
    fields = [f for f in ctx.directory.fields
              if any(p.field == f.code for p in ctx.directory.procedures)]
    fields += [f for f in ctx.directory.fields if f not in fields]
    buttons = [Button(f.name.in_language(ctx.language), _choice("field", f.code))
               for f in fields]
    await ctx.reply(Reply(_("Rate a procedure you used. Which field was it in?"),
                          buttons=(*rows(buttons, 2), (_cancel(),))))


@router.button(SurveyChoice)
async def chosen(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, SurveyChoice)
    state, data, step, value = ctx.dialog.state, ctx.dialog.data, payload.step, payload.value
    if step == "cancel" and SurveyState.holds(state):
        await cancel(ctx)
    elif step == "resume" and state == SurveyState.RESUME:
        draft = await ctx.uow.surveys.draft(ctx.account.id)
        if value == "yes" and draft:
            await _resume(ctx, draft)
        else:
            await ctx.uow.surveys.drop_draft(ctx.account.id)
            await _ask_field(ctx)
    elif step == "field" and state == SurveyState.FIELD and ctx.directory.has_field(value):
        data["field"] = value
        await _ask_procedure(ctx)
    elif step == "procedure" and state == SurveyState.PROCEDURE and (
            value == OTHER or any(p.code == value for p in ctx.directory.procedures)):
        data["procedure"] = None if value == OTHER else value
        await _ask_place(ctx)
    elif step == "place" and state == SurveyState.PLACE and (
            value == OTHER or ctx.directory.has_area(value)):
        area = None if value == OTHER else value
        unit = ctx.directory.route(data["field"], area).code
        await _start(ctx, {"procedure": data.get("procedure"), "field": data["field"],
                           "unit": unit, "token": None, "dossier": None})
    elif step == "skip" and state in (SurveyState.REASON, SurveyState.Q):
        await _skip(ctx)
    elif step == "pakn" and state == SurveyState.DONE:
        draft = ctx.dialog.data
        await begin_intake(ctx, field=draft.get("field"),
                           text=_pakn_text(ctx, draft.get("procedure"), draft.get("reason")))
    else:
        raise stale_button()


async def _ask_procedure(ctx: Context) -> None:
    ctx.dialog.state = SurveyState.PROCEDURE
    field = ctx.dialog.data["field"]
    buttons = [Button(f"{p.name.in_language(ctx.language)} ({p.code})",
                      _choice("procedure", p.code))
               for p in ctx.directory.procedures if p.field == field]
    buttons.append(Button(_("Another procedure"), _choice("procedure", OTHER)))
    await ctx.reply(Reply(_("Which procedure?"), buttons=(*rows(buttons, 1), (_cancel(),))))


async def _ask_place(ctx: Context) -> None:
    ctx.dialog.state = SurveyState.PLACE
    buttons = [Button(a.name.in_language(ctx.language), _choice("place", a.code))
               for a in ctx.directory.areas]
    buttons.append(Button(_("At the province's service centre"), _choice("place", OTHER)))
    await ctx.reply(Reply(_("Where did you do it?"), buttons=(*rows(buttons, 2), (_cancel(),))))


def _procedure_name(ctx: Context, draft: dict[str, Any]) -> str:
    code = draft.get("procedure")
    procedure = next((p for p in ctx.directory.procedures if p.code == code), None)
    if procedure is not None:
        return procedure.name.in_language(ctx.language)
    field = ctx.directory.field(draft["field"]) if ctx.directory.has_field(
        draft["field"]) else None
    return field.name.in_language(ctx.language) if field else _("(not specified)")


# --- the questions ---------------------------------------------------------------------

async def _start(ctx: Context, draft: dict[str, Any]) -> None:
    draft.update(answers={}, index=0, id=uuid.uuid4().hex, channel=ctx.message.channel)
    await ctx.reply(Reply(_("Survey on {procedure} at {unit}. It takes a minute and is "
                            "anonymous: your answers are not linked to you.").format(
        procedure=_procedure_name(ctx, draft), unit=unit_name(ctx.directory, draft["unit"]))))
    await _ask(ctx, draft)


async def _resume(ctx: Context, draft: dict[str, Any]) -> None:
    await ctx.reply(Reply(_("Let us continue where you left off.")))
    await _ask(ctx, draft)


def _questions(draft: dict[str, Any]) -> list[Question]:
    return questionnaire().for_field(draft["field"])


async def _ask(ctx: Context, draft: dict[str, Any]) -> None:
    """Ask the next question of the draft, or finish."""
    questions = _questions(draft)
    if draft["index"] >= len(questions):
        await _finish(ctx, draft)
        return
    question = questions[draft["index"]]
    ctx.dialog.reset(SurveyState.Q, **draft)
    await ctx.uow.surveys.save_draft(ctx.account.id, draft, ctx.now)
    number = _("Question {number} of {total}").format(number=draft["index"] + 1,
                                                        total=len(questions))
    text = f"{number}: {question.text.in_language(ctx.language)}"
    if question.kind == "text":
        await ctx.reply(Reply(text, buttons=((Button(_("Skip"), _choice("skip", "-")),),)))
        return
    levels = [Button(level.label.in_language(ctx.language), Answer(question.id,
                                                                   level.score).pack())
              for level in reversed(questionnaire().scale)]
    await ctx.reply(Reply(text, buttons=(*rows(levels, 1), (_cancel(),))))


@router.button(Answer)
async def answered(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, Answer)
    draft = dict(ctx.dialog.data)
    questions = _questions(draft) if ctx.dialog.state == SurveyState.Q else []
    index = draft.get("index", 0)
    if (not questions or index >= len(questions) or questions[index].id != payload.question
            or not 1 <= payload.score <= 5):
        raise stale_button()
    draft["answers"] = {**draft["answers"], payload.question: payload.score}
    draft["index"] = index + 1
    if payload.question == "overall" and payload.score <= LOW_SCORE:
        ctx.dialog.reset(SurveyState.REASON, **draft)
        await ctx.uow.surveys.save_draft(ctx.account.id, draft, ctx.now)
        await ctx.reply(Reply(_("We are sorry. What went wrong? Write it in a few words, or "
                                "press \"Skip\"."),
                              buttons=((Button(_("Skip"), _choice("skip", "-")),),)))
        return
    await _ask(ctx, draft)


async def _skip(ctx: Context) -> None:
    draft = dict(ctx.dialog.data)
    if ctx.dialog.state == SurveyState.Q:
        draft["index"] = draft.get("index", 0) + 1
    await _ask(ctx, draft)


@router.state(SurveyState)
async def typed(ctx: Context) -> None:
    state, draft = ctx.dialog.state, dict(ctx.dialog.data)
    text = ctx.message.text if ctx.message.kind is Kind.TEXT else None
    questions = _questions(draft) if state == SurveyState.Q else []
    index = draft.get("index", 0)
    if state == SurveyState.REASON and text:
        draft["reason"] = check_text(text, 2, COMMENT_MAX)
        await _ask(ctx, draft)
    elif state == SurveyState.Q and text and index < len(questions) and \
            questions[index].kind == "text":
        draft["comment"] = check_text(text, 1, COMMENT_MAX)
        draft["index"] = index + 1
        await _ask(ctx, draft)
    else:
        await ctx.reply(Reply(_("Please answer with the buttons above (or the number of an "
                                "answer), or send /huy to stop the survey.")))


async def _finish(ctx: Context, draft: dict[str, Any]) -> None:
    over = await admit(ctx.uow, ctx.settings.limits, Door.SURVEY, ctx.now,
                       identity=str(ctx.account.id), address=ctx.message.client_address)
    if over is not None:  # a flood of ratings: none is recorded, the answers wait
        await ctx.uow.surveys.save_draft(ctx.account.id, draft, ctx.now)
        ctx.dialog.reset()
        await ctx.reply(Reply(_("Many surveys came from you or your network in a short time, "
                                "so your answers were not recorded yet; they are kept. Send "
                                "/danhgia after {time} to record them.").format(
                                    time=format_datetime(over.until, ctx.tz))))
        return
    comment = "\n".join(part for part in (draft.get("reason"), draft.get("comment")) if part)
    if comment:  # kept without a link to the person: nor their name in their words
        comment = anonymise(comment, *await own_details(ctx))
    dossier = draft.get("dossier")
    verified = dossier is not None and await ctx.uow.dossiers.get(dossier) is not None
    signals: dict[str, Any] = {}
    if not verified:
        signals = {"desk_token_id": draft.get("token"), "origin": await _origin(ctx),
                   "new_identity": await ctx.uow.accounts.created_at(ctx.account.id)
                   > ctx.now - NEW_IDENTITY}
    stored = await ctx.uow.surveys.add_rating(NewRating(
        source="bot", source_id=draft["id"], rated_at=ctx.now, unit=draft["unit"],
        field=draft["field"], procedure=draft.get("procedure"), channel=draft["channel"],
        score=draft["answers"]["overall"], answers=draft["answers"], comment=comment or None,
        dossier=dossier if verified else None, verified=verified, **signals), ctx.now)
    if stored is Stored.REPLACED:
        await ctx.reply(Reply(_("Dossier {code} had been rated before: your answers replace "
                                "that rating.").format(code=dossier)))
    await ctx.uow.surveys.drop_draft(ctx.account.id)
    low = draft["answers"]["overall"] <= LOW_SCORE
    if not low:
        ctx.dialog.reset()
        await ctx.reply(Reply(_("Thank you! Your answers were recorded."),
                              buttons=menu_buttons(ctx)))
        return
    ctx.dialog.reset(SurveyState.DONE, field=draft["field"], procedure=draft.get("procedure"),
                     reason=draft.get("reason"))
    await ctx.reply(Reply(_("Thank you! Your answers were recorded. Would you like to send a "
                            "PAKN about the problem, so that the unit answers you?"),
                          buttons=((Button(_("Send a PAKN about it"), _choice("pakn", "-")),),)))


def _pakn_text(ctx: Context, procedure: str | None, reason: str | None) -> str:
    about = _("About the procedure {procedure}: {reason}").format(
        procedure=_procedure_name(ctx, {"procedure": procedure,
                                        "field": ctx.dialog.data.get("field", "")}),
        reason=reason or _("I am not satisfied with how it was handled."))
    return about


async def _origin(ctx: Context) -> str | None:
    """Where an unverified rating came from, as a keyed hash of the client's address."""
    if ctx.message.client_address is None:
        return None
    key = await ctx.uow.meta.get(ORIGIN_KEY)
    if key is None:
        key = secrets.token_hex(32)
        await ctx.uow.meta.set(ORIGIN_KEY, key)
    return hmac.new(bytes.fromhex(key), ctx.message.client_address.encode(),
                    hashlib.sha256).hexdigest()[:32]


async def cancel(ctx: Context) -> None:
    await ctx.uow.surveys.drop_draft(ctx.account.id)
    ctx.dialog.reset()
    await ctx.reply(Reply(_("The survey was cancelled; nothing was recorded."),
                          buttons=menu_buttons(ctx)))


def is_survey_link(args: str) -> bool:
    return args.startswith(PREFIX)
