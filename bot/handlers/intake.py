"""Filing a PAKN: field, area, description, photos and location, contact, confirmation.

Every step keeps its answers in the chat's dialog row, so a conversation survives a
restart and any worker can take the next message. Nothing is filed before "Send".
"""

from collections.abc import Awaitable, Callable

from bot.core import uploads
from bot.core.case_rating import question
from bot.core.filing import Filing, Source
from bot.core.filing import file_case as core_file_case
from bot.core.limits import Door, admit
from bot.core.ports import FileKind
from bot.core.similar import find_similar, follow_case
from bot.handlers.casework import deliver_here, save_and_refresh, work_of
from bot.handlers.common import ask_consent, has_consented, menu_buttons
from bot.present.case_view import map_link, raised_line, receipt, status_label
from bot.present.errors import stale_button
from bot.present.i18n import _, format_date, format_datetime
from bot.present.names import area_name, field_name, unit_name
from bot.spine.callbacks import Choose, Payload, SimilarChoice
from bot.spine.context import Context
from bot.spine.messages import Button, ButtonKind, Kind, Reply, rows, stored_file_id
from bot.spine.routing import Router
from bot.spine.states import IntakeState
from complaints.case import Case, Contact, Location, Status, check_text
from complaints.errors import NotAllowed
from complaints.intake import ADDRESS_MAX, ADDRESS_MIN, NAME_MAX, NAME_MIN
from complaints.phone import format_phone, mask_phone, normalize_phone
from complaints.privacy import anonymise
from complaints.publication import known_details

router = Router()

MAX_PHOTOS = 5
LABEL_NAME_MAX = 40
NO_AREA = "-"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _choose(step: str, value: str) -> str:
    return Choose(step, value).pack()


def _cancel_button() -> Button:
    return Button(_("Cancel"), _choose("intake", "cancel"))


# --- starting --------------------------------------------------------------------------

@router.command("phananh", "feedback")
async def file_command(ctx: Context) -> None:
    await begin_intake(ctx)


async def begin_intake(ctx: Context, field: str | None = None, text: str | None = None) -> None:
    """Start filing; a PAKN offered after a low survey rating comes with its field and a
    first description, which the citizen can still change at the summary."""
    if not has_consented(ctx):
        await ask_consent(ctx, then="intake", prefill={"field": field, "text": text})
        return
    ctx.dialog.reset(IntakeState.FIELD)
    if field is not None and ctx.directory.has_field(field):
        ctx.dialog.data.update(field=field, text=text)
        await _ask_area(ctx)
        return
    await _ask_field(ctx, intro=_(
        "Send a PAKN (phản ánh, kiến nghị) about administrative rules or how an office "
        "applied them: delays, harassment, wrong application, unfit rules, proposals.\n"
        "Complaints and denunciations (khiếu nại, tố cáo) are not received here."))


# --- the steps -------------------------------------------------------------------------

async def _ask_field(ctx: Context, intro: str | None = None) -> None:
    ctx.dialog.state = IntakeState.FIELD
    buttons = [Button(f.name.in_language(ctx.language), _choose("field", f.code))
               for f in ctx.directory.fields]
    question = _("Which field is it about?")
    await ctx.reply(Reply(f"{intro}\n\n{question}" if intro else question,
                          buttons=(*rows(buttons, 2), (_cancel_button(),))))


async def _ask_area(ctx: Context) -> None:
    ctx.dialog.state = IntakeState.AREA
    buttons = [Button(a.name.in_language(ctx.language), _choose("area", a.code))
               for a in ctx.directory.areas]
    buttons.append(Button(_("Province level / not sure"), _choose("area", NO_AREA)))
    await ctx.reply(Reply(_("Which commune or ward is it about?"),
                          buttons=(*rows(buttons, 2), (_cancel_button(),))))


async def _ask_text(ctx: Context) -> None:
    ctx.dialog.state = IntakeState.TEXT
    await ctx.reply(Reply(_("Describe the problem in one message: what happened, where and "
                            "when, and what you propose (at least 20 characters)."),
                          buttons=((_cancel_button(),),)))


def _continue_button() -> tuple[Button, ...]:
    return (Button(_("Continue"), _choose("attach", "done")),)


