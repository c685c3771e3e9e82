"""Papers the bot hands to citizens: the written apology as a chat message and as a PDF
they can keep, in the form of Thông tư 03/2025/TT-VPCP, Mẫu số 04 ("Văn bản xin lỗi và
đề nghị gia hạn thời gian giải quyết"): required for a dossier (Nghị định 118/2025/NĐ-CP),
used for a PAKN by analogy, so both papers have the same title and parts."""

from datetime import date
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from babel.dates import format_date

from bot.present.i18n import _, current_language
from complaints.apology import ApologyNotice
from complaints.phone import format_phone

MARGIN = 20


def _day(day: date) -> str:
    return format_date(day, "dd/MM/yyyy", locale=current_language())


def _dated(notice: ApologyNotice) -> str:
    return _("{place}, {day:02d}/{month:02d}/{year}").format(
        place=notice.place, day=notice.issued_on.day, month=notice.issued_on.month,
        year=notice.issued_on.year)


def _title(notice: ApologyNotice) -> str:
    return _("WRITTEN APOLOGY AND REQUEST FOR MORE TIME")


def _body(notice: ApologyNotice) -> list[str]:
    """The paragraphs of the form, in order: the same in the message and the PDF."""
    if notice.kind == "dossier":
        received = _("On {received}, {unit} received your dossier for the procedure "
                     "{procedure} (field: {field}).").format(
            received=_day(notice.received_on), unit=notice.unit_name,
            procedure=notice.procedure_name, field=notice.field_name)
        code = _("Dossier code: {code}").format(code=notice.case_code)
    else:
        received = _("On {received}, {unit} received your PAKN in the field of {field}."
                     ).format(received=_day(notice.received_on), unit=notice.unit_name,
                              field=notice.field_name)
        code = _("Tracking code: {code}").format(code=notice.case_code)
    paragraphs = [
        received,
        code,
        _("Date due for the result: {due}").format(due=_day(notice.original_due)),
        _("{unit} could not give you the result by that date.").format(unit=notice.unit_name),
        _("Reason for the delay: {reason}").format(reason=notice.reason),
        _("{unit} apologises to you for the delay and the inconvenience it causes.").format(
            unit=notice.unit_name),
    ]
    if notice.new_due is not None and notice.kind == "dossier":
        paragraphs.append(_("{unit} asks for the time to settle the dossier to be extended "
                            "to {date}, the new date for the result.").format(
            unit=notice.unit_name, date=_day(notice.new_due)))
    elif notice.new_due is not None:
        paragraphs.append(_("{unit} asks for the time to handle your PAKN to be extended "
                            "to {date}, the new date for the result.").format(
            unit=notice.unit_name, date=_day(notice.new_due)))
    else:
        paragraphs.append(_("The unit will send you the new date for the result shortly."))
    return paragraphs


def _recipient(notice: ApologyNotice) -> str:
    phone = format_phone(notice.recipient_phone) if notice.recipient_phone else ""
    if not notice.recipient_address:
        return _("(phone: {phone})").format(phone=phone) if phone else ""
    return _("(Address: {address}; phone: {phone})").format(
        address=notice.recipient_address, phone=phone)


def apology_message(notice: ApologyNotice) -> str:
    """The apology as a chat message: every field of the form."""
    lines = [
        _title(notice),
        _("{unit} — No. {number}").format(unit=notice.unit_name, number=notice.number),
        _dated(notice),
        " ".join(filter(None, (_("To: {name}").format(name=notice.recipient_name),
                               _recipient(notice)))),
        "",
        *_body(notice),
        "",
        f"{notice.official_title}: {notice.official_name}" if notice.official_title
        else notice.official_name,
    ]
    return "\n".join(lines)


@cache
def fonts() -> dict[str, str]:
    """DejaVu Serif, which covers Vietnamese; matplotlib ships it with its data (found
    without importing matplotlib, which takes a third of a second)."""
    package = find_spec("matplotlib")
    assert package is not None and package.origin is not None, "matplotlib is a dependency"
    fonts = Path(package.origin).parent / "mpl-data" / "fonts" / "ttf"
    return {"": str(fonts / "DejaVuSerif.ttf"), "B": str(fonts / "DejaVuSerif-Bold.ttf"),
            "I": str(fonts / "DejaVuSerif-Italic.ttf")}


def apology_pdf(notice: ApologyNotice) -> bytes:
    """The apology laid out as the form is: the unit and number on the left, the
    national motto on the right, the title, the addressee, the body and the signature."""
    # fpdf takes a quarter of a second to import: only the processes that lay out papers.
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, MARGIN)
    for style, path in fonts().items():
        pdf.add_font("Serif", style, path)
    pdf.set_title(_title(notice).capitalize())
    pdf.set_creator(notice.unit_name)
    pdf.add_page()
    width = pdf.w - 2 * MARGIN
    left, right = width * 0.42, width * 0.58

    def write(x: float, w: float, height: float, text: str, style: str = "",
              size: float = 11, align: str = "L") -> None:
        pdf.set_font("Serif", style, size)
        pdf.set_x(x)
        pdf.multi_cell(w, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    top = pdf.get_y()
    write(MARGIN, left, 5, notice.unit_name.upper(), "B", 10, "C")
    write(MARGIN, left, 7, _("No. {number}").format(number=notice.number), "", 10, "C")
    bottom_left = pdf.get_y()
    pdf.set_y(top)
    write(MARGIN + left, right, 5, _("SOCIALIST REPUBLIC OF VIETNAM"), "B", 10, "C")
    write(MARGIN + left, right, 5, _("Independence - Freedom - Happiness"), "B", 10, "C")
    write(MARGIN + left, right, 7, _dated(notice), "I", 10, "C")
    pdf.set_y(max(bottom_left, pdf.get_y()) + 8)

    write(MARGIN, width, 7, _title(notice), "B", 13, "C")
    pdf.ln(4)
    write(MARGIN, width, 6, _("To: {name}").format(name=notice.recipient_name), "B", 11, "C")
    write(MARGIN, width, 6, _recipient(notice), "", 10, "C")
    pdf.ln(4)
    for paragraph in _body(notice):
        write(MARGIN, width, 6.5, paragraph, align="J")
        pdf.ln(1)
    write(MARGIN, width, 6.5, _("Yours faithfully."))
    pdf.ln(8)
    write(MARGIN + left, right, 6, (notice.official_title or notice.unit_name).upper(), "B",
          11, "C")
    pdf.ln(14)
    write(MARGIN + left, right, 6, notice.official_name, "B", 11, "C")
    return bytes(pdf.output())
