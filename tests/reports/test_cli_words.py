"""What `pakn` prints for a person, in Vietnamese and in English, says channels, statuses,
roles, indicators, survey aspects and API scopes in words, on a database with a quarter
of data; the codes are printed only with `--json` (or under a heading naming the codes'
column, as `directory show` does)."""

import asyncio
import json
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.apikeys import SCOPES
from complaints.people import Role
from tests.e2e import published
from tests.web.test_no_raw_codes import codes, raw

PERIOD = "2026-Q3"


def words_of(texts: list[str], english: bool) -> set[str]:
    """The codes among the words, the roles' and API scopes' too (not English words);
    addresses (a link to the API, say) are not words."""
    texts = [re.sub(r"\S+://\S+", " ", text) for text in texts]
    found = raw(texts, english)
    listed = {r.value for r in Role} | {s.replace(":", "_") for s in SCOPES}
    if not english:
        found |= {word for text in texts for word in text.replace(":", "_").split()
                  if word.strip(".,;:()") in listed}
    return found


Run = Callable[..., Awaitable[str]]


@pytest.fixture
async def pakn(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> Run:
    """`pakn --lang L ARGS` on a database with a quarter of data: what it printed."""
    await published.seed(database_url)
    for name in [n for n in os.environ if n.startswith("PAKN_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PAKN_DATABASE_URL", database_url)
    # Posters and links point at the public address, which a deployment must set.
    monkeypatch.setenv("PAKN_PUBLIC_URL", "https://pakn.example.gov.vn")
    monkeypatch.chdir(tmp_path)

    async def run(language: str, *args: str) -> str:
        capsys.readouterr()
        # The command runs its own event loop: in a thread, beside the test's.
        code = await asyncio.to_thread(main, ["--lang", language, *args])
        printed = capsys.readouterr()
        assert code == 0, (args, printed.out, printed.err)
        return printed.out
    return run


async def test_the_commands_print_words_not_codes(pakn: Run, tmp_path: Path) -> None:
    shown = json.loads(await pakn("vi", "directory", "show", "--json"))
    procedure = shown["procedures"][0]["code"]
    unit = shown["units"][0]["code"]
    found: dict[str, set[str]] = {}
    for language in ("vi", "en"):
        outputs = {
            "stats": await pakn(language, "stats", "--period", PERIOD),
            "directory": await pakn(language, "directory", "show"),
            "calendar": await pakn(language, "calendar", "show", "2026"),
            "confirm": await pakn(language, "calendar", "confirm", "2026"),
            "invite": await pakn(language, "invite", "--role", "staff", "--unit", unit),
            "admin invite": await pakn(language, "invite", "--role", "admin"),
            "api-key": await pakn(language, "api-key", "create", "--name", "Cổng DVC",
                                 "--scope", SCOPES[0], "--scope", SCOPES[1]),
            "api-keys": await pakn(language, "api-key", "list"),
            "privacy record": await pakn(language, "privacy", "record", "--kind", "access",
                                        "--account", "1"),
            "privacy": await pakn(language, "privacy", "requests"),
            "qr": await pakn(language, "qr", "--procedure", procedure, "--unit", unit,
                            "-o", str(tmp_path / f"qr-{language}")),
            "export": await pakn(language, "export", "--period", PERIOD, "--format", "csv",
                                "-o", str(tmp_path / f"cases-{language}.csv")),
        }
        for name, output in outputs.items():
            found[f"{name} ({language})"] = words_of([output], english=language == "en")
        # In the language asked for.
        assert ("Lời mời" in outputs["invite"]) == (language == "vi"), outputs["invite"]
    assert not any(found.values()), {name: words for name, words in found.items() if words}
    # The check sees codes where they are meant to be: the machine-readable output.
    machine = await pakn("vi", "stats", "--period", PERIOD, "--json")
    assert raw([machine]) & codes(), "the scan finds the codes --json prints"
    assert words_of([await pakn("vi", "privacy", "requests", "--json")], english=False)
