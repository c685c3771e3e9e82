"""Where the service keeps its data, so that the service and every `pakn` command find
the same database whatever the current folder: PAKN_HOME if set; else /var/lib/pakn when
that folder exists (a system install); else $XDG_DATA_HOME/pakn, by default
~/.local/share/pakn. The SQLite database is `pakn.db` in it (unless PAKN_DATABASE_URL
names another database)."""

from collections.abc import Mapping
from pathlib import Path

SYSTEM_HOME = Path("/var/lib/pakn")
DATABASE_FILE = "pakn.db"
SQLITE_PREFIX = "sqlite+aiosqlite:///"


def home_of(env: Mapping[str, str]) -> Path:
    explicit = (env.get("PAKN_HOME") or "").strip()
    if explicit:
        return Path(explicit).expanduser().absolute()
    if SYSTEM_HOME.is_dir():
        return SYSTEM_HOME
    data = (env.get("XDG_DATA_HOME") or "").strip()
    if data:
        return Path(data) / "pakn"
    user_home = (env.get("HOME") or "").strip()
    return (Path(user_home) if user_home else Path.home()) / ".local" / "share" / "pakn"


def database_url_in(home: Path) -> str:
    return f"{SQLITE_PREFIX}{home / DATABASE_FILE}"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for another database or one in memory."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    path = url.removeprefix(SQLITE_PREFIX).split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def about_to_create(url: str) -> Path | None:
    """The SQLite file a command is about to create (it does not exist, or is empty),
    its folder made ready; None when the database is there, or is not a file."""
    path = sqlite_file(url)
    if path is None:
        return None
    if path.is_file() and path.stat().st_size > 0:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
