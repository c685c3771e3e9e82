"""Staff take a PAKN for a citizen in the chat (/nhaphananh, /intake): how it came, when
it was received, the sender's details, field, area, text, photos and scanned letters (PDF
files, on channels that keep files by their ids), the consent given, and a summary to
confirm; the use case (bot.core.intake) files it. Every answer is kept in the chat's
dialog row until "File"."""

from datetime import datetime
from typing import Any

from bot.core.intake import (
    MAX_FILES,
    FileRefused,
    Intake,
    IntakeRequest,
    file_and_send,
    file_refusal,
    filed_note,
    keep_sent_scan,
    may_file,
)
from bot.handlers.casework import deliver_here, work_of
from bot.handlers.common import menu_buttons
from bot.handlers.intake import MAX_PHOTOS, NO_AREA, store_photo
from bot.present.errors import stale_button
from bot.present.i18n import _, format_datetime
from bot.present.names import area_name, channel_name, consent_name, field_name
from bot.spine.callbacks import Payload, TakeStep
from bot.spine.capabilities import capabilities
from bot.spine.context import Context
from bot.spine.messages import Button, Kind, Reply, rows
from bot.spine.routing import Router
from bot.spine.states import StaffIntakeState
from complaints.case import check_text
from complaints.intake import (
    ConsentBasis,
    Origin,
    check_address,
    check_email,
    check_name,
    check_received,
    check_sender,
    parse_received,
)
from complaints.phone import format_phone, normalize_phone

router = Router()


def _button(label: str, step: str, value: str) -> Button:
    return Button(label, TakeStep(step, value).pack())


def _cancel() -> tuple[Button, ...]:
    return (_button(_("Cancel"), "cancel", "-"),)


def _skip(step: str) -> tuple[Button, ...]:
    return (_button(_("Not given"), step, "-"),)


@router.command("nhaphananh", "intake")
async def start(ctx: Context) -> None:
    if not may_file(ctx.actor, ctx.directory):
        await ctx.reply(Reply(_(
            "This command is for staff who take PAKN by phone, by letter or at the desk. "
            "To send your own PAKN, write /phananh."), buttons=menu_buttons(ctx)))
        return
    ctx.dialog.reset(StaffIntakeState.ORIGIN)
    buttons = [_button(channel_name(o.value), "origin", o.value) for o in Origin]
    await ctx.reply(Reply(_("Filing a PAKN for a citizen. How did it come?"),
                          buttons=(*rows(buttons, 2), _cancel())))


async def _ask(ctx: Context, state: StaffIntakeState, text: str,
               *buttons: tuple[Button, ...]) -> None:
    ctx.dialog.state = state
    await ctx.reply(Reply(text, buttons=(*buttons, _cancel())))


async def _ask_received(ctx: Context) -> None:
    await _ask(ctx, StaffIntakeState.RECEIVED, _(
        "When was it received? Write the time and date, like 14:30 05/12/2026, or press "
        "\"Now\"."), (_button(_("Now"), "received", "now"),))


async def _ask_field(ctx: Context) -> None:
    buttons = [_button(f.name.in_language(ctx.language), "field", f.code)
               for f in ctx.directory.fields]
    await _ask(ctx, StaffIntakeState.FIELD, _("Which field is it about?"), *rows(buttons, 2))


async def _ask_area(ctx: Context) -> None:
    buttons = [_button(a.name.in_language(ctx.language), "area", a.code)
               for a in ctx.directory.areas]
    buttons.append(_button(_("Province level / not sure"), "area", NO_AREA))
    await _ask(ctx, StaffIntakeState.AREA, _("Which commune or ward is it about?"),
               *rows(buttons, 2))


async def _ask_attachments(ctx: Context) -> None:
    if capabilities(ctx.chat.channel).keeps_file_ids:
        ask = _("Send the scanned letter as a PDF file (up to {files}), photos of the letter "
                "or of what it shows (up to {count}), or press \"Continue\".").format(
                    files=MAX_FILES, count=MAX_PHOTOS)
    else:
        ask = _("Send photos of the letter or of what it shows (up to {count}), or press "
                "\"Continue\".").format(count=MAX_PHOTOS)
    await _ask(ctx, StaffIntakeState.ATTACH, ask, _continue())


