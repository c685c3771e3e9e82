"""The real service in its own process, as `make run` starts it."""

import asyncio
import concurrent.futures
import contextlib
import os
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

import bot.app
from storage.db import Database
from storage.migrate import upgrade
from storage.models import OutboxRow
from tests.e2e import forked
from tests.e2e.seed import seed
from tests.fakes.telegram_api import carry_out
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "webhook-secret-for-tests"
TOKEN = "123456789:TEST-token_for-the-fake-api"


_MIGRATING = threading.Lock()


def _upgrade(url: str) -> None:
    """Alembic keeps its context in module globals: one migration at a time in a process
    (the test's services may start at once)."""
    with _MIGRATING:
        upgrade(url)


class ServiceProcess:
    def __init__(self, workdir: Path, database_url: str, **env: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PAKN_")}
        # Messages to one chat one after the other, not one a second, and no flood control
        # on people who answer as fast as a program: these tests are about neither
        # (tests/delivery/test_limits.py, `make bench NAMES=pacing` and
        # tests/hostile/test_flood.py are); the fault tests keep both as shipped.
        self.env.update({"PAKN_DATABASE_URL": database_url, "PAKN_HOST": "127.0.0.1",
                         "PAKN_PORT": str(self.port), "PYTHONUNBUFFERED": "1",
                         "PAKN_TELEGRAM_CHAT_INTERVAL_MS": "0", "PAKN_ZALO_CHAT_INTERVAL_MS": "0",
                         "PAKN_FLOOD_PER_MINUTE": "0",
                         **env})
        self._database: Database | None = None
        self.output: list[str] = []
        self._process: forked.Forked | None = None
        # The suites' directory (tests/conftest.py: the 2022 organisation) is loaded before
        # the service or a command would seed the organisation of today into the database.
        self._directory = bot.app.SEED_DIRECTORY
        self._seeded = False
        self._reader: asyncio.Task[None] | None = None

    def _migrate_and_seed(self) -> None:
        url = self.env["PAKN_DATABASE_URL"]
        _upgrade(url)
        asyncio.run(seed(url, self._directory))

    async def start(self, timeout: float = 60.0) -> "ServiceProcess":
        if not self._seeded:  # without blocking the loop (a test's database proxy runs on it)
            url = self.env["PAKN_DATABASE_URL"]
            await asyncio.to_thread(_upgrade, url)
            await seed(url, self._directory)
            self._seeded = True
        self._process = await forked.start(["serve"], self.env, self.workdir)
        self._reader = asyncio.create_task(self._read())
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                if self._process.returncode is not None:
                    raise RuntimeError("service exited:\n" + self.log())
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return self
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError("service did not become healthy:\n" + self.log())
                await asyncio.sleep(0.1)

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        async for line in self._process.stdout:
            self.output.append(line.decode(errors="replace").rstrip())

    def log(self) -> str:
        return "\n".join(self.output[-80:])

    async def connected(self, channel: str, timeout: float = 30.0) -> None:
        """Until the service has stored the channel's account name, which the links it
        makes (QR posters, invitations) are built from; it does so just after the
        channel's webhook is registered, in a transaction of its own."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not any(f"{channel} connected as" in line for line in self.output):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{channel} never connected:\n" + self.log())
            await asyncio.sleep(0.02)

    async def settled(self, timeout: float = 30.0) -> None:
        """Until the service owes nothing that is due (each message it queued is sent or
        given up): what a person gets next answers what they do next, however many
        messages answered what they did before."""
        if self._database is None:
            self._database = Database(self.env["PAKN_DATABASE_URL"])
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            owed = select(func.count()).select_from(OutboxRow).where(
                OutboxRow.status == "pending", OutboxRow.next_attempt_at <= datetime.now(UTC))
            async with self._database.reading() as session:
                if not (await session.execute(owed)).scalar_one():
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the service still owes messages:\n" + self.log())
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._database is not None:
            await self._database.dispose()
            self._database = None
        if self._process is None or self._process.returncode is not None:
            return
        self._process.terminate()
        try:
            await asyncio.wait_for(self._process.wait(), 15)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()
        if self._reader:
            await self._reader

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `pakn ARGS` against the same database and settings."""
        if not self._seeded:
            # On a thread of its own: the test's loop may be running (and waits meanwhile,
            # as it does for the command).
            with concurrent.futures.ThreadPoolExecutor(1) as thread:
                thread.submit(self._migrate_and_seed).result(timeout=120)
            self._seeded = True
        return forked.run(args, self.env, self.workdir, timeout=120)

    async def post_update(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        """As Telegram delivers an update, and carries out the method of its answer."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with aiohttp.ClientSession() as session, session.post(
                f"{self.url}/webhook/telegram", json=update, headers=headers) as response:
            await carry_out(session, response, self.env.get("PAKN_TELEGRAM_API_URL", ""),
                            self.env.get("PAKN_TELEGRAM_TOKEN", ""))
            return response.status
