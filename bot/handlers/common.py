"""First contact, consent, help, language, the menu, cancelling, and anything unexpected."""

from bot.core.invites import token_hash
from bot.present.i18n import _, set_language
from bot.present.names import unit_name
from bot.spine.callbacks import Consent, Language, Menu, Payload
from bot.spine.context import Context
from bot.spine.messages import Button, Reply
from bot.spine.routing import Router
from bot.spine.states import MenuState
from complaints.people import STAFF_ROLES, Role

router = Router()


def has_consented(ctx: Context) -> bool:
    return ctx.account.consent_version == ctx.settings.notice_version


def menu_buttons(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    first = [Button(_("Send a PAKN"), Menu("file").pack()),
             Button(_("Follow a PAKN"), Menu("status").pack()),
             Button(_("Rate a procedure"), Menu("rate").pack())]
    if ctx.account.role in STAFF_ROLES or ctx.account.role is Role.ADMIN:
        first.append(Button(_("Open cases"), Menu("inbox").pack()))
    return (tuple(first), (Button(_("Help"), Menu("help").pack()),
                           Button(_("Language"), Menu("language").pack())))


def notice_text(ctx: Context) -> str:
    return _(
        "Personal data notice (version {version})\n"
        "To receive and answer your PAKN, {authority} needs your full name, phone number "
        "and contact address, and keeps what you send: the description, photos and the "
        "location if you share them. If you follow a dossier of an administrative "
        "procedure here, it keeps which dossier this chat follows.\n"
        "Purpose: to receive, route, handle and answer your PAKN, to tell you about the "
        "dossiers you follow, and to contact you about them; figures published from it "
        "carry no personal data.\n"
        "Who processes it: the units of {authority} that handle your PAKN and dossiers.\n"
        "Your rights (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15, Nghị định 356/2025/NĐ-CP): "
        "you may withdraw consent and ask to see, correct or delete your data at any time "
        "by writing to us here; we confirm your request within 2 working days and carry it "
        "out within the time the decree sets. Data the authority must keep for its legal "
        "duties is then kept without your contact details.\n"
        "Press \"I agree\" to consent. Without it you can still read the help, but not "
        "send a PAKN or follow a dossier."
    ).format(version=ctx.settings.notice_version,
             authority=ctx.directory.name.in_language(ctx.language))


async def ask_consent(ctx: Context, then: str | None = None,
                      prefill: dict[str, str | None] | None = None) -> None:
    ctx.dialog.reset(MenuState.CONSENT, then=then, prefill=prefill or {})
    await ctx.reply(Reply(notice_text(ctx), buttons=((
        Button(_("I agree"), Consent(ctx.settings.notice_version).pack()),),)))


def help_text(ctx: Context) -> str:
    lines = [
        _("What I can do:"),
        _("/phananh — send a PAKN (phản ánh, kiến nghị) about administrative procedures "
          "or how an office handled them"),
        _("/tracuu CODE — follow a PAKN you sent, e.g. /tracuu PA-2026-000042"),
        _("/hoso CODE — follow a dossier of an administrative procedure, with the code on "
          "its receipt and the phone number on it"),
        _("/danhgia — rate an administrative procedure you used"),
        _("/ngonngu — choose Vietnamese or English"),
        _("/huy — cancel what you are doing"),
        _("/xoadulieu — withdraw your consent and delete your personal data"),
        _("/dulieucuatoi — a copy of what the service holds about you, as a file"),
        "",
        _("Complaints and denunciations (khiếu nại, tố cáo) follow their own laws and are "
          "not received here: file them with the citizen reception office of the "
          "authority concerned."),
    ]
    if ctx.account.role in STAFF_ROLES or ctx.account.role is Role.ADMIN:
        lines += ["", _("For staff:"),
                  _("/hopthu — open cases of your unit, the nearest deadline first"),
                  _("Use the buttons on a case card to take it, reply, ask for "
                    "information, transfer or resolve it."),
                  _("/dangnhap — a code to sign in to the dashboard on the web"),
                  _("/nhaphananh — file a PAKN for a citizen who called, wrote or came to "
                    "the desk")]
    if ctx.account.role is Role.ADMIN:
        lines += [_("/moi ROLE [UNIT] — invite a person: ROLE is staff, head or admin, "
                    "UNIT a unit code, e.g. /moi staff PTNMT")]
    return "\n".join(lines)


async def redeem_invite(ctx: Context, token: str) -> None:
    invite = await ctx.uow.invites.redeem(token_hash(token.strip()), ctx.account.id, ctx.now)
    if invite is None:
        await ctx.reply(Reply(_("This invite is not valid: it may have been used already or "
                                "have expired. Ask an administrator for a new one.")))
        return
    role = Role(invite.role)
    await ctx.uow.accounts.set_role(ctx.account.id, role, invite.unit)
    if not ctx.account.name:
        await ctx.uow.accounts.set_name(ctx.account.id, ctx.message.profile_name)
    ctx.dialog.reset()
    if role is Role.ADMIN:
        text = _("Welcome! You are now an administrator. Send /trogiup to see what you "
                 "can do.")
    else:
        title = _("head") if role is Role.HEAD else _("staff member")
        text = _("Welcome! You are now {role} of {unit}. New cases of your unit will come "
                 "here; send /hopthu to see the open ones.").format(
            role=title, unit=unit_name(ctx.directory, invite.unit or ""))
    await ctx.reply(Reply(text))


@router.command("trogiup", "help")
async def show_help(ctx: Context) -> None:
    await ctx.reply(Reply(help_text(ctx), buttons=menu_buttons(ctx)))


@router.command("ngonngu", "language")
async def choose_language(ctx: Context) -> None:
    await ctx.reply(Reply(_("Choose your language:"), buttons=((
        Button("Tiếng Việt", Language("vi").pack()), Button("English", Language("en").pack())),)))


@router.button(Language)
async def language_chosen(ctx: Context, payload: Payload) -> None:
    assert isinstance(payload, Language)
    if payload.code not in ("vi", "en"):
        return
    await ctx.uow.accounts.set_language(ctx.account.id, payload.code)
    ctx.set_language(payload.code)
    set_language(payload.code)
    await ctx.reply(Reply(_("I will write to you in English from now on."),
                          buttons=menu_buttons(ctx)))


