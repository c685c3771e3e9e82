"""The workers' pools are fitted to the connections PostgreSQL allows: at most what
PAKN_DATABASE_POOL_SIZE asks, never more connections than the server takes (some kept for
the commands), and a clear refusal when not even a pool of one fits."""

import asyncio

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import make_url

from bot.commands.serve import fit_pools
from bot.present.i18n import use_locale
from bot.runtime.connections import SPARE, available, connections_of, pool_size_within
from bot.runtime.settings import Settings
from tests.conftest import POSTGRES


@given(wanted=st.integers(1, 1000), processes=st.integers(1, 64),
       room=st.integers(0, 10_000))
def test_the_largest_pool_that_fits(wanted: int, processes: int, room: int) -> None:
    size = pool_size_within(wanted, processes, room)
    if size is None:
        assert connections_of(1, processes) + SPARE > room
        return
    assert 1 <= size <= wanted
    assert connections_of(size, processes) + SPARE <= room
    assert size == wanted or connections_of(size + 1, processes) + SPARE > room


@pytest.fixture
def server() -> str:
    if POSTGRES is None:
        pytest.skip("PAKN_TEST_POSTGRES_URL is not set")
    return POSTGRES


async def server_room(url: str) -> int:
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql")
                                       .render_as_string(hide_password=False))
    try:
        most = int(await connection.fetchval("SHOW max_connections"))
        reserved = int(await connection.fetchval("SHOW superuser_reserved_connections"))
        if int(await connection.fetchval("SHOW server_version_num")) >= 160000:
            reserved += int(await connection.fetchval("SHOW reserved_connections"))
    finally:
        await connection.close()
    return most - reserved


async def test_the_server_s_room_is_read(server: str) -> None:
    assert await available(server) == await server_room(server)


def test_pools_too_large_for_the_server_are_made_smaller(
        server: str, capsys: pytest.CaptureFixture[str]) -> None:
    room = asyncio.run(server_room(server))
    settings = Settings(database_url=server, database_pool_size=1000)
    with use_locale("vi"):
        fitted = fit_pools(settings, 4, tell=True)
    assert isinstance(fitted, Settings)
    size = fitted.database_pool_size
    assert size == pool_size_within(1000, 4, room)
    assert connections_of(size, 4) + SPARE <= room
    warning = capsys.readouterr().err
    assert "PAKN_DATABASE_POOL_SIZE=1000" in warning and f"chỉ giữ {size}." in warning
    # A worker of the pool fits its own alike, silently.
    assert fit_pools(settings, 4, tell=False) == fitted
    assert capsys.readouterr().err == ""


def test_pools_that_fit_are_kept(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(database_url=server, database_pool_size=2)
    assert fit_pools(settings, 2, tell=True) == settings
    assert capsys.readouterr().err == ""


def test_more_workers_than_the_server_takes_are_refused(server: str) -> None:
    with use_locale("en"):
        refused = fit_pools(Settings(database_url=server), 60, tell=True)
    assert isinstance(refused, str)
    assert refused.startswith(f"60 workers need at least {connections_of(1, 60) + SPARE} "
                              "connections to PostgreSQL")
