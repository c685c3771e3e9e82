"""The service as it is deployed: started by the image's entrypoint (deploy/entrypoint.sh)
on an empty database, which it migrates; it answers the health check the image's
HEALTHCHECK runs, takes a PAKN through the web chat, and stops cleanly on SIGTERM. With
PostgreSQL: two worker processes on one port behind Caddy with TLS (the compose set-up
without the containers: no container engine runs on the test machine), many citizens at
once, each of their messages delivered to their tab once, whichever worker sent it."""

import asyncio
import os
import ssl
import subprocess
import sys
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from storage.db import Database
from storage.migrate import alembic_config
from storage.models import CaseRow, OutboxRow
from tests.e2e.deployed import Caddy, Deployed
from tests.e2e.webchat_citizen import WebChatCitizen
from tests.faults.waiting import eventually

CITIZENS = 16


async def schema_version(url: str) -> str | None:
    database = Database(url)
    try:
        async with database.reading() as session:
            return (await session.execute(text("SELECT version_num FROM alembic_version"))
                    ).scalar_one_or_none()
    finally:
        await database.dispose()


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def stored_codes(url: str) -> list[str]:
    database = Database(url)
    try:
        async with database.reading() as session:
            return list((await session.execute(select(CaseRow.code))).scalars())
    finally:
        await database.dispose()


async def webchat_outbox(url: str) -> Counter[str]:
    database = Database(url)
    try:
        async with database.reading() as session:
            return Counter(dict((await session.execute(
                select(OutboxRow.status, func.count()).where(OutboxRow.channel == "webchat")
                .group_by(OutboxRow.status))).all()))
    finally:
        await database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'pakn.db'}"
    return str(request.getfixturevalue("fresh_postgres"))


async def test_the_entrypoint_migrates_serves_and_stops(empty_database: str,
                                                        tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    deployed = Deployed(tmp_path / "data", empty_database)
    assert await deployed.run("health") == 1, "healthy before it started"
    try:
        await deployed.start()
        assert await schema_version(empty_database) == head()
        async with WebChatCitizen(deployed.url) as citizen:
            code = await citizen.file_pakn()
        assert await stored_codes(empty_database) == [code]
        assert await deployed.stop() == 0, deployed.log()
    finally:
        await deployed.kill()
    assert await deployed.run("health") == 1, "healthy after it stopped"


async def test_two_workers_behind_caddy(fresh_postgres: str, tmp_path: Path) -> None:
    deployed = Deployed(tmp_path / "service", fresh_postgres, workers=2)
    caddy = Caddy(tmp_path / "caddy", deployed.port)
    try:
        await deployed.start()
        await caddy.start()
        tls = ssl.create_default_context(cafile=await caddy_authority(caddy))
        await until_served(caddy.url, tls)

        async def citizen() -> tuple[str, str | None, list[int]]:
            async with WebChatCitizen(caddy.url, tls) as person:
                code = await person.file_pakn()
                return code, person.worker, [m["id"] for m in person.messages()]
        results = await asyncio.gather(*(citizen() for _ in range(CITIZENS)))
        codes = [code for code, _, _ in results]
        assert sorted(await stored_codes(fresh_postgres)) == sorted(codes)
        assert len(set(codes)) == CITIZENS
        assert {worker for _, worker, _ in results} == {"1", "2"}, "both workers served"
        # Each message the outbox sent reached its tab once, whichever worker sent it.
        pushed = [message for _, _, ids in results for message in ids]
        assert len(pushed) == len(set(pushed)), "a message shown twice"

        # A message is recorded sent in a batch of outcomes after it reached the tab.
        async def recorded() -> bool:
            return "pending" not in await webchat_outbox(fresh_postgres)
        await eventually(recorded, "the outcome of every message", 30)
        assert await webchat_outbox(fresh_postgres) == {"sent": len(pushed)}
        workers = worker_pids(deployed.output)
        assert len(workers) == 2
        assert await deployed.stop() == 0, deployed.log()
        assert not any(alive(pid) for pid in workers), "a worker outlived its pool"
    finally:
        await caddy.stop()
        await deployed.kill()


async def caddy_authority(caddy: Caddy) -> str:
    """The root certificate of Caddy's own authority, once it has made it."""
    root = caddy.workdir / "data" / "pki" / "authorities" / "local" / "root.crt"
    for _ in range(600):
        if root.is_file() and root.stat().st_size:
            return str(root)
        await asyncio.sleep(0.1)
    raise AssertionError("Caddy made no certificate authority")


async def until_served(url: str, tls: ssl.SSLContext) -> None:
    """Caddy has its certificate and passes the health check through."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls)) as session:
        for _ in range(600):
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("Caddy did not serve the service")


def worker_pids(output: list[str]) -> list[int]:
    return [int(line.rsplit("pid ", 1)[1].rstrip(")")) for line in output
            if "bot.runtime.workers" in line and "started (pid" in line]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize(("language", "said"), [
    ("vi", "pakn: --workers cần PostgreSQL"), ("en", "pakn: --workers needs PostgreSQL")])
@pytest.mark.parametrize("workers", ["2", "8"])
def test_workers_are_refused_on_sqlite(tmp_path: Path, language: str, said: str,
                                       workers: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAKN_")}
    env["PAKN_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'pakn.db'}"
    done = subprocess.run([sys.executable, "-m", "bot", "--lang", language, "serve",
                           "--workers", workers], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith(said) and done.stderr.count("\n") == 1, done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "pakn.db").exists(), "nothing is done before the refusal"


@pytest.mark.parametrize(("language", "said"), [
    ("vi", "pakn: --workers cần webhook"), ("en", "pakn: --workers needs webhooks")])
@pytest.mark.parametrize("channel", [
    {"PAKN_TELEGRAM_TOKEN": "123456:ABC-def"}, {"PAKN_ZALO_BOT_TOKEN": "zalo-token"}])
def test_workers_are_refused_when_a_channel_is_polled(
        tmp_path: Path, language: str, said: str, channel: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAKN_")}
    # Refused before the database is reached: this one does not exist.
    env.update(channel, PAKN_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:9/none")
    done = subprocess.run([sys.executable, "-m", "bot", "--lang", language, "serve",
                           "--workers", "2"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith(said) and done.stderr.count("\n") == 1, done.stderr
