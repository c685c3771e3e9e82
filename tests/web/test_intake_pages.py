"""The dashboard's intake form over HTTP: what is wrong is said beside its field in the
person's language and nothing is filed; a scanned letter must be a PDF that opens and a
photo a picture; the form sent twice files once; the receipt carries the code, the due
date and a QR code of the public page; a form from elsewhere is refused."""

import re
from collections.abc import AsyncIterator
from datetime import datetime

import aiohttp
import lxml.html
import pytest
from sqlalchemy import func, select

from bot.present.i18n import set_language
from complaints.people import Role
from storage.models import AttachmentRow, CaseRow, IntakeRow, OutboxRow
from tests.e2e.browser import png_bytes
from tests.e2e.published import VN
from tests.web.intake import FOCAL, LAND, TEXT, intake_site, letter_pdf
from tests.web.site import Site, csrf_and_nonce

PATH = "/quan-tri/tiep-nhan"
ADMIN = "5009"


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    running = await intake_site(database_url)
    yield running
    await running.close()


def good(**changes: str) -> dict[str, str]:
    fields = {"origin": "phone", "received": "2026-02-13T10:00", "name": "Trần Thị Bình",
              "address": "Ấp 2, xã Xuân Bắc", "phone": "0912 345 678", "email": "",
              "field": "dat_dai", "area": "26428", "text": TEXT, "consent": "oral"}
    fields.update(changes)
    return fields


async def post(client: aiohttp.ClientSession, fields: dict[str, str],
               files: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
               token: dict[str, str] | None = None) -> tuple[int, str, str]:
    form = aiohttp.FormData()
    for name, value in {**(token or await csrf_and_nonce(client, PATH)), **fields}.items():
        form.add_field(name, value)
    for filename, content, mime in files:
        form.add_field("files", content, filename=filename, content_type=mime)
    async with client.post(PATH, data=form, allow_redirects=False) as response:
        return response.status, response.headers.get("Location", ""), await response.text()


def errors_of(html: str) -> dict[str, str]:
    tree = lxml.html.fromstring(html)
    return {node.get("id").removesuffix("-error"): node.text_content()
            for node in tree.xpath('//p[@class="field-error"]')}


async def cases(site: Site) -> int:
    async with site.service.database.reading() as session:
        return int((await session.execute(select(func.count()).select_from(CaseRow)))
                   .scalar_one())


async def test_each_problem_is_said_beside_its_field(site: Site) -> None:
    async with await site.signed_in(FOCAL) as client:
        status, _, html = await post(client, good(
            name="", address="", phone="12 34", email="binh@", text="ngắn",
            received="2026-02-24T10:00", origin="fax", consent=""))
        assert status == 400
        errors = errors_of(html)
        assert set(errors) == {"name", "address", "phone", "email", "text", "received",
                               "origin", "consent"}
        assert "nặc danh" in errors["name"], "said in Vietnamese, the person's language"
        assert "muộn hơn hiện tại" in errors["received"]
        tree = lxml.html.fromstring(html)
        assert tree.xpath('//input[@id="name"]/@aria-describedby') == [" name-error"]
        assert tree.xpath('//input[@id="phone"]/@value') == ["12 34"], "what was typed stays"
        long_ago = errors_of((await post(client, good(received="2025-12-01T10:00")))[2])
        assert "30 ngày" in long_ago["received"]
    assert await cases(site) == 0


async def test_a_letter_with_its_scan_and_a_photo_is_filed_once(site: Site) -> None:
    async with await site.signed_in(FOCAL) as client:
        token = await csrf_and_nonce(client, PATH)
        scan = letter_pdf(2)
        files = [("thu.pdf", scan, "application/pdf"),
                 ("anh.png", png_bytes(60, 40), "image/png")]
        fields = good(origin="letter", phone="", email="binh@example.vn")
        status, location, _ = await post(client, fields, files, token)
        # Land goes to PTNMT, which has staff: the focal point is shown the receipt.
        assert status == 303 and re.match(r"/quan-tri/ho-so/PA-2026-\d{6}/bien-nhan\?r=",
                                          location), location
        code = location.split("/")[3]
        again = await post(client, fields, files, token)
        assert again[0] == 303 and code not in again[1], "the same form files once"
        async with client.get(location) as response:
            receipt = lxml.html.fromstring(await response.text())
        assert receipt.xpath('string(//*[@id="receipt-code"])') == code
        assert receipt.xpath('string(//*[@id="receipt-due"])').endswith("06/03/2026")
        assert receipt.xpath('//img[@class="receipt-qr"]/@src')[0].startswith(
            "data:image/svg+xml;base64,")
        assert f"/tracuu {code}" in receipt.text_content()
        async with client.get(f"/quan-tri/ho-so/{code}") as response:
            assert response.status == 403, "the case is the unit's to see"
    async with await site.signed_in(LAND) as client, client.get(
            f"/quan-tri/ho-so/{code}") as response:
        page = await response.text()
    assert "Bản quét thư 1 (PDF)" in page and 'id="receipt-link"' in page
    assert await cases(site) == 1
    async with site.service.database.reading() as session:
        case = (await session.execute(select(CaseRow))).scalar_one()
        kept = (await session.execute(select(AttachmentRow.mime, AttachmentRow.content).where(
            AttachmentRow.case_id == case.id).order_by(AttachmentRow.id))).all()
        mail = (await session.execute(select(OutboxRow).where(
            OutboxRow.channel == "email"))).scalars().all()
        intake = await session.get(IntakeRow, case.id)
    assert case.channel == "letter" and case.contact_phone == ""
    # The scan is kept as sent; the photo decoded and encoded again (no transparency: JPEG).
    assert [mime for mime, _ in kept] == ["application/pdf", "image/jpeg"]
    assert kept[0][1] == scan
    assert [m.chat_id for m in mail] == ["binh@example.vn"] and code in mail[0].body["text"]
    assert intake is not None and intake.consent_basis == "oral"


