"""The focal point on the dashboard: while the unit of a case has no staff, the focal
point's staff find the case in their list, open it with the sender's details and act on
it; once the unit has staff again, the case is theirs and the focal point is refused."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.invites import create_invite
from complaints.people import Role
from tests.clock import Clock
from tests.conversation.harness import MONDAY_MORNING
from tests.hostile.world import COLLEAGUE, HANDLER, REVOKED, World, copy_of, template
from tests.web.site import Site, csrf_and_nonce

FOCAL = "m-focal"


async def join(world: World, chat: str, unit: str) -> None:
    """Staff joining by invite (as the world's people did: its update keys are unique)."""
    async with world.site.service.store.unit_of_work() as uow:
        token = await create_invite(uow.invites, Role.STAFF, unit, None, world.site.clock(), 7)
    await world.say(chat, f"/start {token}")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[str]:
    with template(request.param, tmp_path_factory.mktemp("world")) as url:
        yield url


@pytest.fixture
def copied(built: str, tmp_path: Path) -> Iterator[str]:
    with copy_of(built, tmp_path) as url:
        yield url


@pytest.fixture
async def world(copied: str) -> AsyncIterator[World]:
    """The world's case, its unit (PTNMT) left by all its staff, and the focal point's
    staff member."""
    site = await Site(copied, Clock(MONDAY_MORNING)).start()
    try:
        world = await World(site).load()
        for chat in (HANDLER, COLLEAGUE, REVOKED):
            account = await world.account(chat)
            async with site.service.store.unit_of_work() as uow:
                await uow.accounts.set_role(account, Role.CITIZEN, None)
        await join(world, FOCAL, "VP")
        await world.press(FOCAL, "lg:en")
        yield world
    finally:
        await site.close()


async def test_the_focal_point_handles_on_the_dashboard_what_nobody_else_can(
        world: World) -> None:
    client = await world.signed_in(FOCAL)
    try:
        async with client.get("/quan-tri/ho-so") as listing:
            assert listing.status == 200 and world.code in await listing.text()
        page = f"/quan-tri/ho-so/{world.code}"
        async with client.get(page) as case:
            html = await case.text()
            assert case.status == 200 and "Nguyễn Văn An" in html
        fields = await csrf_and_nonce(client, page)
        async with client.post(f"{page}/claim", data=fields, allow_redirects=False) as done:
            assert done.status == 303, await done.text()

        # The unit has staff again: the case is theirs.
        await join(world, "m-new-handler", "PTNMT")
        async with client.get(page) as case:
            assert case.status == 403 and "Nguyễn Văn An" not in await case.text()
        async with client.get("/quan-tri/ho-so") as listing:
            assert world.code not in await listing.text()
    finally:
        await client.close()
