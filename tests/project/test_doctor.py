"""`pakn doctor`'s checks, each against the real thing it looks at: the database
(SQLite and PostgreSQL), the fake Bot API's getWebhookInfo, the fake Zalo Bot API, an
HTTP server standing for the public address, the disk, the record of backups; and the
command's exit code, the worst level found."""

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.cli import build_parser, main
from bot.core import calendar as calendar_use_cases
from bot.core.records import ZaloTokens
from bot.present.i18n import use_locale
from bot.runtime import doctor
from bot.runtime.backups import LAST_BACKUP_META
from bot.runtime.doctor import Checkup, Finding, Level, as_line, examine, worst
from bot.runtime.settings import Settings
from storage.db import Database
from storage.migrate import alembic_config
from storage.uow import Store
from tests.conversation.harness import MONDAY_MORNING, Harness
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.zalo_bot_api import FakeZaloBotApi

TOKEN = "123456789:doctor-token"
NOW = MONDAY_MORNING
KEY = "k" * 40


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with use_locale("en"):
        yield


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def checkup(bot: Harness, http: aiohttp.ClientSession, tmp_path: Path) -> Checkup:
    settings = dataclasses.replace(bot.settings, pseudonym_key=KEY,
                                   backup_dir=tmp_path / "backups")
    return Checkup(settings, bot.store, http, NOW)


def having(c: Checkup, **settings: Any) -> Checkup:
    return dataclasses.replace(c, settings=dataclasses.replace(c.settings, **settings))


async def test_configuration(checkup: Checkup) -> None:
    assert (await doctor.configuration(checkup)).level is Level.OK
    for changed in ({"pseudonym_key": None}, {"public_url": "http://pakn.example.vn"}):
        found = await doctor.configuration(having(checkup, **changed))
        assert found.level is Level.WARNING and found.todo


async def test_database_reachable_and_migrated(checkup: Checkup, tmp_path: Path) -> None:
    found = await doctor.database(checkup)
    assert found.level is Level.OK and "up to date" in found.found
    older = f"sqlite+aiosqlite:///{tmp_path / 'older.db'}"
    await asyncio.to_thread(command.upgrade, alembic_config(older), "0012")
    for url, words in ((older, "schema at 0012"),
                       ("postgresql+asyncpg://nobody@127.0.0.1:1/none", "not reachable")):
        database = Database(url, pool_timeout=2)
        try:
            c = dataclasses.replace(having(checkup, database_url=url), store=Store(database))
            found = await doctor.database(c)
            assert found.level is Level.ERROR and words in found.found, found
            if "reachable" in words:  # the checks that need it are left out, not failed
                subjects = [f.subject for f in await examine(c)]
                assert "Directory" not in subjects and "Backups" not in subjects
                assert "Database" in subjects
        finally:
            await database.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_workers_connections_against_postgresql(checkup: Checkup) -> None:
    """Enough room, a pool the service will make smaller, and not even a pool of one:
    as `pakn serve --workers N` fits them at start (bot.commands.serve)."""
    async with checkup.store.database.reading() as session:
        room = int((await session.execute(text("SHOW max_connections"))).scalar_one()) - int(
            (await session.execute(text("SHOW superuser_reserved_connections"))).scalar_one())
    assert checkup.settings.database_pool_size == 10

    fits = await doctor.connections(dataclasses.replace(checkup, workers=1))
    assert fits.level is Level.OK, fits
    assert fits.found == f"1 worker(s) with pools of 10 open at most 31 connections; " \
                         f"PostgreSQL allows {room}"

    workers = room // 8  # room for pools of about two each
    smaller = await doctor.connections(dataclasses.replace(checkup, workers=workers))
    assert smaller.level is Level.WARNING, smaller
    size = int(smaller.todo.rsplit("=", 1)[1])
    assert 1 <= size < 10 and workers * (3 * size + 1) <= room
    assert workers * (3 * (size + 1) + 1) > room - 5, "the largest that fits, 5 kept spare"
    assert f"PostgreSQL allows {room}, so each pool will hold {size}" in smaller.found

    none = await doctor.connections(dataclasses.replace(checkup, workers=room))
    assert none.level is Level.ERROR, none
    assert none.found.startswith(f"{room} worker(s) need at least {4 * room + 5} ")
    assert "fewer workers" in none.todo


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_workers_connections_on_sqlite(checkup: Checkup) -> None:
    finding = await doctor.connections(dataclasses.replace(checkup, workers=4))
    assert (finding.level, finding.found) == (Level.OK,
                                              "SQLite: no server connections to count")


