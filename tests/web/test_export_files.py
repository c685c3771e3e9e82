"""An export made in chat (/xuat) where a chat cannot take the file: the administrator
gets the dashboard's page for it, and only administrators signed in get the file."""

import re

from sqlalchemy import select

from bot.files.links import FileLinks
from complaints.people import Role
from storage.models import AttachmentRow
from tests.web.site import Site

ADMIN, STAFF = "admin", "staff-pkht"
PAGE = re.compile(r"(https?://[^/\s]+)(/quan-tri/xuat/tep/(\d+))")


async def test_exports_wait_on_the_dashboard_for_administrators(site: Site) -> None:
    await site.join(ADMIN, Role.ADMIN, None)
    await site.join(STAFF, Role.STAFF, "PKTHT")
    answers = await site.say(ADMIN, "/xuat 2026-Q3")
    pages = [found for text in answers if (found := PAGE.search(text))]
    assert len(pages) == 2, answers  # the workbook and the cases' CSV
    assert all(found.group(1) == site.service.settings.site_url for found in pages)
    async with site.service.database.reading() as session:
        exports = {row.id: row for row in (await session.execute(
            select(AttachmentRow).where(AttachmentRow.kind == "export"))).scalars()}
    assert sorted(exports) == sorted(int(found.group(3)) for found in pages)

    admin = await site.signed_in(ADMIN)
    async with admin:
        for found in pages:
            async with admin.get(found.group(2)) as response:
                assert response.status == 200
                body = await response.read()
                assert body == exports[int(found.group(3))].content
                assert response.headers["Content-Disposition"].startswith("attachment;")
                assert "no-store" in response.headers["Cache-Control"]
        for bad in ("0", "-1", "abc", str(2**63), "9" * 40, "1.5", str(max(exports) + 1)):
            async with admin.get(f"/quan-tri/xuat/tep/{bad}") as response:
                assert response.status == 404, bad
            async with admin.get(f"/quan-tri/tep/{bad}") as response:
                # Not a row id: refused in words; a row id that is no file: not found.
                assert response.status == (404 if bad == str(max(exports) + 1) else 400), bad

    staff = await site.signed_in(STAFF)
    async with staff:
        for found in pages:
            async with staff.get(found.group(2), allow_redirects=False) as response:
                assert response.status == 403
    async with site.client() as anonymous:
        for found in pages:
            async with anonymous.get(found.group(2), allow_redirects=False) as response:
                assert response.status == 303
            # Nor by a signed file link, however well made.
            links = site.service.file_links
            assert links is not None
            export = exports[int(found.group(3))]
            signed = FileLinks(links.key, "").url(export.id, export.key, site.clock())
            async with anonymous.get(signed) as response:
                assert response.status == 404