def _attach_buttons(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    go_on = _continue_button()
    if not ctx.capabilities.share_location:
        return (go_on,)
    return ((Button(_("Share my location"), kind=ButtonKind.SHARE_LOCATION),), go_on)


async def _ask_attachments(ctx: Context) -> None:
    ctx.dialog.state = IntakeState.ATTACH
    await ctx.reply(Reply(_("You may add up to {count} photos and the location. Press "
                            "\"Continue\" when you are done, or to skip.").format(
                                count=MAX_PHOTOS), buttons=_attach_buttons(ctx)))


async def _ask_name(ctx: Context) -> None:
    ctx.dialog.state = IntakeState.NAME
    saved = None if ctx.dialog.data.get("editing") else await _saved_contact(ctx)
    if saved is None:
        await ctx.reply(Reply(_("Your full name:"), remove_keyboard=True))
        return
    ctx.dialog.data["previous_contact"] = [saved.name, saved.phone, saved.address]
    # Masked on the button: a chat may be read over the shoulder or on a shared phone;
    # the summary before sending shows them in full to the person filing.
    label = _("Use my details again: {name}, {phone}").format(
        name=shorten(saved.name, LABEL_NAME_MAX), phone=mask_phone(saved.phone))
    await ctx.reply(Reply(
        _("Your full name? To use the name, phone number and address of your last PAKN "
          "again, press the button; you will see them in full before sending."),
        buttons=((Button(label, _choose("contact", "same")),),), sensitive=True))


async def _saved_contact(ctx: Context) -> Contact | None:
    """The details the person gave with their last PAKN, unless they were erased at their
    request (the person withdrew consent: Luật 91/2025/QH15; nothing is offered then)."""
    previous = await ctx.uow.cases.last_of_citizen(ctx.account.id)
    if previous is None or previous.contact.erased:
        return None
    return previous.contact


async def _ask_phone(ctx: Context) -> None:
    ctx.dialog.state = IntakeState.PHONE
    if not ctx.capabilities.share_contact:
        await ctx.reply(Reply(_("Your phone number:")))
        return
    await ctx.reply(Reply(_("Your phone number (press the button to share it, or type it):"),
                          buttons=((Button(_("Share my phone number"),
                                           kind=ButtonKind.SHARE_CONTACT),),)))


async def _ask_address(ctx: Context) -> None:
    ctx.dialog.state = IntakeState.ADDRESS
    await ctx.reply(Reply(_("Your contact address (house number, street or hamlet, commune):"),
                          remove_keyboard=True))


def _summary(ctx: Context) -> str:
    data = ctx.dialog.data
    lines = [
        _("Please check your PAKN:"),
        _("Field: {field}").format(field=field_name(ctx.directory, data["field"])),
        _("Area: {area}").format(area=area_name(ctx.directory, data.get("area"))),
        _("Name: {name}").format(name=data["name"]),
        _("Phone: {phone}").format(phone=format_phone(data["phone"])),
        _("Address: {address}").format(address=data["address"]),
    ]
    if data.get("photos"):
        lines.append(_("Photos: {count}").format(count=len(data["photos"])))
    if data.get("location"):
        lines.append(_("Location: {link}").format(link=map_link(*data["location"])))
    lines += ["", data["text"]]
    return "\n".join(lines)


async def _ask_confirm(ctx: Context) -> None:
    ctx.dialog.state = IntakeState.CONFIRM
    ctx.dialog.data.pop("editing", None)
    # The person's details: the outbox keeps only a mark once it is delivered.
    await ctx.reply(Reply(_summary(ctx) + "\n\n" + _("Send it?"), buttons=((
        Button(_("Send"), _choose("confirm", "send")),
        Button(_("Edit"), _choose("confirm", "edit")),
        Button(_("Cancel"), _choose("intake", "cancel"))),), sensitive=True))


async def _next(ctx: Context, default: Callable[[Context], Awaitable[None]]) -> None:
    """After a step: back to the summary when editing one part, else the next step."""
    if ctx.dialog.data.get("editing"):
        await _ask_confirm(ctx)
    else:
        await default(ctx)


async def _offer_similar(ctx: Context) -> None:
    """Before going on, the cases already filed about what looks like the same problem
    (bot.core.similar): the citizen may follow one instead of filing theirs."""
    data = ctx.dialog.data
    found = await find_similar(ctx.uow, ctx.actor, ctx.now, field=data["field"],
                               area=data.get("area"), text=data["text"],
                               answered_days=ctx.settings.similar_days)
    if not found:
        await _next(ctx, _ask_attachments)
        return
    ctx.dialog.state = IntakeState.SIMILAR
    data["similar"] = [s.case.id for s in found]
    lines = [_("These PAKN about what looks like the same problem were already sent. You can "
               "follow one of them instead: you will get its answer here.")]
    for number, similar in enumerate(found, start=1):
        case = similar.case
        lines += ["", f"{number}. " + _("{code} · {status} · received {date}").format(
            code=case.code, status=status_label(case.status),
            date=format_date(case.received_at, ctx.tz))]
        lines.append(similar.summary or _("{field}, {area}").format(
            field=field_name(ctx.directory, case.field), area=area_name(ctx.directory, case.area)))
        if similar.raised_by > 1:
            lines.append(raised_line(similar.raised_by))
    buttons = [(Button(_("Follow {code}").format(code=s.case.code),
                       SimilarChoice("follow", s.case.id or 0).pack()),) for s in found]
    buttons.append((Button(_("File mine anyway"), _choose("similar", "file")),))
    await ctx.reply(Reply("\n".join(lines), buttons=tuple(buttons)))


@router.button(SimilarChoice)
async def similar_chosen(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, SimilarChoice)
    if (payload.action != "follow" or ctx.dialog.state != IntakeState.SIMILAR
            or payload.case_id not in ctx.dialog.data.get("similar", [])):
        raise stale_button(payload.case_id)
    case = await follow_case(ctx.uow, ctx.actor, ctx.now, payload.case_id, ctx.chat)
    await save_and_refresh(ctx, case)
    ctx.dialog.reset()
    if case.status is Status.RESOLVED and case.answer:
        # Answered already: its answer now (as followers get it), and the question.
        await ctx.reply(Reply(_("You now follow {code}. It was answered by {unit}:\n{answer}")
                              .format(code=case.code, unit=unit_name(ctx.directory, case.unit),
                                      answer=anonymise(case.answer, *known_details(case)))),
                        case_id=case.id)
        await ctx.reply(question(case, ctx.directory), case_id=case.id)
        return
    await ctx.reply(Reply(_("You now follow {code}: you will get its answer here and be "
                            "asked how it was handled. Nothing else was sent.").format(
        code=case.code), buttons=menu_buttons(ctx)), case_id=case.id)


# --- answers by button -----------------------------------------------------------------

@router.button(Choose)
async def chosen(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, Choose)
    state, data = ctx.dialog.state, ctx.dialog.data
    step, value = payload.step, payload.value
    if step == "intake" and value == "cancel" and IntakeState.holds(state):
        ctx.dialog.reset()
        await ctx.reply(Reply(_("Cancelled. Nothing was sent."), buttons=menu_buttons(ctx),
                              remove_keyboard=True))
    elif step == "field" and state == IntakeState.FIELD and ctx.directory.has_field(value):
        data["field"] = value
        await _next(ctx, _ask_area)
    elif step == "area" and state == IntakeState.AREA and (
            value == NO_AREA or ctx.directory.has_area(value)):
        data["area"] = None if value == NO_AREA else value
        await _next(ctx, _ask_attachments if data.get("text") else _ask_text)
    elif step == "similar" and state == IntakeState.SIMILAR and value == "file":
        await _next(ctx, _ask_attachments)
    elif step == "attach" and state == IntakeState.ATTACH:
        await _next(ctx, _ask_name)
    elif step == "contact" and state == IntakeState.NAME and data.get("previous_contact"):
        data["name"], data["phone"], data["address"] = data.pop("previous_contact")
        await _ask_confirm(ctx)
    elif step == "confirm" and state == IntakeState.CONFIRM and value == "send":
        await _file(ctx)
    elif step == "confirm" and state == IntakeState.CONFIRM and value == "edit":
        await _ask_edit(ctx)
    elif step == "edit" and state == IntakeState.EDIT and value in _EDITABLE:
        data["editing"] = True
        await _EDITABLE[value](ctx)
    else:
        raise stale_button()


_EDITABLE = {"field": _ask_field, "area": _ask_area, "text": _ask_text,
             "attach": _ask_attachments, "name": _ask_name, "phone": _ask_phone,
             "address": _ask_address}


async def _ask_edit(ctx: Context) -> None:
    ctx.dialog.state = IntakeState.EDIT
    labels = {"field": _("Field"), "area": _("Area"), "text": _("Description"),
              "attach": _("Photos and location"), "name": _("Name"), "phone": _("Phone"),
              "address": _("Address")}
    buttons = [Button(label, _choose("edit", key)) for key, label in labels.items()]
    await ctx.reply(Reply(_("What do you want to change?"), buttons=rows(buttons, 2)))


# --- answers typed or sent -------------------------------------------------------------

@router.state(IntakeState)
async def typed(ctx: Context) -> None:
    state, message, data = ctx.dialog.state, ctx.message, ctx.dialog.data
    if state == IntakeState.TEXT and message.kind is Kind.TEXT:
        data["text"] = check_text(message.text or "")
        await _offer_similar(ctx)
    elif state == IntakeState.ATTACH:
        await _attachment(ctx)
    elif state == IntakeState.SIMILAR and message.kind in (Kind.PHOTO, Kind.LOCATION):
        # Going on with photos or the place passes the offer by: theirs is filed.
        ctx.dialog.state = IntakeState.ATTACH
        await _attachment(ctx)
    elif state == IntakeState.NAME and message.kind is Kind.TEXT:
        data["name"] = check_text(message.text or "", NAME_MIN, NAME_MAX)
        await _next(ctx, _ask_phone)
    elif state == IntakeState.PHONE and message.kind is Kind.CONTACT and message.contact:
        if not message.contact.is_own:
            await ctx.reply(Reply(_("Please share your own number, or type it.")))
            return
        data["phone"] = normalize_phone(message.contact.phone)
        await _next(ctx, _ask_address)
    elif state == IntakeState.PHONE and message.kind is Kind.TEXT:
        data["phone"] = normalize_phone(message.text or "")
        await _next(ctx, _ask_address)
    elif state == IntakeState.ADDRESS and message.kind is Kind.TEXT:
        data["address"] = check_text(message.text or "", ADDRESS_MIN, ADDRESS_MAX)
        await _ask_confirm(ctx)
    else:
        await ctx.reply(Reply(_("Please answer the question above, use its buttons, or "
                                "send /huy to cancel.")))


async def _attachment(ctx: Context) -> None:
    message, data = ctx.message, ctx.dialog.data
    if message.kind is Kind.PHOTO and message.photo:
        photos = data.setdefault("photos", [])
        if len(photos) >= MAX_PHOTOS:
            await ctx.reply(Reply(_("You have already added {count} photos, the most I can "
                                    "take. Press \"Continue\".").format(count=MAX_PHOTOS)))
            return
        if message.text:  # a caption is part of the description, photo kept or not
            data["text"] = check_text(f"{data['text']}\n{message.text}")
        stored = await store_photo(ctx)
        if stored is not None:
            photos.append(stored)
            # "Continue" comes again with each, so that it is beside the newest message.
            await ctx.reply(Reply(_("Photo {number} of at most {count} received.").format(
                number=len(photos), count=MAX_PHOTOS), buttons=(_continue_button(),)))
    elif message.kind is Kind.LOCATION and message.location:
        data["location"] = list(message.location)
        await ctx.reply(Reply(_("Location received."), buttons=(_continue_button(),)))
    elif message.kind is Kind.TEXT and message.text:
        data["text"] = check_text(f"{data['text']}\n{message.text}")
        await ctx.reply(Reply(_("Added to your description.")))
    else:
        await ctx.reply(Reply(_("Send photos or the location, or press \"Continue\"."),
                              buttons=_attach_buttons(ctx)))


async def store_photo(ctx: Context) -> int | None:
    """Keep a reference to the photo: Telegram's file id or Zalo's link (fetched, and
    decoded, when someone needs it), or the upload already stored (and counted). None,
    the person told why, when it passes the hour's upload quota."""
    photo = ctx.message.photo
    assert photo is not None
    if photo.attachment_id is not None:
        stored = await ctx.uow.attachments.get(photo.attachment_id)
        if (stored is None or stored.owner_id != ctx.account.id or stored.case_id is not None
                or stored.kind is not FileKind.UPLOAD):
            raise NotAllowed("photo")
        return photo.attachment_id
    limits = uploads.limits_of(ctx.settings)
    try:
        await uploads.count_upload(
            ctx.uow, uploads.subjects(ctx.account.id, ctx.message.client_address),
            photo.size, ctx.now, limits)
    except uploads.UploadRefused as refused:
        await ctx.reply(Reply(uploads.refusal_text(refused.reason, limits)))
        return None
    return await ctx.uow.attachments.add(ctx.account.id, ctx.message.channel, ctx.now,
                                         telegram_file_id=stored_file_id(photo.file),
                                         source_url=photo.url, kind=FileKind.UPLOAD)


# --- filing ----------------------------------------------------------------------------

async def _file(ctx: Context) -> None:
    over = await admit(ctx.uow, ctx.settings.limits, Door.FILING, ctx.now,
                       identity=str(ctx.account.id), address=ctx.message.client_address)
    if over is not None:  # nothing is filed; the PAKN waits at its confirmation
        await ctx.reply(Reply(_("Many PAKN came from you or your network in a short time, so "
                                "this one was not sent yet; what you wrote is kept. Press "
                                "\"Send\" again after {time}.").format(
                                    time=format_datetime(over.until, ctx.tz))))
        return
    data = ctx.dialog.data
    filing = Filing(field=data["field"], area=data.get("area"), text=data["text"],
                    contact=Contact(data["name"], data["phone"], data["address"]),
                    location=Location(*data["location"]) if data.get("location") else None,
                    photos=tuple(data.get("photos", [])))
    ctx.dialog.reset()
    await file_case(ctx, filing)


async def file_case(ctx: Context, filing: Filing) -> Case:
    """Record the PAKN, confirm it to the sender and put it in front of the unit's staff."""
    work = work_of(ctx)
    case = await core_file_case(work, filing, Source(ctx.message.channel, ctx.message.chat_id,
                                                     ctx.account.id))
    await ctx.reply(Reply(receipt(case, ctx.directory, ctx.tz), buttons=menu_buttons(ctx)),
                    case_id=case.id)
    await deliver_here(ctx, work.owed)
    return case
