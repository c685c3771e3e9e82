"""Charts as people get them: in the public results on a 360 px phone and printed, each
chart fits its column, its smallest text stays readable once the chart is scaled to the
column, and none of its texts (title, labels, figures in words, "not enough data", the
axes' ticks) overlaps another."""

import pytest
from playwright.async_api import Browser, Page

from tests.web.site import Site

pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
PERIOD = "2026-Q3"
PHONE = (360, 740)
PRINTED = (469, 700)
"""An A5 sheet less its 12 mm margins (the site's @page), in CSS pixels at 96 per inch."""
SMALLEST_PX = 9.0
"""The smallest text a chart may show, in CSS pixels once scaled to its column."""

# Each chart's texts as drawn by the browser at the chart's own size: the font size in CSS
# pixels (the SVG's user unit is a point), and the box.
TEXTS = """() => {
  const svg = document.querySelector('svg');
  const unit = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...document.querySelectorAll('text')].map(t => {
    const box = t.getBoundingClientRect();
    return {text: t.textContent.trim(), size: parseFloat(getComputedStyle(t).fontSize) * unit,
            left: box.left, top: box.top, right: box.right, bottom: box.bottom};
  }).filter(t => t.text && t.right > t.left);
}"""


async def charts_in(page: Page, url: str) -> list[tuple[str, float]]:
    """Each chart of the overview: its address and its scale in the column."""
    await page.goto(url)
    images = page.locator("figure img[src*='/bieu-do/']")
    assert await images.count() >= 4
    await page.wait_for_function(
        "() => [...document.querySelectorAll('figure img')].every(i => i.naturalWidth > 0)")
    width = await page.evaluate("document.documentElement.clientWidth")
    assert await page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways"
    found = []
    for index in range(await images.count()):
        image = images.nth(index)
        box = await image.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
        natural = await image.evaluate("i => i.naturalWidth")
        found.append((str(await image.evaluate("i => i.src")), box["width"] / natural))
    return found


def overlapping(texts: list[dict[str, float | str]]) -> list[tuple[str, str]]:
    clashes = []
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            width = min(a["right"], b["right"]) - max(a["left"], b["left"])
            height = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if width > 1 and height > 1:
                clashes.append((str(a["text"]), str(b["text"])))
    return clashes


@pytest.mark.parametrize("media", ["screen", "print"])
async def test_each_chart_fits_reads_and_overlaps_nothing(site: Site, browser: Browser,
                                                         media: str) -> None:
    width, height = PHONE if media == "screen" else PRINTED
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.emulate_media(media=media)
    charts = await charts_in(page, f"{site.url}/cong-khai?period={PERIOD}")
    for src, scale in charts:
        await page.goto(src)
        texts = await page.evaluate(TEXTS)
        assert texts, src
        smallest = min(float(t["size"]) for t in texts) * scale
        assert smallest >= SMALLEST_PX, (src, round(smallest, 1))
        assert not overlapping(texts), (src, overlapping(texts))
    await page.close()
