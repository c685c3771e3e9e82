"""Schema migrations with Alembic, run programmatically (no alembic.ini needed)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # configparser interpolation: a literal % in a URL (an encoded password) must be doubled
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the database to the latest schema. Runs its own event loop: call it before
    the service's loop starts (or from a worker thread)."""
    command.upgrade(alembic_config(url), "head")
