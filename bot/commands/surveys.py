"""`pakn qr --procedure CODE [--unit CODE] [--desk NAME] [-o DIR]`: a desk's survey
poster; `pakn qr --dossier CODE [-o DIR]`: a dossier's follow-and-rate link, for its
receipt."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate, open_store, site_url
from bot.present.i18n import _, current_language, use_locale

if TYPE_CHECKING:
    from bot.runtime.settings import Settings


def register(commands: Any) -> None:
    qr = commands.add_parser("qr", help=_("QR codes: an A5 poster for rating a procedure at a "
                                        "desk, or a dossier's link for its receipt"))
    what = qr.add_mutually_exclusive_group(required=True)
    what.add_argument("--procedure", help=_("procedure code, e.g. 1.001193"))
    what.add_argument("--dossier", help=_("a dossier code: its one-time follow-and-rate link"))
    qr.add_argument("--unit", help=_("unit code of the desk"))
    qr.add_argument("--desk", help=_("name of the desk, printed on the poster"))
    qr.add_argument("-o", "--output", type=Path, help=_("folder for the files"))
    qr.set_defaults(run=make_qr)


def make_qr(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core.keys import BOT_USERNAME_KEY
    from bot.core.survey_links import create_survey_link, telegram_link, web_link
    from bot.present.qr import poster_pdf, qr_png, qr_svg
    from bot.spine.dispatch import utcnow
    if args.dossier:
        migrate(settings)
        return _dossier_qr(settings, args)
    if settings.public_url is None:
        return fail(_("set PAKN_PUBLIC_URL first: a poster's QR code must lead to the "
                      "service's public address, not to this machine."), 2)
    migrate(settings)

    async def make() -> tuple[str, str | None, str, str | None, str] | str:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            directory = await uow.directory.load()
            procedure = next((p for p in directory.procedures if p.code == args.procedure),
                             None)
            if procedure is None:
                return _("unknown procedure '{code}'").format(code=args.procedure)
            if args.unit and not directory.has_unit(args.unit):
                return _("unknown unit '{unit}'").format(unit=args.unit)
            token = await create_survey_link(uow.surveys, procedure.code, args.unit,
                                             args.desk, utcnow())
            unit = directory.unit(args.unit).name.vi if args.unit else None
            return token, await uow.meta.get(BOT_USERNAME_KEY), \
                f"{procedure.name.vi} ({procedure.code})", unit, \
                procedure.name.in_language(current_language())
    made = asyncio.run(make())
    if isinstance(made, str):
        return fail(made, 2)
    token, username, procedure_name, unit_name, shown = made
    base = settings.site_url
    web = web_link(base, token)
    telegram = telegram_link(username, token) if username else None
    folder = args.output or Path(f"qr-{args.procedure}-{token[3:11]}")
    folder.mkdir(parents=True, exist_ok=True)
    files = {"qr-web.png": qr_png(web), "qr-web.svg": qr_svg(web)}
    if telegram:
        files.update({"qr-telegram.png": qr_png(telegram), "qr-telegram.svg": qr_svg(telegram)})
    with use_locale("vi"):  # the poster is for the desk: in Vietnamese
        files["poster-a5.pdf"] = poster_pdf(procedure_name, unit_name, args.desk, telegram,
                                            web)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    print(_("Survey link for {procedure}:").format(procedure=shown))
    if telegram:
        print("  " + _("Telegram: {link}").format(link=telegram))
    print("  " + _("Web chat: {link}").format(link=web))
    print(_("Files in {folder}: {files}").format(folder=folder, files=", ".join(sorted(files))))
    return 0


def _dossier_qr(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core.dossiers import link_token
    from bot.core.keys import BOT_USERNAME_KEY
    from bot.core.survey_links import telegram_link, web_link
    from bot.present.qr import qr_png, qr_svg
    async def make() -> tuple[str, str | None] | None:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            dossier = await uow.dossiers.get(args.dossier.strip().upper())
            if dossier is None:
                return None
            return await link_token(uow, dossier), await uow.meta.get(BOT_USERNAME_KEY)
    made = asyncio.run(make())
    if made is None:
        return fail(_("unknown dossier '{code}'").format(code=args.dossier), 2)
    token, username = made
    links = {"web": web_link(site_url(settings), token)}
    if username:
        links["telegram"] = telegram_link(username, token)
    folder = args.output or Path(f"qr-{args.dossier.strip().upper().replace('/', '-')}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, link in links.items():
        (folder / f"qr-{name}.png").write_bytes(qr_png(link))
        (folder / f"qr-{name}.svg").write_bytes(qr_svg(link))
    print(_("Follow-and-rate link of dossier {code} (it works once):").format(
        code=args.dossier.strip().upper()))
    if "telegram" in links:
        print("  " + _("Telegram: {link}").format(link=links["telegram"]))
    print("  " + _("Web chat: {link}").format(link=links["web"]))
    print(_("Files in {folder}: {files}").format(
        folder=folder, files=", ".join(sorted(p.name for p in folder.iterdir()))))

    return 0
