"""What `pakn` prints for a person, in Vietnamese and in English, says channels, statuses,
roles, indicators, survey aspects and API scopes in words, on a database with a quarter
of data; the codes are printed only with `--json` (or under a heading naming the codes'
column, as `directory show` does)."""

import json
from pathlib import Path

import pytest

from bot.apikeys import SCOPES
from complaints.people import Role
from tests.e2e import published
from tests.e2e.service import ServiceProcess
from tests.web.test_no_raw_codes import codes, raw

PERIOD = "2026-Q3"


def words_of(texts: list[str], english: bool) -> set[str]:
    """The codes among the words, the roles' and API scopes' too (not English words)."""
    found = raw(texts, english)
    listed = {r.value for r in Role} | {s.replace(":", "_") for s in SCOPES}
    if not english:
        found |= {word for text in texts for word in text.replace(":", "_").split()
                  if word.strip(".,;:()") in listed}
    return found


@pytest.fixture
async def pakn(database_url: str, tmp_path: Path) -> ServiceProcess:
    await published.seed(database_url)
    return ServiceProcess(tmp_path, database_url)


def run(pakn: ServiceProcess, language: str, *args: str) -> str:
    done = pakn.cli("--lang", language, *args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


async def test_the_commands_print_words_not_codes(pakn: ServiceProcess,
                                                  tmp_path: Path) -> None:
    shown = json.loads(run(pakn, "vi", "directory", "show", "--json"))
    procedure = shown["procedures"][0]["code"]
    unit = shown["units"][0]["code"]
    found: dict[str, set[str]] = {}
    for language in ("vi", "en"):
        outputs = {
            "stats": run(pakn, language, "stats", "--period", PERIOD),
            "directory": run(pakn, language, "directory", "show"),
            "calendar": run(pakn, language, "calendar", "show", "2026"),
            "confirm": run(pakn, language, "calendar", "confirm", "2026"),
            "invite": run(pakn, language, "invite", "--role", "staff", "--unit", unit),
            "admin invite": run(pakn, language, "invite", "--role", "admin"),
            "api-key": run(pakn, language, "api-key", "create", "--name", "Cổng DVC",
                           "--scope", SCOPES[0], "--scope", SCOPES[1]),
            "api-keys": run(pakn, language, "api-key", "list"),
            "privacy record": run(pakn, language, "privacy", "record", "--kind", "access",
                                  "--account", "1"),
            "privacy": run(pakn, language, "privacy", "requests"),
            "qr": run(pakn, language, "qr", "--procedure", procedure, "--unit", unit,
                      "-o", str(tmp_path / f"qr-{language}")),
            "export": run(pakn, language, "export", "--period", PERIOD, "--format", "csv",
                          "-o", str(tmp_path / f"cases-{language}.csv")),
        }
        for name, output in outputs.items():
            found[f"{name} ({language})"] = words_of([output], english=language == "en")
        # In the language asked for.
        assert ("Lời mời" in outputs["invite"]) == (language == "vi"), outputs["invite"]
    assert not any(found.values()), {name: words for name, words in found.items() if words}
    # The check sees codes where they are meant to be: the machine-readable output.
    machine = run(pakn, "vi", "stats", "--period", PERIOD, "--json")
    assert raw([machine]) & codes(), "the scan finds the codes --json prints"
    assert words_of([run(pakn, "vi", "privacy", "requests", "--json")], english=False)