async def test_directory(checkup: Checkup, tmp_path: Path) -> None:
    found = await doctor.directory(checkup)
    assert found.level is Level.OK and "units" in found.found
    empty = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    await asyncio.to_thread(command.upgrade, alembic_config(empty), "head")
    database = Database(empty)
    try:
        found = await doctor.directory(dataclasses.replace(checkup, store=Store(database)))
        assert found.level is Level.ERROR and "pakn directory import" in found.todo
    finally:
        await database.dispose()


async def test_calendar_of_this_year_and_the_next(checkup: Checkup) -> None:
    year = NOW.year
    found = await doctor.calendar(checkup)
    assert found.level is Level.WARNING and str(year + 1) in found.found, found
    async with checkup.store.unit_of_work() as uow:
        for confirmed in (year, year + 1):
            await calendar_use_cases.confirm(uow, "admin", confirmed, NOW)
    found = await doctor.calendar(checkup)
    assert found.level is Level.OK, found


async def test_public_address_reachable_from_here(checkup: Checkup) -> None:
    assert (await doctor.public_url(checkup)).level is Level.WARNING  # not set
    answers = {"status": 200}

    async def health(request: web.Request) -> web.Response:
        return web.json_response({}, status=answers["status"])
    app = web.Application()
    app.router.add_get("/healthz", health)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("")).rstrip("/")
        assert (await doctor.public_url(having(checkup, public_url=url))).level is Level.OK
        answers["status"] = 503
        found = await doctor.public_url(having(checkup, public_url=url))
        assert found.level is Level.ERROR and "503" in found.found
    found = await doctor.public_url(having(checkup, public_url=url))
    assert found.level is Level.ERROR and "cannot be reached" in found.found


async def test_telegram_webhook_info(checkup: Checkup) -> None:
    assert (await doctor.telegram(checkup)).level is Level.OK  # not configured
    api = await FakeBotApi(TOKEN).start()
    try:
        c = having(checkup, telegram_token=TOKEN, telegram_api_url=api.url,
                   public_url="https://pakn.example.vn", telegram_webhook_secret="s")
        found = await doctor.telegram(c)
        assert found.level is Level.ERROR and "restart" in found.todo, "no webhook set"
        api.webhook["url"] = "https://pakn.example.vn/webhook/telegram"
        assert (await doctor.telegram(c)).level is Level.OK
        api.webhook["pending_update_count"] = 250
        found = await doctor.telegram(c)
        assert found.level is Level.WARNING and "250" in found.found
        api.webhook.update(last_error_date=int((NOW - timedelta(hours=1)).timestamp()),
                           last_error_message="Connection timed out")
        found = await doctor.telegram(c)
        assert found.level is Level.WARNING and "Connection timed out" in found.found
        api.webhook.update(last_error_date=int((NOW - timedelta(days=3)).timestamp()),
                           pending_update_count=0)
        assert (await doctor.telegram(c)).level is Level.OK, "an old error is past"
        # Long polling: no webhook may be set.
        polling = having(c, public_url=None)
        assert (await doctor.telegram(polling)).level is Level.ERROR
        api.webhook["url"] = ""
        assert (await doctor.telegram(polling)).level is Level.OK
        found = await doctor.telegram(having(polling, telegram_token="1:wrong"))
        assert found.level is Level.ERROR and "token" in found.found
    finally:
        await api.stop()
    found = await doctor.telegram(c)
    assert found.level is Level.ERROR and "cannot be reached" in found.found


async def test_zalo_tokens(checkup: Checkup) -> None:
    assert (await doctor.zalo(checkup)).level is Level.OK  # not configured
    api = await FakeZaloBotApi("zalo-token").start()
    try:
        c = having(checkup, zalo_bot_token="zalo-token", zalo_bot_api_url=api.url)
        assert (await doctor.zalo(c)).level is Level.OK
        found = await doctor.zalo(having(c, zalo_bot_token="refused"))
        assert found.level is Level.ERROR and "refused" in found.found
    finally:
        await api.stop()
    oa = having(checkup, zalo_oa_app_id="app", zalo_oa_secret_key="s", zalo_app_secret="s")
    found = await doctor.zalo(oa)
    assert found.level is Level.ERROR and "set-token" in found.todo
    for renewed, level in ((NOW - timedelta(days=3), Level.OK),
                           (NOW - timedelta(days=120), Level.ERROR)):
        async with checkup.store.unit_of_work() as uow:
            await uow.zalo_tokens.save(ZaloTokens("a", "r", renewed + timedelta(hours=1),
                                                  renewed))
        assert (await doctor.zalo(oa)).level is level


