"""The public page and the dashboard's indicators as organised now or then, after the
organisation of 1/7/2025 replaced the 2022 one: the same totals both ways, the old units
then, their successors now, and a bad switch refused rather than a server error."""

import re
from collections.abc import AsyncIterator
from datetime import date

import pytest

from bot.app import bundled_directory_text
from bot.core.directory import load_directory
from complaints.directory_file import parse_directory, parse_mapping
from complaints.people import Role
from tests.conftest import CURRENT_DIRECTORY
from tests.web.site import Site


@pytest.fixture
async def reorganised(site: Site) -> AsyncIterator[Site]:
    """The quarter of history of `site`, recorded under the 2022 organisation, then the
    organisation of today loaded with the bundled mapping."""
    today = parse_directory(bundled_directory_text(CURRENT_DIRECTORY))
    async with site.service.store.unit_of_work() as uow:
        old = await uow.directory.load()
        mapping = parse_mapping(bundled_directory_text("xuan_loc_2022_to_2025.csv"), old, today)
        await load_directory(uow, site.clock(), today, date(2025, 7, 1), mapping)
    yield site


def cards(html: str) -> list[str]:
    """The figures of the indicator cards, in order."""
    return re.findall(r'data-indicator="[^"]+">.*?</li>', html, re.S)


async def test_the_public_page_switches_organisation(reorganised: Site) -> None:
    async with reorganised.client() as client:
        pages = {}
        for as_of in ("now", "then"):
            async with client.get(f"/public?period=2026-Q3&as_of={as_of}") as response:
                assert response.status == 200
                pages[as_of] = await response.text()
            async with client.get(f"/public/bieu-do/units.svg?period=2026-Q3&as_of={as_of}"
                                  ) as response:
                assert response.status == 200
        async with client.get("/public?period=2026-Q3&as_of=yesterday") as response:
            assert response.status == 400
    assert len(cards(pages["now"])) == 4
    assert cards(pages["now"]) == cards(pages["then"]), "the totals are the same both ways"
    assert "Department of Agriculture and Environment" in pages["now"]
    assert "Natural Resources and Environment Office" not in pages["now"]
    assert "Natural Resources and Environment Office" in pages["then"]
    assert 'name="as_of"' in pages["now"]


async def test_the_dashboard_indicators_switch_organisation(reorganised: Site) -> None:
    await reorganised.join("admin", Role.ADMIN, None)
    client = await reorganised.signed_in("admin")
    async with client:
        pages = {}
        for as_of in ("now", "then"):
            async with client.get(f"/quan-tri/chi-so?period=2026-Q3&as_of={as_of}") as response:
                assert response.status == 200
                pages[as_of] = await response.text()
        async with client.get("/quan-tri/chi-so?period=2026-Q3&as_of=1") as response:
            assert response.status == 400
        async with client.get("/quan-tri/chi-so?period=2026-Q3&unit=SNNMT&as_of=now"
                              ) as response:
            assert response.status == 200
            unit_now = await response.text()
        async with client.get("/quan-tri/chi-so?period=2026-Q3&unit=PTNMT&as_of=then"
                              ) as response:
            unit_then = await response.text()
    assert len(cards(pages["now"])) >= 4
    assert cards(pages["now"]) == cards(pages["then"])
    assert "Sở Nông nghiệp và Môi trường" in pages["now"]
    assert "Phòng Tài nguyên và Môi trường" in pages["then"]
    assert cards(unit_now) == cards(unit_then), "the department now counts its predecessor"
    assert '<option value="then" selected>' in pages["then"]
