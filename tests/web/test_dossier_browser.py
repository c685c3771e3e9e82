"""Dossiers in headless Chromium, on a phone and on a desktop screen: staff sign in, open
the dossiers at risk, are told beside the field what is wrong with the apology form, and
issue the apology. Screenshots go to test-artifacts."""

import re

import pytest
from playwright.async_api import Browser, Page, expect

from complaints.people import Role
from tests.e2e.browser import ARTIFACTS
from tests.web.site import Site
from tests.web.test_dossier_pages import BUILD, at, dossier, record

pytestmark = pytest.mark.browser
SCREENS = (("phone", {"width": 390, "height": 844}, "HS-RISK-1"),
           ("desktop", {"width": 1280, "height": 800}, "HS-RISK-2"))


async def shoot(page: Page, request: pytest.FixtureRequest, name: str) -> None:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def test_staff_apologise_for_a_dossier_at_risk(site: Site, browser: Browser,
                                                     request: pytest.FixtureRequest) -> None:
    await site.join("staff", Role.STAFF, "PKTHT")
    await record(site, *(dossier(code, BUILD, at(22, month=9), at(6, 17))
                         for _screen, _size, code in SCREENS),
                 dossier("HS-LATER", BUILD, at(1), at(16, 17)))
    for screen, size, code in SCREENS:
        context = await browser.new_context(locale="vi-VN", viewport=size)  # type: ignore[arg-type]
        page = await context.new_page()
        await page.goto(f"{site.url}/quan-tri/ho-so-tthc")
        await page.get_by_label("Mã do bot gửi").fill(await site.code("staff"))
        await page.get_by_role("button", name="Đăng nhập").click()
        await expect(page.locator("#dossiers")).to_be_visible()

        await page.locator('a[data-list="at_risk"]').click()
        await expect(page).to_have_url(re.compile(r"list=at_risk"))
        rows = page.locator("#dossiers tbody tr")
        await expect(rows).to_have_count(2 if screen == "phone" else 1)
        if screen == "phone":  # wide tables scroll inside their box, not the page
            assert await page.evaluate("document.documentElement.scrollWidth <= 390")
        await shoot(page, request, f"at-risk-{screen}")

        await page.locator(f'tr[data-code="{code}"] a').click()
        await expect(page.locator("h1")).to_contain_text(code)
        day = page.locator("#apology-day")
        await expect(day).to_have_value("2026-10-09")  # the first date suggested
        await page.locator("#apology-reason").fill("Chờ ý kiến thẩm định của Sở Xây dựng.")
        await page.locator("#apology-title").fill("Chuyên viên")
        await day.fill("2026-10-10")  # a Saturday
        await page.locator("#apology-form button[type=submit]").click()
        await expect(page.locator("#error-day")).to_contain_text("ngày làm việc")
        await expect(page.locator("#apology-reason")).to_have_value(
            "Chờ ý kiến thẩm định của Sở Xây dựng.")
        await shoot(page, request, f"mistake-{screen}")

        await day.fill("2026-10-09")
        await page.locator("#apology-form button[type=submit]").click()
        await expect(page.locator("#apology-number")).to_contain_text("PKTHT")
        await expect(page.locator("#apology-new-date")).to_contain_text("09/10/2026")
        await expect(page.locator("#apology-in-time")).to_have_attribute("data-in-time", "yes")
        href = await page.locator("#apology-pdf").get_attribute("href")
        assert href is not None
        document = await page.request.get(f"{site.url}{href}")
        assert document.headers["content-type"] == "application/pdf"
        assert (await document.body()).startswith(b"%PDF")
        await shoot(page, request, f"issued-{screen}")

        await page.goto(f"{site.url}/quan-tri/ho-so-tthc?list=at_risk")
        await expect(page.locator(f'tr[data-code="{code}"]')).to_have_count(0)
        await context.close()
