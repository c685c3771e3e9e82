"""A value a filter cannot read, on every page with a filter form and in every parameter
it takes, comes back as that page's form (400, in the person's language): the field
marked `aria-invalid`, the mistake in words beside it and tied to it by
`aria-describedby`, the other fields as entered; never a 500. axe-core finds nothing
wrong with the page in that state."""

from typing import Any
from urllib.parse import urlencode

import aiohttp
import lxml.html
import pytest
from playwright.async_api import Browser

from tests.e2e.axe import check
from tests.web.site import Site
from tests.web.test_sign_in import ADMIN, STAFF, people

REPORT = {"period": ["2025-Q9", "31/02", "2026-13"], "unit": ["NOPE"], "field": ["xx"],
          "procedure": ["zz"], "channel": ["zz"], "as_of": ["sometimes"]}
PAGE = {"page": ["-1", "0", "abc", str(10**30)]}
TEXT = {"q": ["x" * 101]}
FORM = "//form[@class='filters'][@method='get']"
# page → the parameters it takes → wrong values; and values that fit, kept as entered.
ADMIN_PAGES: dict[str, tuple[dict[str, list[str]], dict[str, str]]] = {
    "/quan-tri/chi-so": (REPORT, {"period": "2026-Q3", "unit": "PKTHT", "field": "dat_dai",
                                  "channel": "webchat"}),
    "/quan-tri/ho-so": ({"status": ["foo"], "unit": ["NOPE"], "field": ["xx"],
                         "period": ["2025-Q9", "31/02"], **PAGE, **TEXT},
                        {"status": "all", "unit": "PKTHT", "period": "2026-Q3", "q": "đường"}),
    "/quan-tri/ho-so-tthc": ({"list": ["foo"], "unit": ["NOPE"], **PAGE},
                             {"list": "all", "unit": "PKTHT"}),
    "/quan-tri/cong-khai": ({"unit": ["NOPE"], **PAGE}, {"unit": "PKTHT"}),
    "/quan-tri/xuat": ({"period": ["2025-Q9"]}, {}),
    "/quan-tri/xuat/bao-cao.xlsx": (REPORT, {"period": "2026-Q3"}),
    "/quan-tri/xuat/ho-so.csv": (REPORT, {"period": "2026-Q3"}),
}
STAFF_PAGES: dict[str, tuple[dict[str, list[str]], dict[str, str]]] = {
    "/quan-tri/ho-so": ({"status": ["foo"], "field": ["xx"], "period": ["2026-Q0"], **PAGE,
                         **TEXT}, {"status": "all", "q": "đường"}),
    "/quan-tri/ho-so-tthc": ({"list": ["foo"], **PAGE}, {}),
    "/quan-tri/cong-khai": (PAGE, {}),
}
PUBLIC_PAGES: dict[str, tuple[dict[str, list[str]], dict[str, str]]] = {
    f"{prefix}{path}": pages for prefix in ("/cong-khai", "/public") for path, pages in {
        "": ({"period": ["2025-Q9", "nope"], "as_of": ["sometimes"]}, {"period": "2026-Q3"}),
        "/pakn": ({"field": ["xx"], "unit": ["NOPE"], **PAGE, **TEXT},
                  {"q": "đường", "unit": "PKTHT"}),
    }.items()}


def kept(control: Any) -> str | None:
    """What a form control shows: an input's value, a select's chosen option."""
    if control.tag == "select":
        chosen = control.xpath("option[@selected]/@value")
        return chosen[0] if chosen else None
    return control.get("value")


def mistake(html: str, name: str, good: dict[str, str]) -> tuple[str, str]:
    """The page's language and the words beside field `name`, after checking that they
    are tied to it and that the other fields keep what was entered."""
    tree = lxml.html.fromstring(html)
    controls = tree.xpath(f"{FORM}//*[@name='{name}'][@aria-invalid='true']")
    assert len(controls) == 1, f"{name} is not marked"
    control = controls[0]
    words = tree.get_element_by_id(control.get("aria-describedby"))
    assert "field-error" in words.get("class", "") and words.text_content().strip()
    # Beside the field: in the same field box, just after it.
    assert words.getparent() is control.getparent() and "invalid" in control.getparent().get(
        "class")
    label = tree.xpath(f"//label[@for='{control.get('id')}']")
    assert len(label) == 1 and label[0].text_content().strip()
    for other, value in good.items():
        if other == name:
            continue
        shown = [kept(c) for c in control.getparent().getparent().xpath(f".//*[@name='{other}']")]
        assert value in shown, (other, value, shown)
    assert tree.xpath("//*[@role='alert']"), "a summary is announced"
    return tree.get("lang"), words.text_content().strip()


