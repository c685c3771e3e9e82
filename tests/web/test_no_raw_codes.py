"""Nobody reads an internal code where a name exists: every page an admin opens, the
public pages, their charts and the downloaded files say channels, statuses, fields,
procedures, units and survey aspects in words (files add code columns for programs)."""

import csv
import io
import re
from collections.abc import Iterable

import aiohttp
import lxml.etree
import lxml.html
from openpyxl import load_workbook

from bot.core.survey_links import questionnaire
from bot.present.names import CHANNELS
from complaints.case import Status
from complaints.dossiers import Status as DossierStatus
from surveys.indicators import DEFINITIONS, charts
from tests.web.site import Site
from tests.web.test_sign_in import ADMIN, people

PERIOD = "2026-Q3"
ADMIN_PAGES = ["/quan-tri/chi-so?period=" + PERIOD, "/quan-tri/ho-so?status=all",
               "/quan-tri/ho-so-tthc", "/quan-tri/xuat", "/quan-tri/lich", "/quan-tri/moi",
               "/quan-tri/tiep-nhan", "/quan-tri/danh-ba"]
PUBLIC_PAGES = [f"/cong-khai?period={PERIOD}", f"/public?period={PERIOD}", "/cong-khai/pakn",
                "/public/pakn"]
CHARTS = [f"{prefix}/bieu-do/{kind}.svg?period={PERIOD}" for prefix in ("/cong-khai", "/public")
          for kind in (*(chart.slug for chart in charts()), "trend")]


def codes() -> set[str]:
    """The internal codes that have names; each is a word of letters, digits and _."""
    found = {*(s.value for s in Status), *(s.value for s in DossierStatus),
             *(d.key for d in DEFINITIONS), *CHANNELS,
             *(q.id for q in questionnaire().questions)}
    return {code for code in found if code.lower() == code and len(code) > 3}


def raw(texts: Iterable[str], english: bool = False) -> set[str]:
    """The codes among the words. In English, "received" or "overall" is also a word: only
    codes no English text would contain (with _ or digits, "webchat") count there."""
    words = {word for text in texts for word in re.findall(r"[a-z][a-z0-9_]+", str(text))}
    return {code for code in words & codes()
            if not english or not code.isalpha() or code == "webchat"}


def visible(html: str) -> str:
    if html.startswith("<?xml"):  # a chart
        return " ".join(lxml.etree.fromstring(html.encode()).itertext())
    tree = lxml.html.fromstring(html)
    for hidden in tree.xpath("//script|//style"):
        hidden.drop_tree()
    return " ".join(tree.itertext())  # apart, so neighbouring words stay words


async def text_of(client: aiohttp.ClientSession, path: str) -> str:
    async with client.get(path) as response:
        assert response.status == 200, path
        return await response.text()


async def test_pages_and_charts_name_their_codes(site: Site) -> None:
    await people(site)
    async with await site.signed_in(ADMIN) as client:
        found = {}
        cases = await text_of(client, "/quan-tri/ho-so?status=all")
        first_case = re.search(r'href="(/quan-tri/ho-so/[^"?]+)"', cases)
        assert first_case
        # The admin's pages in their language; the public site in both.
        for path in [*ADMIN_PAGES, first_case.group(1), *PUBLIC_PAGES, *CHARTS]:
            found[path] = raw([visible(await text_of(client, path))],
                              english=path.startswith("/public"))
    assert not any(found.values()), {path: words for path, words in found.items() if words}


async def test_files_name_their_codes_and_keep_them_in_code_columns(site: Site) -> None:
    await people(site)
    async with await site.signed_in(ADMIN) as client:
        async with client.get(f"/quan-tri/xuat/pakn-{PERIOD}.xlsx?period={PERIOD}") as response:
            assert response.status == 200
            book = load_workbook(io.BytesIO(await response.read()), read_only=True)
        async with client.get(f"/quan-tri/xuat/pakn-{PERIOD}.csv?period={PERIOD}") as response:
            assert response.status == 200
            table = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    sheets = {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
              for sheet in book.worksheets}
    sheets["csv"] = table
    leaks = {}
    for title, rows in sheets.items():
        if not rows:
            continue
        header = [str(cell) for cell in rows[0] or []]
        # Columns named as codes, and the first column of the unit and field sheets, are
        # there for programs.
        keep = [i for i, name in enumerate(header)
                if "(mã)" not in name and "(code)" not in name and not (i == 0 and "Mã" in name)]
        cells = [row[i] for row in rows for i in keep if i < len(row) and row[i] is not None]
        leaks[title] = raw(map(str, cells))
    assert not any(leaks.values()), leaks
    assert len(sheets) >= 6
