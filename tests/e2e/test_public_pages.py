"""The published results in headless Chromium: the figures the database holds (as
`pakn stats --json` reports them), the filters, and cases shown without personal data."""

import json
import re
from typing import Any

import pytest
from babel.numbers import format_percent
from playwright.async_api import Browser, Page

from surveys.indicators import judged
from tests.e2e import published
from tests.e2e.browser import ARTIFACTS
from tests.e2e.service import ServiceProcess

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
PHONE_WIDTH = {"width": 390, "height": 844}


@pytest.fixture
async def site(webchat: ServiceProcess, database_url: str) -> ServiceProcess:
    await published.seed(database_url)
    return webchat


def stats(service: ServiceProcess) -> dict[str, Any]:
    done = service.cli("stats", "--period", published.PERIOD, "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def shown(rate: dict[str, Any], language: str) -> str:
    return str(format_percent(rate["rate"], "#,##0.0%", locale=language))


async def shoot(page: Page, request: pytest.FixtureRequest, name: str) -> None:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def test_the_overview_shows_what_the_database_holds(
        site: ServiceProcess, browser: Browser, request: pytest.FixtureRequest) -> None:
    figures = stats(site)
    for language, prefix in (("vi", "/cong-khai"), ("en", "/public")):
        page = await browser.new_page(viewport=PHONE_WIDTH)
        await page.goto(f"{site.url}{prefix}?period={published.PERIOD}")
        assert await page.get_attribute("html", "lang") == language
        for key in ("satisfaction", "pakn_on_time", "pakn_satisfaction"):
            card = page.locator(f'.card[data-indicator="{key}"]')
            assert await card.locator(".value").inner_text() == shown(figures[key], language)
            counts = f'{figures[key]["numerator"]}/{figures[key]["denominator"]}'
            assert counts in await card.inner_text()
            verdict = "met" if figures[key]["met"] else "not_met"
            assert verdict in (await card.get_attribute("class") or "").split()
        dossiers = page.locator('.card[data-indicator="dossier_on_time"]')
        assert "not_enough" in (await dossiers.get_attribute("class") or "").split()
        for group in ("unit", "field"):
            for code, indicators in figures[f"by_{group}"].items():
                row = page.locator(f'#by-{group}-table tr[data-code="{code}"]')
                for key in (d.key for d in judged()):  # the columns; the figures beside
                    rate = indicators[key]             # them are not in the tables
                    cell = await row.locator(f'td[data-indicator="{key}"]').inner_text()
                    if rate["met"] is not None:
                        assert cell.startswith(shown(rate, language)), (code, key, cell)
                    elif rate["denominator"]:
                        assert f'({rate["numerator"]}/{rate["denominator"]})' in cell
        # The three charts load as images served by the app itself.
        for image in await page.locator("figure img").all():
            assert await image.evaluate("i => i.complete && i.naturalWidth > 0")
        await shoot(page, request, f"overview-{language}")
        await page.close()


async def test_too_few_responses_are_not_ranked(site: ServiceProcess, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{site.url}/public?period={published.PERIOD}")
    construction = page.locator('#by-field-table tr[data-code="xay_dung"] '
                                'td[data-indicator="satisfaction"]')
    assert await construction.inner_text() == "not enough data (5/5)"
    assert "not_enough" in (await construction.get_attribute("class") or "")
    land = page.locator('#by-field-table tr[data-code="dat_dai"] td[data-indicator="satisfaction"]')
    assert "not_met" in (await land.get_attribute("class") or "")
    assert "target 90.0%" in await land.inner_text()


async def test_the_period_filter_and_the_other_language(site: ServiceProcess,
                                                        browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{site.url}/cong-khai")
    options = await page.locator("#period option").evaluate_all("os => os.map(o => o.value)")
    assert len(options) >= 3
    await page.select_option("#period", options[-1])
    await page.get_by_role("button", name="Xem").click()
    await page.wait_for_url(re.compile(rf"period={options[-1]}"))
    assert options[-1] in await page.locator(".period").inner_text()
    await page.get_by_role("link", name="English").click()
    await page.wait_for_url(re.compile(rf"/public\?period={options[-1]}"))
    assert await page.get_attribute("html", "lang") == "en"


async def test_answered_cases_are_searchable(site: ServiceProcess, browser: Browser,
                                             request: pytest.FixtureRequest) -> None:
    page = await browser.new_page(viewport=PHONE_WIDTH)
    await page.goto(f"{site.url}/public/pakn")
    assert await page.get_by_role("status").inner_text() == "33 published PAKN"
    assert await page.locator(".cases > li").count() == 20
    await page.get_by_role("link", name="Next").click()
    assert await page.locator(".cases > li").count() == 13
    await page.goto(f"{site.url}/public/pakn")
    await page.select_option("#field", "moi_truong")
    await page.get_by_role("button", name="Search").click()
    assert await page.get_by_role("status").inner_text() == "1 published PAKN"
    await page.fill("#q", "thửa số 17")
    await page.select_option("#field", "")
    await page.get_by_role("button", name="Search").click()
    assert await page.locator(".cases > li").count() == 1
    assert "PA-2026-000017" in await page.locator(".cases").inner_text()
    # The open case is not in the list.
    await page.fill("#q", "ấp 3")
    await page.get_by_role("button", name="Search").click()
    assert await page.get_by_role("status").inner_text() == "0 published PAKN"
    await shoot(page, request, "cases")


async def test_a_case_page_shows_no_personal_data(site: ServiceProcess, browser: Browser,
                                                  request: pytest.FixtureRequest) -> None:
    page = await browser.new_page(viewport=PHONE_WIDTH)
    await page.goto(f"{site.url}/cong-khai/pakn/{published.PRIVATE_CODE.lower()}")
    html = await page.content()
    for secret in (published.NAME, published.PHONE, "075123456789", "Hùng Vương", "Bình"):
        assert secret not in html
    assert "Cống thoát nước trước nhà bị tắc" in await page.locator(".question").inner_text()
    assert "đã nạo vét cống" in await page.locator(".answer").inner_text()
    assert await page.locator("img").count() == 0
    await shoot(page, request, "case")
    await page.goto(f"{site.url}/public/pakn/{published.OPEN_CODE}")
    assert await page.locator(".question").count() == 0
    assert "published once the PAKN is answered and staff" in await page.locator(
        "main").inner_text()
    response = await page.goto(f"{site.url}/public/pakn/PA-2026-999999")
    assert response is not None and response.status == 404


async def test_the_pages_can_be_used_with_the_keyboard(site: ServiceProcess,
                                                       browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{site.url}/public?period={published.PERIOD}")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    await page.keyboard.press("Enter")
    assert page.url.endswith("#content")
    # Every chart says what it shows, every table has headers.
    for image in await page.locator("img").all():
        assert len(await image.get_attribute("alt") or "") > 20
    assert await page.locator("th[scope=col]").count() >= 8