async def answers(client: aiohttp.ClientSession, path: str, pages: tuple[
        dict[str, list[str]], dict[str, str]]) -> dict[tuple[str, str], str]:
    """Every wrong value of every parameter of the page: its words, checked."""
    wrong, good = pages
    found = {}
    for name, values in wrong.items():
        for value in values:
            query = urlencode({**good, name: value})
            async with client.get(f"{path}?{query}", allow_redirects=False) as response:
                html = await response.text()
                assert response.status == 400, (path, query, response.status)
                assert response.content_type == "text/html", (path, query)
            language, words = mistake(html, name, good)
            found[(name, value)] = language + ":" + words
    # Each parameter the page's form has is one the test tries.
    async with client.get(f"{path}?{urlencode(good)}", allow_redirects=False) as response:
        if response.content_type == "text/html":
            tree = lxml.html.fromstring(await response.text())
            names = set(tree.xpath(f"{FORM}//*[@name]/@name"))
            assert names <= set(wrong), (path, names - set(wrong))
    return found


async def language_of(site: Site, chat: str, language: str) -> None:
    async with site.service.store.unit_of_work() as uow:
        account = await uow.accounts.find("webchat", chat)
        assert account is not None and account.id is not None
        await uow.accounts.set_language(account.id, language)


async def test_every_filter_reads_its_mistakes_beside_the_field(site: Site) -> None:
    await people(site)
    words: dict[str, dict[tuple[str, str], str]] = {}
    for language in ("vi", "en"):
        for person, pages in ((ADMIN, ADMIN_PAGES), (STAFF, STAFF_PAGES)):
            await language_of(site, person, language)
            async with await site.signed_in(person) as client:
                for path, asked in pages.items():
                    words[f"{person}{path}:{language}"] = await answers(client, path, asked)
    async with site.client() as client:
        for path, asked in PUBLIC_PAGES.items():
            words[path] = await answers(client, path, asked)
    # In the person's language: the same mistake reads differently in each.
    pairs = [(key, key[:-3] + ":en") for key in words if key.endswith(":vi")]
    pairs += [(key, key.replace("/cong-khai", "/public", 1)) for key in words
              if key.startswith("/cong-khai")]
    for vi, en in pairs:
        for asked, shown in words[vi].items():
            assert shown.startswith("vi:") and words[en][asked].startswith("en:"), asked
            assert shown[3:] != words[en][asked][3:], (vi, asked, shown)


@pytest.mark.browser
async def test_a_form_with_mistakes_passes_axe(site: Site, browser: Browser) -> None:
    await people(site)
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    for path in ("/cong-khai?period=2025-Q9&as_of=x", "/public/pakn?field=xx&page=-1"):
        await page.goto(f"{site.url}{path}")
        await check(page, path)
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.goto(f"{site.url}/quan-tri")
    await page.locator("input[name=code]").fill(await site.code(ADMIN))
    await page.locator("form button[type=submit]").first.click()
    await page.wait_for_url(f"{site.url}/quan-tri/chi-so")
    for path in ("/quan-tri/chi-so?period=2025-Q9&channel=zz",
                 "/quan-tri/ho-so?status=foo&page=-1&q=a",
                 "/quan-tri/ho-so-tthc?list=foo&unit=NOPE",
                 "/quan-tri/cong-khai?unit=NOPE", "/quan-tri/xuat/ho-so.csv?period=2026-Q9"):
        await page.goto(f"{site.url}{path}")
        await check(page, path)
    await context.close()


async def test_error_pages_are_pages_in_the_persons_language_with_a_way_back(
        site: Site) -> None:
    await people(site)
    asked = [("/cong-khai/khong-co", 404, "vi", "/cong-khai"),
             ("/public/nowhere", 404, "en", "/public"),
             ("/public/bieu-do/fields.svg?period=2025-Q9", 400, "en", "/public"),
             ("/khong-co?lang=en", 404, "en", "/")]
    async with site.client() as client:
        for path, status, language, back in asked:
            async with client.get(path, allow_redirects=False) as response:
                html = await response.text()
                assert (response.status, response.content_type) == (status, "text/html"), path
            tree = lxml.html.fromstring(html)
            assert tree.get("lang") == language, path
            assert tree.xpath(f"//main//a[@href='{back}']"), path
            assert tree.xpath("//h1")[0].text_content().strip()
        # The doors that speak JSON keep their JSON errors.
        async with client.get("/api/indicators.json?period=2025-Q9") as response:
            assert response.status == 400 and (await response.json())[0]["code"] == 400
    for language in ("vi", "en"):
        await language_of(site, ADMIN, language)
        async with await site.signed_in(ADMIN) as client:
            for path, method, status in (("/quan-tri/khong-co", "GET", 404),
                                         ("/quan-tri/moi", "PUT", 405),
                                         ("/quan-tri/ho-so/PA-2026-000001/claim", "POST", 403)):
                async with client.request(method, path, allow_redirects=False) as response:
                    html = await response.text()
                    assert (response.status, response.content_type) == (status, "text/html")
                tree = lxml.html.fromstring(html)
                assert tree.get("lang") == language, (path, html[:300])
                assert tree.xpath("//main//a[@href='/quan-tri']"), path
