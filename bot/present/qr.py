"""QR codes for the one-stop desks, and the A5 poster that carries them."""

from io import BytesIO

import segno

from bot.present.documents import fonts
from bot.present.i18n import _


def qr_png(link: str, scale: int = 10) -> bytes:
    out = BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_svg(link: str) -> bytes:
    out = BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=10, border=2, xmldecl=True)
    return out.getvalue()


def poster_pdf(procedure: str, unit: str | None, desk: str | None, telegram: str | None,
               web: str) -> bytes:
    """An A5 sheet for the desk: what to rate, and the codes to scan."""
    from fpdf import FPDF  # slow to import: only where posters are made (documents.py)
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format=(148, 210))  # A5, in millimetres
    margin = 12
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(False)
    for style, path in fonts().items():
        pdf.add_font("Serif", style, path)
    pdf.add_page()
    width = pdf.w - 2 * margin

    def write(text: str, style: str = "", size: float = 11, height: float = 6) -> None:
        pdf.set_font("Serif", style, size)
        pdf.set_x(margin)
        pdf.multi_cell(width, height, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    write(_("RATE OUR SERVICE"), "B", 16, 9)
    write(_("How satisfied are you with the handling of your procedure?"), "I", 11)
    pdf.ln(3)
    write(procedure, "B", 13, 7)
    if unit:
        write(unit, "", 11)
    if desk:
        write(_("Desk: {desk}").format(desk=desk), "", 10)
    pdf.ln(4)
    codes = [(telegram, _("With Telegram")), (web, _("In the browser"))]
    codes = [(link, label) for link, label in codes if link]
    size = 55 if len(codes) == 2 else 70
    gap = (width - size * len(codes)) / (len(codes) + 1)
    top = pdf.get_y()
    for index, (link, label) in enumerate(codes):
        assert link is not None
        x = margin + gap + index * (size + gap)
        pdf.image(BytesIO(qr_png(link)), x=x, y=top, w=size, h=size)
        pdf.set_xy(x - gap / 2, top + size + 1)
        pdf.set_font("Serif", "B", 10)
        pdf.multi_cell(size + gap, 5, label, align="C")
    pdf.set_y(top + size + 10)
    write(_("Scan a code with your phone's camera. The survey takes a minute and is "
            "anonymous."), "", 9, 5)
    write(web, "", 8, 4)
    return bytes(pdf.output())
