"""A service for the intake pages: no history, the clock on the Monday after Tết 2026,
when the letters and calls taken over the holiday are filed."""

from datetime import UTC, datetime
from io import BytesIO

from fpdf import FPDF

from complaints.people import Role
from tests.clock import Clock
from tests.e2e.published import VN
from tests.web.site import Site

FOCAL, LAND, CITIZEN = "5001", "5002", "5003"
REOPENING = datetime(2026, 2, 23, 8, 30, tzinfo=VN)
TEXT = "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất nộp từ tháng 10 vẫn chưa có kết quả."


async def intake_site(database_url: str) -> Site:
    site = await Site(database_url, Clock(REOPENING.astimezone(UTC))).start()
    await site.join(FOCAL, Role.STAFF, "VP")
    await site.join(LAND, Role.STAFF, "PTNMT")
    return site


def letter_pdf(pages: int = 1) -> bytes:
    """A scanned letter as a scanner's PDF would carry it: a real PDF of some pages."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"Kinh gui UBND - trang {number + 1}")
    out = BytesIO()
    pdf.output(out)
    return out.getvalue()
