"""Every user-visible string is in the catalogs, and Vietnamese is complete."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{[a-z_]+(?:![rs])?\}|%\([a-z_]+\)[sr]|%[sr]")


def catalog(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def extracted(tmp_path: Path) -> Catalog:
    """What the code asks to translate today (the same command as `make i18n-extract`)."""
    target = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    "babel.cfg", "-k", "_", "-k", "N_", "-k", "SettingsError", "-k",
                    "ngettext:1,2", "--no-location", "-o",
                    str(target), "."], cwd=ROOT, check=True, capture_output=True)
    return catalog(target)


def test_every_string_in_the_code_has_a_vietnamese_translation(tmp_path: Path) -> None:
    vietnamese = catalog(ROOT / "locales/vi/LC_MESSAGES/messages.po")
    english = catalog(ROOT / "locales/en/LC_MESSAGES/messages.po")
    wanted = [m.id for m in extracted(tmp_path) if m.id]
    assert len(wanted) > 100
    missing = [m for m in wanted if m not in vietnamese or not vietnamese[m].string]
    assert not missing, f"run `make i18n-update` and translate: {missing}"
    fuzzy = [m.id for m in vietnamese if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy Vietnamese entries: {fuzzy}"
    assert not [m for m in wanted if m not in english], "run `make i18n-update`"


def test_translations_keep_their_placeholders() -> None:
    vietnamese = catalog(ROOT / "locales/vi/LC_MESSAGES/messages.po")
    for message in vietnamese:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for translated in strings:
            assert sorted(PLACEHOLDER.findall(translated)) == wanted, message.id
