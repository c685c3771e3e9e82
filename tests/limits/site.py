"""The whole service in the test's process (as tests.web.site), with the limits a test
sets, behind a "reverse proxy" the test plays: every request comes from 127.0.0.1, which
is trusted, and names its client in X-Forwarded-For."""

from ipaddress import ip_network
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.app import Service
from bot.runtime.settings import Settings
from tests.browsing import loopback_jar
from tests.clock import Clock
from tests.row_counts import counting, row_counts
from tests.web.site import Site

PROXY = (ip_network("127.0.0.1/32"),)
_COUNTING = counting("rate_buckets")


class LimitedSite(Site):
    def __init__(self, database_url: str, clock: Clock, **settings: Any) -> None:
        super().__init__(database_url, clock)
        settings.setdefault("trusted_proxies", PROXY)
        self.settings = Settings(database_url=database_url, port=self.port, **settings)
        self.service = Service(self.settings, clock)
        self.server = TestServer(self.service.web_app(), host="127.0.0.1", port=self.port)

    def client_at(self, address: str, language: str = "en", **headers: str
                  ) -> aiohttp.ClientSession:
        """A browser at `address` (as the proxy tells), keeping its cookies."""
        return aiohttp.ClientSession(
            self.url, cookie_jar=loopback_jar(self.url),
            headers={"X-Forwarded-For": address, "Accept-Language": language, **headers})

    async def counts(self) -> dict[str, int]:
        """Rows per table (the limits' own excepted): what a refused request must leave."""
        async with self.service.database.reading() as session:
            return await row_counts(session, _COUNTING)