def _continue() -> tuple[Button, ...]:
    return (_button(_("Continue"), "attach", "done"),)


async def _ask_consent(ctx: Context) -> None:
    await _ask(ctx, StaffIntakeState.CONSENT, _(
        "Did the citizen agree to the processing of their personal data for handling this "
        "PAKN? Record how they agreed; without their agreement, do not file it."),
        (_button(consent_name(ConsentBasis.ORAL), "consent", ConsentBasis.ORAL.value),
         _button(consent_name(ConsentBasis.WRITTEN), "consent", ConsentBasis.WRITTEN.value)))


def _summary(ctx: Context) -> str:
    data = ctx.dialog.data
    lines = [
        _("Please check the PAKN before filing it:"),
        _("Came by: {channel}").format(channel=channel_name(data["origin"])),
        _("Received: {time}").format(time=format_datetime(
            datetime.fromisoformat(data["received"]), ctx.tz)),
        _("Name: {name}").format(name=data["name"]),
        _("Phone: {phone}").format(phone=format_phone(data["phone"]) if data.get("phone")
                                   else "—"),
        _("Address: {address}").format(address=data["address"]),
        _("Email: {email}").format(email=data.get("email") or "—"),
        _("Field: {field}").format(field=field_name(ctx.directory, data["field"])),
        _("Area: {area}").format(area=area_name(ctx.directory, data.get("area"))),
        _("Photos: {count}").format(count=len(data.get("photos", []))),
        *([_("Scanned letters (PDF): {count}").format(count=len(data["scans"]))]
          if data.get("scans") else []),
        _("Consent: {basis}").format(basis=consent_name(ConsentBasis(data["consent"]))),
        "", data["text"],
    ]
    return "\n".join(lines)


async def _ask_confirm(ctx: Context) -> None:
    ctx.dialog.state = StaffIntakeState.CONFIRM
    await ctx.reply(Reply(_summary(ctx) + "\n\n" + _("File it?"), buttons=((
        _button(_("File"), "confirm", "file"), *_cancel()),), sensitive=True))


@router.button(TakeStep)
async def chosen(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, TakeStep)
    state, data = ctx.dialog.state, ctx.dialog.data
    step, value = payload.step, payload.value
    if not StaffIntakeState.holds(state):
        raise stale_button()
    here = StaffIntakeState(state).step
    if step == "cancel":
        ctx.dialog.reset()
        await ctx.reply(Reply(_("Cancelled. Nothing was filed."), buttons=menu_buttons(ctx)))
    elif step != here:
        raise stale_button()
    elif step == "origin" and value in set(Origin):
        data["origin"] = value
        await _ask_received(ctx)
    elif step == "received" and value == "now":
        data["received"] = ctx.now.isoformat()
        await _ask(ctx, StaffIntakeState.NAME, _("The citizen's full name:"))
    elif step == "phone" and value == "-":
        data["phone"] = None
        await _ask(ctx, StaffIntakeState.ADDRESS,
                   _("The citizen's address (where an answer can be sent):"))
    elif step == "email" and value == "-":
        data["email"] = None
        await _ask_field(ctx)
    elif step == "field" and ctx.directory.has_field(value):
        data["field"] = value
        await _ask_area(ctx)
    elif step == "area" and (value == NO_AREA or ctx.directory.has_area(value)):
        data["area"] = None if value == NO_AREA else value
        await _ask(ctx, StaffIntakeState.TEXT, _(
            "What does the citizen report or propose? Write it as they said or wrote it (at "
            "least 20 characters)."))
    elif step == "attach" and value == "done":
        await _ask_consent(ctx)
    elif step == "consent" and value in set(ConsentBasis):
        data["consent"] = value
        await _ask_confirm(ctx)
    elif step == "confirm" and value == "file":
        await _file(ctx)
    else:
        raise stale_button()


