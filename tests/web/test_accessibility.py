"""Every dashboard and public page passes axe-core with no violation of any impact, on a
phone and on a desk screen, signed in as the person who would open it."""

import re

import pytest
from playwright.async_api import Browser

from tests.e2e.axe import check
from tests.web.site import Site
from tests.web.test_sign_in import ADMIN, STAFF, people

# What a person sees and can do does not depend on the database: these run on the
# embedded one `make run` uses (the database's side is tested on both elsewhere).
pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
PERIOD = "2026-Q3"
SCREENS = {"phone": (390, 844), "desk": (1280, 800)}
PUBLIC = [f"/cong-khai?period={PERIOD}", f"/public?period={PERIOD}", "/cong-khai/pakn",
          "/public/pakn", "/quan-tri/dang-nhap"]
ADMIN_PAGES = [f"/quan-tri/chi-so?period={PERIOD}", "/quan-tri/ho-so?status=all",
               "/quan-tri/ho-so-tthc", "/quan-tri/xuat", "/quan-tri/danh-ba", "/quan-tri/lich",
               "/quan-tri/moi", "/quan-tri/tiep-nhan"]


@pytest.mark.parametrize("screen", SCREENS)
async def test_public_pages(site: Site, browser: Browser, screen: str) -> None:
    width, height = SCREENS[screen]
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.goto(f"{site.url}/cong-khai/pakn")
    case = await page.locator("a[href^='/cong-khai/pakn/']").first.get_attribute("href")
    for path in [*PUBLIC, case]:
        await page.goto(f"{site.url}{path}")
        await check(page, f"{path} ({screen})")
    await page.close()


@pytest.mark.parametrize("screen", SCREENS)
async def test_dashboard_pages(site: Site, browser: Browser, screen: str) -> None:
    await people(site)
    width, height = SCREENS[screen]
    for person, paths in ((ADMIN, ADMIN_PAGES), (STAFF, ["/quan-tri/ho-so?status=all"])):
        context = await browser.new_context(viewport={"width": width, "height": height})
        page = await context.new_page()
        await page.goto(f"{site.url}/quan-tri")
        await page.locator("input[name=code]").fill(await site.code(person))
        await page.locator("form button[type=submit]").first.click()
        await page.wait_for_url(re.compile(r".*/quan-tri/.+"))
        cases = []
        for path in paths:
            await page.goto(f"{site.url}{path}")
            await check(page, f"{path} as {person} ({screen})")
            links = page.locator("#cases a[href^='/quan-tri/ho-so/']")
            if path.startswith("/quan-tri/ho-so?") and await links.count():
                cases = [await links.first.get_attribute("href")]
        assert cases or person == STAFF, "the administrator sees every unit's cases"
        for path in cases:
            await page.goto(f"{site.url}{path}")
            await check(page, f"a case as {person} ({screen})")
        await context.close()
