"""The data folder (PAKN_HOME): the service and every command find the same database,
whatever folder they are started from."""

from pathlib import Path

import pytest

from bot.runtime import home
from bot.runtime.settings import Settings


@pytest.fixture
def no_system_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(home, "SYSTEM_HOME", tmp_path / "var-lib-pakn-absent")


@pytest.mark.usefixtures("no_system_home")
@pytest.mark.parametrize(("env", "expected"), [
    ({"PAKN_HOME": "/srv/pakn", "HOME": "/home/a", "XDG_DATA_HOME": "/x"}, "/srv/pakn"),
    ({"HOME": "/home/a", "XDG_DATA_HOME": "/data"}, "/data/pakn"),
    ({"HOME": "/home/a"}, "/home/a/.local/share/pakn"),
    ({"HOME": "/home/a", "PAKN_HOME": "  "}, "/home/a/.local/share/pakn"),
])
def test_the_data_folder_comes_from_the_environment(env: dict[str, str], expected: str) -> None:
    assert home.home_of(env) == Path(expected)
    settings = Settings.from_env(env, dotenv=None)
    assert settings.home == Path(expected)
    assert settings.database_url == f"sqlite+aiosqlite:///{expected}/pakn.db"


def test_a_system_install_keeps_its_data_in_var_lib(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(home, "SYSTEM_HOME", tmp_path)
    assert home.home_of({"HOME": "/home/a"}) == tmp_path
    assert home.home_of({"HOME": "/home/a", "PAKN_HOME": "/srv/p"}) == Path("/srv/p")


@pytest.mark.usefixtures("no_system_home")
def test_the_folder_does_not_depend_on_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"HOME": str(tmp_path)}
    urls = set()
    for folder in (tmp_path, tmp_path / "a", tmp_path / "a" / "b"):
        folder.mkdir(exist_ok=True)
        monkeypatch.chdir(folder)
        urls.add(Settings.from_env(env, dotenv=None).database_url)
    assert len(urls) == 1
    monkeypatch.chdir(tmp_path / "a")
    relative = Settings.from_env({"PAKN_HOME": "data"}, dotenv=None)
    assert relative.home == tmp_path / "a" / "data", "made absolute once, at start"


def test_a_database_url_set_explicitly_wins() -> None:
    url = "postgresql+asyncpg://pakn@db/pakn"
    assert Settings.from_env({"PAKN_DATABASE_URL": url, "PAKN_HOME": "/srv/p"},
                             dotenv=None).database_url == url


def test_about_to_create_names_a_new_or_empty_sqlite_file(tmp_path: Path) -> None:
    url = home.database_url_in(tmp_path / "deep" / "home")
    created = home.about_to_create(url)
    assert created == tmp_path / "deep" / "home" / "pakn.db"
    assert created.parent.is_dir(), "the folder is made ready"
    created.write_bytes(b"")
    assert home.about_to_create(url) == created, "an empty file is no database yet"
    created.write_bytes(b"SQLite format 3\x00")
    assert home.about_to_create(url) is None
    assert home.about_to_create("postgresql+asyncpg://pakn@db/pakn") is None
    assert home.about_to_create("sqlite+aiosqlite:///:memory:") is None