@pytest.mark.parametrize(("filename", "content", "said"), [
    ("thu.pdf", b"%PDF-1.4\nnot really a pdf", "không đọc được tệp PDF"),
    ("thu.pdf", b"Dear sir, this is text", "chỉ nhận tệp PDF hoặc ảnh"),
    ("anh.jpg", png_bytes()[:40], "chỉ nhận tệp PDF hoặc ảnh"),
    ("lon.pdf", b"%PDF-" + b"0" * (10 << 20), "lớn hơn 10 MB"),
    ("rong.pdf", b"%PDF-1.7\n%%EOF", "không đọc được tệp PDF"),
])
async def test_a_file_that_is_not_what_it_claims_is_refused(
        site: Site, filename: str, content: bytes, said: str) -> None:
    async with await site.signed_in(FOCAL) as client:
        status, _, html = await post(client, good(), [(filename, content, "application/pdf")])
    assert status == 400
    assert said in errors_of(html)["files"] and filename in errors_of(html)["files"]
    assert await cases(site) == 0


async def test_staff_of_another_unit_cannot_file_into_a_third(site: Site) -> None:
    async with await site.signed_in(LAND) as client:
        status, _, html = await post(client, good(field="ho_tich", area=""))
        assert status == 409 and "không thuộc đơn vị của bạn" in html
        assert (await post(client, good()))[0] == 303, "their own unit's field they file"


async def test_a_refusal_speaks_the_viewer_s_language_whatever_the_process_speaks(
        database_url: str) -> None:
    """A refusal worded by the core (not by the page) is in the viewer's language even
    when the process around the service was speaking another."""
    set_language("en")  # as a command run in the same process might leave it
    try:
        site = await intake_site(database_url)
        try:
            async with await site.signed_in(LAND) as client:
                status, _, html = await post(client, good(field="ho_tich", area=""))
        finally:
            await site.close()
    finally:
        set_language("vi")
    assert status == 409 and "không thuộc đơn vị của bạn" in html


async def test_a_form_without_its_token_is_refused(site: Site) -> None:
    async with await site.signed_in(FOCAL) as client:
        token = await csrf_and_nonce(client, PATH)
        status, _, _ = await post(client, good(), token={**token, "csrf": "x" * 20})
        assert status == 403
        async with client.post(PATH, data={**token, **good()}, allow_redirects=False,
                               headers={"Origin": "https://evil.example"}) as response:
            assert response.status == 403
    async with site.client() as anonymous, anonymous.get(PATH, allow_redirects=False) as page:
        assert page.status in (302, 303)
    assert await cases(site) == 0


async def test_the_indicators_count_a_hotline_pakn_under_its_channel(site: Site) -> None:
    """Filed on the dashboard, counted on the indicators page: the channel filter names
    the new channels, and the table by channel has the hotline's row."""
    await site.join(ADMIN, Role.ADMIN, None)
    async with await site.signed_in(FOCAL) as client:
        assert (await post(client, good()))[0] == 303
    site.clock.set(datetime(2026, 3, 31, 9, 0, tzinfo=VN))  # past its due date, unanswered
    async with await site.signed_in(ADMIN) as client, client.get(
            "/quan-tri/chi-so?period=2026-03&channel=phone") as response:
        assert response.status == 200
        tree = lxml.html.fromstring(await response.text())
    options = tree.xpath('//select[@id="channel"]/option/text()')
    for name in ("Điện thoại (đường dây nóng 1022)", "Thư, văn bản", "Trực tiếp", "Khác"):
        assert name in options, options
    assert tree.xpath('//select[@id="channel"]/option[@selected]/@value') == ["phone"]
    async with await site.signed_in(ADMIN) as client, client.get(
            "/quan-tri/chi-so?period=2026-03") as response:
        page = lxml.html.fromstring(await response.text()).text_content()
    assert "Điện thoại (đường dây nóng 1022)" in page.split("Theo kênh")[-1]
