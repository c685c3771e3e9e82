"""Staff take a PAKN for a citizen who called (the 1022 hotline included), wrote a letter
or an email, or came to the desk, and file it on their behalf. The case goes the way of
every PAKN (bot.core.filing): routing, time limits counted from its receipt (which may
be earlier than its filing: the working calendar and the afternoon cut-off apply to the
time of receipt), reminders, apology, rating; its channel is how it came.

Who may file: administrators and the focal point's staff (the focal point receives what
reaches the district by any way: Nghị định 20/2008/NĐ-CP, as amended) for any field and
area; other units' staff and heads only a PAKN that goes to their own unit (or one their
unit stands in for), so that no unit files work into another's list.

The sender is told the tracking code by SMS when they gave a phone number, else by email
when they gave an address (one channel, the surest: a phone reaches nearly everyone, and
two copies of each later message would cost twice for nothing); with neither, the code
is given on the printed receipt only. Later messages (answer, apology, rating) go the
same way (Case.reply_chat)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core import uploads
from bot.core.case_news import send_card_to_unit
from bot.core.filing import Filing, Source, record_case
from bot.core.ports import (
    Chat,
    FileKind,
    HasAccounts,
    HasAttachments,
    HasAudit,
    HasCalendar,
    HasCases,
    HasFollowers,
    HasInbound,
    HasIntakes,
    HasLimits,
    HasLocks,
    HasMeta,
    HasOutbox,
    HasPublications,
    HasSavepoints,
    HasSenderChats,
    IntakeRecord,
)
from bot.core.privacy import DASHBOARD
from bot.core.work import Work
from bot.files.images import NotAnImage, clean_image
from bot.files.scans import MAX_PAGES, PDF, NotAPdf, check_pdf
from bot.present.errors import Refused
from bot.present.i18n import _, format_date
from bot.present.names import unit_name
from bot.runtime.settings import Settings
from bot.spine.messages import FileRef, Reply, stored_file_id
from complaints.case import Case, Contact, check_text
from complaints.directory import Directory
from complaints.errors import ComplaintsError, NotAllowed, ValidationError
from complaints.intake import ConsentBasis, Origin, Sender, check_received
from complaints.people import Account, Actor, Role

SMS, EMAIL = "sms", "email"
PUBLIC_CASE_PAGE = "/cong-khai/pakn/{code}"


class Needs(
        HasAccounts, HasAttachments, HasAudit, HasCalendar, HasCases, HasFollowers,
        HasInbound, HasIntakes, HasLimits, HasLocks, HasMeta, HasOutbox, HasPublications,
        HasSavepoints, HasSenderChats, Protocol):
    """The repositories these use cases use."""


@dataclass(frozen=True)
class IntakeRequest:
    """What staff took down, checked field by field by the door (complaints.intake)."""

    origin: Origin
    received_at: datetime
    sender: Sender
    field: str
    area: str | None
    text: str
    consent: ConsentBasis
    attachments: tuple[int, ...] = ()


@dataclass(frozen=True)
class Intake:
    case: Case
    told: Chat | None
    """Where the sender was sent the tracking code; None: on the paper receipt only."""


def may_file(actor: Actor, directory: Directory, unit: str | None = None) -> bool:
    """Whether this person takes PAKN for citizens (for a PAKN going to `unit`, when
    known)."""
    if actor.is_admin or (actor.is_staff and actor.unit == directory.focal_unit):
        return True
    return actor.role in (Role.STAFF, Role.HEAD) and (unit is None or actor.works_for(unit))


def follow_url(settings: Settings, code: str) -> str:
    """The public page where anyone with the code sees where the case stands."""
    return settings.site_url + PUBLIC_CASE_PAGE.format(code=code)


def reply_chat(sender: Sender) -> Chat | None:
    if sender.phone:
        return Chat(SMS, sender.phone)
    if sender.email:
        return Chat(EMAIL, sender.email)
    return None


async def file_on_behalf(work: Work[Needs], actor: Actor, request: IntakeRequest) -> Intake:
    """File a PAKN for a citizen; the receipt with its code is owed to them where they
    can be reached."""
    directory, uow = work.directory, work.uow
    if not may_file(actor, directory):
        raise NotAllowed("intake")
    received_at = check_received(request.received_at, work.now)
    if not directory.has_field(request.field):
        raise ValidationError("field_unknown")
    if request.area is not None and not directory.has_area(request.area):
        raise ValidationError("area_unknown")
    text = check_text(request.text)
    unit = directory.route(request.field, request.area).code
    if not may_file(actor, directory, unit):
        raise Refused("intake_other_unit", _(
            "This PAKN goes to {unit}, not to your unit: hand it to the PAKN focal point "
            "or to that unit to file.").format(unit=unit_name(directory, unit)))
    sender = request.sender
    chat = reply_chat(sender)
    citizen = await _citizen(work, request, chat)
    case = await record_case(
        uow, directory, await work.calendar(), work.settings.deadline_rules,
        received_at.astimezone(work.tz).year,
        Filing(field=request.field, area=request.area, text=text,
               contact=Contact(sender.name, sender.phone or "", sender.address),
               photos=request.attachments),
        Source(request.origin.value, chat.chat_id if chat else "", citizen.id,
               chat.channel if chat else None),
        received_at, facts={"taken_by": actor.account_id, "filed_at": work.now.isoformat()})
    assert case.id is not None
    await uow.intakes.add(IntakeRecord(
        case_id=case.id, taken_by=actor.account_id, taken_at=work.now, email=sender.email,
        consent_basis=request.consent.value, consent_recorded_by=actor.account_id,
        consent_recorded_at=work.now))
    await uow.accounts.record_consent(citizen.id, work.settings.notice_version,
                                      request.origin.value, work.now)
    await uow.audit.record(actor.account_id, "intake",
                           {"case": case.code, "origin": request.origin.value,
                            "consent": request.consent.value}, work.now)
    if chat is not None:
        work.owe(citizen, lambda: receipt_message(case, directory, work.settings),
                 key=f"intake:{case.id}", chats=(chat,), case_id=case.id)
    return Intake(case, chat)


async def file_and_send(work: Work[Needs], actor: Actor, request: IntakeRequest) -> Intake:
    """File a PAKN for a citizen (`file_on_behalf`) and put it in front of its unit: the
    chat's dialog and the dashboard's form both end here."""
    intake = await file_on_behalf(work, actor, request)
    await send_card_to_unit(work, intake.case)
    return intake


def filed_note(intake: Intake, directory: Directory, settings: Settings) -> str:
    """What the person filing is told of the PAKN they filed."""
    case = intake.case
    told = (_("The citizen was sent the code by text message.") if intake.told and
            intake.told.channel == "sms" else
            _("The citizen was sent the code by email.") if intake.told else
            _("The citizen gave neither phone nor email: give them the code on the printed "
              "receipt (on the dashboard) or by post."))
    return _("Filed. Tracking code: {code}\nSent to: {unit}\nDue by: {due}\n{told}\n"
             "The citizen follows it with /tracuu {code} or at {link}").format(
        code=case.code, unit=unit_name(directory, case.unit),
        due=format_date(case.due_at, settings.tz), told=told,
        link=follow_url(settings, case.code))


async def _citizen(work: Work[Needs], request: IntakeRequest, chat: Chat | None) -> Account:
    """The sender's account: the one of their phone or email when they gave one (the
    same person filing again is known by it), else one of their own for this PAKN."""
    if chat is not None:
        return await work.uow.accounts.identify(chat.channel, chat.chat_id, chat.chat_id,
                                                request.sender.name, None, work.now)
    return await work.uow.accounts.identify(
        request.origin.value, f"intake:{uuid.uuid4().hex}", "", request.sender.name, None,
        work.now)


def receipt_message(case: Case, directory: Directory, settings: Settings) -> Reply:
    """The tracking code as an SMS or an email carries it (in the reader's language)."""
    return Reply(_(
        "Your PAKN was received by {unit}.\nTracking code: {code}\nDue by: {due}\n"
        "Follow it at {link} or send /tracuu {code} to the chatbot.").format(
            unit=unit_name(directory, case.unit), code=case.code,
            due=format_date(case.due_at, settings.tz), link=follow_url(settings, case.code)))


MAX_FILES = 5
MAX_FILE_BYTES = 10 << 20
"""A scanned letter of a few pages at 300 dpi fits; larger ones are refused."""


class FileRefused(ComplaintsError):
    """A file staff attached is not kept: what the person is told."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason


async def keep_file(work: Work[Needs], actor: Actor, name: str, content: bytes,
                    client: str | None) -> int:
    """Keep a file sent with a PAKN taken by staff (a scanned letter as PDF, or a photo,
    decoded and encoded again without its metadata), counted in the hour's upload quota
    of the person and their address; FileRefused says why not."""
    if len(content) > MAX_FILE_BYTES:
        raise FileRefused(name, "too_big")
    if content.startswith(b"%PDF-"):
        try:
            check_pdf(content)
        except NotAPdf:
            raise FileRefused(name, "not_a_pdf") from None
        stored, mime, suffix = content, PDF, "pdf"
    else:
        try:
            image = clean_image(content)
        except NotAnImage:
            raise FileRefused(name, "not_a_file") from None
        stored, mime = image.content, image.mime
        suffix = "png" if mime == "image/png" else "jpg"
    limits = uploads.limits_of(work.settings)
    try:
        await uploads.count_upload(work.uow, uploads.subjects(actor.account_id, client),
                                   len(stored), work.now, limits)
    except uploads.UploadRefused as refused:
        raise FileRefused(name, refused.reason.value) from None
    number = await work.uow.meta.next_number("intake-file")
    return await work.uow.attachments.add(actor.account_id, DASHBOARD, work.now,
                                          content=stored, mime=mime,
                                          filename=f"scan-{number}.{suffix}",
                                          kind=FileKind.UPLOAD)


async def keep_sent_scan(work: Work[Needs], actor: Actor, channel: str, file: FileRef,
                         name: str, size: int, client: str | None) -> int:
    """Keep a scanned letter staff sent as a PDF file in their chat: by the channel's
    id, read whole the first time someone opens it (bot.files.media), as photos sent in a
    chat are; counted in the hour's upload quota. FileRefused says why not."""
    if size > MAX_FILE_BYTES:
        raise FileRefused(name, "too_big")
    limits = uploads.limits_of(work.settings)
    try:
        await uploads.count_upload(work.uow, uploads.subjects(actor.account_id, client),
                                   size, work.now, limits)
    except uploads.UploadRefused as refused:
        raise FileRefused(name, refused.reason.value) from None
    number = await work.uow.meta.next_number("intake-file")
    return await work.uow.attachments.add(actor.account_id, channel, work.now,
                                          telegram_file_id=stored_file_id(file), mime=PDF,
                                          filename=f"scan-{number}.pdf", kind=FileKind.UPLOAD)


def file_refusal(refused: FileRefused, settings: Settings) -> str:
    """Why a file was not kept, in the current locale."""
    if refused.reason == "too_big":
        return _("{name}: the file is larger than {size} MB.").format(
            name=refused.name, size=MAX_FILE_BYTES >> 20)
    if refused.reason == "not_a_pdf":
        return _("{name}: this PDF could not be read (damaged, protected by a password, "
                 "or longer than {pages} pages).").format(name=refused.name, pages=MAX_PAGES)
    if refused.reason == "not_a_file":
        return _("{name}: only a PDF or a photo (JPEG, PNG or WebP) is taken.").format(
            name=refused.name)
    return f"{refused.name}: " + uploads.refusal_text(uploads.Refusal(refused.reason),
                                                       uploads.limits_of(settings))