async def test_disk_space(checkup: Checkup, monkeypatch: pytest.MonkeyPatch) -> None:
    found = await doctor.disk(checkup)
    assert found.level is Level.OK and "MB free" in found.found
    # The thresholds moved above what the disk has: the same disk is short of space.
    monkeypatch.setattr(doctor, "DISK_WARNING", 1 << 60)
    assert (await doctor.disk(checkup)).level is Level.WARNING
    monkeypatch.setattr(doctor, "DISK_ERROR", 1 << 60)
    assert (await doctor.disk(checkup)).level is Level.ERROR


async def test_age_of_the_last_backup(checkup: Checkup) -> None:
    found = await doctor.backups(checkup)
    assert found.level is Level.WARNING and "pakn backup" in found.todo
    for age, every, level in ((timedelta(hours=3), 0, Level.OK),
                              (timedelta(hours=49), 0, Level.WARNING),
                              (timedelta(hours=13), 6, Level.WARNING),
                              (timedelta(hours=11), 6, Level.OK)):
        async with checkup.store.unit_of_work() as uow:
            await uow.meta.set(LAST_BACKUP_META, json.dumps(
                {"at": (NOW - age).isoformat(), "path": "x.tar"}))
        found = await doctor.backups(having(checkup, backup_every=every))
        assert found.level is level, (age, every)


def test_levels_and_lines() -> None:
    ok, warn, error = (Finding("A", Level.OK, "fine", "nothing"),
                       Finding("B", Level.WARNING, "odd", "look"),
                       Finding("C", Level.ERROR, "broken", "fix it"))
    assert worst([]) is Level.OK and worst([ok]) is Level.OK
    assert worst([ok, warn]) is Level.WARNING and worst([warn, error, ok]) is Level.ERROR
    assert as_line(ok) == "[ok] A: fine" and as_line(error) == "[error] C: broken — fix it"


@pytest.mark.parametrize("language", ["en", "vi"])
def test_the_command_exits_with_the_worst_level(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        language: str) -> None:
    for name in ("PAKN_TELEGRAM_TOKEN", "PAKN_PUBLIC_URL", "PAKN_ZALO_BOT_TOKEN",
                 "PAKN_ZALO_OA_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAKN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    monkeypatch.setenv("PAKN_PSEUDONYM_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    assert main(["--lang", language, "migrate"]) == 0
    capsys.readouterr()
    assert main(["--lang", language, "doctor"]) == 2, "no directory loaded"
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10
    error = "[error]" if language == "en" else "[lỗi]"
    assert any(line.startswith(error) for line in lines), lines
    assert main(["--lang", language, "directory", "show"]) == 0  # loads the directory
    capsys.readouterr()
    assert main(["--lang", language, "doctor"]) == 1, "warnings only (no public address)"
    for wrong in ("0", "two", "-3"):
        with pytest.raises(SystemExit) as refused:
            main(["--lang", language, "doctor", "--workers", wrong])
        assert refused.value.code == 2
        told = capsys.readouterr().err
        assert ("a whole number of 1 or more" if language == "en"
                else "một số nguyên từ 1 trở lên") in told, told


def test_settings_of_backups_and_the_pool() -> None:
    read = Settings.from_env({"PAKN_BACKUP_DIR": "/srv/backups", "PAKN_BACKUP_EVERY": "6",
                              "PAKN_BACKUP_KEEP": "3", "PAKN_DATABASE_POOL_SIZE": "4",
                              "PAKN_DATABASE_POOL_TIMEOUT": "2"}, dotenv=None)
    assert (read.backup_dir, read.backup_every, read.backup_keep) == (
        Path("/srv/backups"), 6, 3)
    assert (read.database_pool_size, read.database_pool_timeout) == (4, 2)
    assert (Settings().backup_every, Settings().backup_keep) == (0, 14)  # the defaults


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.integers().map(str), st.text(max_size=12)))
def test_doctor_takes_a_whole_number_of_workers_and_refuses_the_rest(
        text: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Whatever is given as --workers: a whole number of 1 or more is taken, anything else
    is refused with the reason (argparse's exit 2), never a traceback."""
    try:
        wanted = int(text)
    except ValueError:
        wanted = 0
    parser = build_parser()
    if wanted >= 1:
        assert parser.parse_args(["doctor", f"--workers={text}"]).workers == wanted
        return
    with pytest.raises(SystemExit) as refused:
        parser.parse_args(["doctor", f"--workers={text}"])
    assert refused.value.code == 2
    assert "a whole number of 1 or more" in capsys.readouterr().err
