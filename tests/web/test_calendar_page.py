"""The dashboard's calendar page in headless Chromium: a year without a government decision
is marked estimated, as is 24/11/2026, and the administrator's confirmation clears it."""

import re

import pytest
from playwright.async_api import Browser, Page, expect

from complaints.people import Role
from tests.web.site import Site
from tests.web.test_dashboard_browser import sign_in

pytestmark = pytest.mark.browser


async def test_an_estimated_year_until_an_administrator_confirms_it(site: Site,
                                                                    browser: Browser) -> None:
    await site.join("admin", Role.ADMIN, None)
    page = await (await browser.new_context(locale="vi-VN")).new_page()
    await sign_in(page, site, await site.code("admin"))
    await expect(page).to_have_url(re.compile(r"/quan-tri/chi-so$"))

    await page.goto(f"{site.url}/quan-tri/lich?year=2025")
    await expect(page.locator("#calendar")).to_contain_text("6150/TB-LĐTBXH")
    await expect(page.locator("#estimate")).to_have_count(0)

    await page.goto(f"{site.url}/quan-tri/lich?year=2026")
    await expect(page.locator("#estimate")).to_contain_text("24/11/2026")
    assert [line.split()[0] for line in await marked(page)
            if "Văn hóa" in line] == ["24/11/2026"]
    await page.goto(f"{site.url}/quan-tri/lich?year=2027")
    await expect(page.locator("#estimate")).to_be_visible()
    await expect(page.locator("#calendar")).to_contain_text("2027")
    guessed = [line.split()[0] for line in await marked(page)]
    assert "01/01/2027" in guessed and len(guessed) >= 10, "every day of 2027 is a guess"
    await page.locator("#estimate button").click()
    await expect(page.get_by_role("status")).to_contain_text("2027")
    await expect(page.locator("#estimate")).to_have_count(0)
    assert "01/01/2027" not in [line.split()[0] for line in await marked(page)]
    await page.goto(f"{site.url}/quan-tri/lich?year=2026")
    await expect(page.locator("#estimate")).to_be_visible()  # one year's word only

    for year in ("0", "99999", "x", "-5"):  # refused in words, with a way back
        response = await page.goto(f"{site.url}/quan-tri/lich?year={year}")
        assert response is not None and response.status == 400, year
        assert await page.locator("a[href]").count() > 0


async def marked(page: Page) -> list[str]:
    """The days of the calendar shown with a note in brackets (the estimate's)."""
    text = await page.locator("#calendar").inner_text()
    return [line for line in text.splitlines()
            if re.match(r"\s+\d\d/\d\d/\d{4}", line) and "(" in line]
