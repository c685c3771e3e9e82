"""Approving a publication in headless Chromium: the proposal in its text box, an edit
that adds the office's hotline held until confirmed, then exactly the edited text on
the public page. Screenshots go to test-artifacts."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, expect

from tests.e2e import published
from tests.e2e.browser import ARTIFACTS
from tests.web.site import Site
from tests.web.test_dashboard_browser import sign_in
from tests.web.test_publication_pages import CODE, STAFF, waiting_site

pytestmark = pytest.mark.browser


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    running = await waiting_site(database_url)
    yield running
    await running.close()


async def test_staff_approve_an_edited_text_in_the_browser(
        site: Site, browser: Browser, request: pytest.FixtureRequest) -> None:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(locale="vi-VN")
    page = await context.new_page()
    await sign_in(page, site, await site.code(STAFF))
    await page.goto(f"{site.url}/quan-tri/cong-khai")
    item = page.locator(f'li[data-code="{CODE}"]')
    if not await item.count():  # not on the first page: its own publication page
        await page.goto(f"{site.url}/quan-tri/cong-khai/{CODE}")
    question = page.locator(f"#question-{CODE}")
    proposed = await question.input_value()
    assert "Cống thoát nước trước nhà bị tắc" in proposed
    assert published.NAME not in proposed and published.PHONE not in proposed
    await page.screenshot(path=str(folder / "proposal.png"), full_page=True)

    # The office's hotline: a number the anonymiser blanks, but nobody's personal data.
    edited = "Cống thoát nước bị tắc, mưa là ngập đường. Đường dây nóng: 0251 3871 234."
    await question.fill(edited)
    await page.locator(f'form[data-code="{CODE}"] button[value="approve"]').click()
    findings = page.locator(f"#findings-{CODE}")
    await expect(findings).to_contain_text("0251 3871 234")
    await page.screenshot(path=str(folder / "held.png"), full_page=True)
    assert await page.locator(f"#question-{CODE}").input_value() == edited
    await findings.locator('input[name="confirmed"]').check()
    await page.locator(f'form[data-code="{CODE}"] button[value="approve"]').click()
    await expect(page.locator("#withdraw-form")).to_be_visible()
    await expect(page.locator("#published .question")).to_have_text(edited)

    await page.goto(f"{site.url}/public/pakn/{CODE}")
    await expect(page.locator(".question")).to_have_text(edited)
    await page.screenshot(path=str(folder / "public.png"), full_page=True)
    await context.close()
