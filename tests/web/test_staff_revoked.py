"""A revoked person's dashboard stops at once: their sessions end, and a sign-in code they
had asked for no longer works."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from sqlalchemy import select

from bot.core import staff
from complaints.people import Role
from storage.models import IdentityRow
from tests.clock import Clock
from tests.web.site import Site, sign_in

STAFF, OTHER = "7001", "7002"


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    started = await Site(database_url, Clock(datetime(2026, 10, 5, 2, 0, tzinfo=UTC))).start()
    yield started
    await started.close()


async def status_of(client: aiohttp.ClientSession, path: str) -> int:
    async with client.get(path, allow_redirects=False) as response:
        return response.status


async def test_revoking_ends_the_dashboard_at_once(site: Site) -> None:
    await site.join(STAFF, Role.STAFF, "PTNMT")
    await site.join(OTHER, Role.STAFF, "PTNMT")
    signed_in, other = await site.signed_in(STAFF), await site.signed_in(OTHER)
    unused = await site.code(STAFF)
    try:
        assert await status_of(signed_in, "/quan-tri/ho-so") == 200
        async with site.service.store.unit_of_work() as uow:
            person = (await uow.session.execute(select(IdentityRow.account_id).where(
                IdentityRow.chat_id == STAFF))).scalar_one()
            revoked = await staff.revoke(uow, None, person, site.clock())
        assert revoked.sessions_ended == 1
        assert await status_of(signed_in, "/quan-tri/ho-so") == 303, "back to the sign-in page"
        assert await status_of(other, "/quan-tri/ho-so") == 200, "only theirs"
        async with site.client() as fresh:
            assert await sign_in(fresh, unused) != 303, "the code they had is void"
            assert await status_of(fresh, "/quan-tri/ho-so") == 303
    finally:
        await signed_in.close()
        await other.close()