@router.state(StaffIntakeState)
async def typed(ctx: Context) -> None:
    state, message, data = ctx.dialog.state, ctx.message, ctx.dialog.data
    text = (message.text or "") if message.kind is Kind.TEXT else None
    if state == StaffIntakeState.ATTACH and message.kind is Kind.PHOTO and message.photo:
        await _photo(ctx)
    elif state == StaffIntakeState.ATTACH and message.kind is Kind.DOCUMENT:
        await _scan(ctx)
    elif text is None:
        await ctx.reply(Reply(_("Please answer the question above, use its buttons, or "
                                "send /huy to cancel.")))
    elif state == StaffIntakeState.RECEIVED:
        data["received"] = check_received(parse_received(text, ctx.now, ctx.tz),
                                          ctx.now).isoformat()
        await _ask(ctx, StaffIntakeState.NAME, _("The citizen's full name:"))
    elif state == StaffIntakeState.NAME:
        data["name"] = check_name(text)
        await _ask(ctx, StaffIntakeState.PHONE, _("The citizen's phone number (a text message "
                                                  "with the tracking code goes to it):"),
                   _skip("phone"))
    elif state == StaffIntakeState.PHONE:
        data["phone"] = normalize_phone(text)
        await _ask(ctx, StaffIntakeState.ADDRESS,
                   _("The citizen's address (where an answer can be sent):"))
    elif state == StaffIntakeState.ADDRESS:
        data["address"] = check_address(text)
        await _ask(ctx, StaffIntakeState.EMAIL, _("The citizen's email address:"), _skip("email"))
    elif state == StaffIntakeState.EMAIL:
        data["email"] = check_email(text)
        await _ask_field(ctx)
    elif state == StaffIntakeState.TEXT:
        data["text"] = check_text(text)
        await _ask_attachments(ctx)
    else:
        await ctx.reply(Reply(_("Please answer the question above, use its buttons, or "
                                "send /huy to cancel.")))


async def _photo(ctx: Context) -> None:
    photos = ctx.dialog.data.setdefault("photos", [])
    if len(photos) >= MAX_PHOTOS:
        await ctx.reply(Reply(_("You have already added {count} photos, the most I can "
                                "take. Press \"Continue\".").format(count=MAX_PHOTOS)))
        return
    stored = await store_photo(ctx)
    if stored is not None:
        photos.append(stored)
        await ctx.reply(Reply(_("Photo {number} of at most {count} received.").format(
            number=len(photos), count=MAX_PHOTOS), buttons=(_continue(),)))


async def _scan(ctx: Context) -> None:
    document, scans = ctx.message.document, ctx.dialog.data.setdefault("scans", [])
    assert document is not None
    if len(scans) >= MAX_FILES:
        await ctx.reply(Reply(_("You have already added {count} files, the most I can take. "
                                "Press \"Continue\".").format(count=MAX_FILES)))
        return
    name = document.name or _("the file")
    try:
        stored = await keep_sent_scan(work_of(ctx), ctx.actor, ctx.message.channel,
                                      document.file, name, document.size,
                                      ctx.message.client_address)
    except FileRefused as refused:
        await ctx.reply(Reply(file_refusal(refused, ctx.settings)))
        return
    scans.append(stored)
    await ctx.reply(Reply(_("Scanned letter {number} of at most {count} received.").format(
        number=len(scans), count=MAX_FILES), buttons=(_continue(),)))


def request_of(data: dict[str, Any]) -> IntakeRequest:
    sender = check_sender(data["name"], data["address"], data.get("phone") or "",
                          data.get("email") or "")
    return IntakeRequest(
        origin=Origin(data["origin"]), received_at=datetime.fromisoformat(data["received"]),
        sender=sender, field=data["field"], area=data.get("area"), text=data["text"],
        consent=ConsentBasis(data["consent"]),
        attachments=(*data.get("photos", []), *data.get("scans", [])))


async def file_and_announce(ctx: Context, request: IntakeRequest) -> Intake:
    """File the PAKN and tell the person filing, then the unit and the citizen."""
    work = work_of(ctx)
    intake = await file_and_send(work, ctx.actor, request)
    await ctx.reply(Reply(filed_note(intake, ctx.directory, ctx.settings),
                          buttons=menu_buttons(ctx)), case_id=intake.case.id)
    await deliver_here(ctx, work.owed)
    return intake


async def _file(ctx: Context) -> None:
    request = request_of(ctx.dialog.data)
    ctx.dialog.reset()
    await file_and_announce(ctx, request)
