"""The `pakn` command as an operator meets it: help without loading the application, no
library log lines, the same database from any folder (and a word when a command is about
to make a new, empty one), links that say when they only work here, codes and files
refused in one line, a busy port in one line."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import every_command, main

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "matplotlib", "telegram", "aiohttp", "alembic", "babel", "holidays",
         "openpyxl", "fpdf", "PIL", "yaml", "storage", "bot.app", "bot.runtime.settings")
PROBE = """
import contextlib, io, json, sys
from bot.cli import main
printed = io.StringIO()
for words in json.loads(sys.argv[1]):
    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(printed):
        main([*words, "--help"])
print(json.dumps({"printed": printed.getvalue(), "modules": sorted(sys.modules)}))
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("PAKN_TELEGRAM_TOKEN", "PAKN_PUBLIC_URL", "PAKN_PORT", "PAKN_DATABASE_URL",
                 "PAKN_DEFAULT_LANGUAGE", "PAKN_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAKN_HOME", str(tmp_path / "home"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return dict(os.environ)


def test_help_loads_none_of_the_application(env: dict[str, str]) -> None:
    """Every command's help, in one process: what it loaded by the end, none loaded."""
    every = every_command()
    assert ["staff", "revoke"] in every and ["import", "dossiers"] in every
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(every)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    found = json.loads(done.stdout)
    assert found["printed"].count("cách dùng: pakn") == len(every)
    heavy = sorted(name for name in found["modules"]
                   if any(name == h or name.startswith(h + ".") for h in HEAVY))
    assert heavy == []


def test_help_speaks_the_operators_language(env: dict[str, str]) -> None:
    english = subprocess.run([sys.executable, "-m", "bot", "--lang", "en", "staff", "--help"],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    vietnamese = subprocess.run([sys.executable, "-m", "bot", "staff", "--help"], cwd=ROOT,
                                env=env, capture_output=True, text=True, check=True)
    assert "usage: pakn staff" in english.stdout and "options:" in english.stdout
    assert "cách dùng: pakn staff" in vietnamese.stdout
    assert "options:" not in vietnamese.stdout and "show this help" not in vietnamese.stdout


def run(*args: str, env: dict[str, str], cwd: Path | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "--lang", "en", *args], env=env,
                          cwd=cwd or Path.cwd(), capture_output=True, text=True, timeout=120,
                          check=False)


def test_one_database_from_any_folder_and_a_word_when_one_is_made(
        env: dict[str, str], tmp_path: Path) -> None:
    first = run("migrate", env=env)
    assert first.returncode == 0
    [warning] = first.stderr.splitlines()
    assert warning.startswith("pakn: warning: no database at ") and "PAKN_HOME" in warning
    assert str(tmp_path / "home" / "pakn.db") in warning
    made = run("invite", "--role", "admin", env=env)
    assert made.returncode == 0 and "no database" not in made.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    again = run("api-key", "list", env=env, cwd=elsewhere)
    assert again.returncode == 0 and again.stderr == "", "the same database, found from there"
    assert not (elsewhere / "pakn.db").exists() and not (Path.cwd() / "pakn.db").exists()


def test_no_library_log_lines_unless_verbose(env: dict[str, str]) -> None:
    quiet = run("migrate", env=env)
    assert quiet.returncode == 0
    assert "alembic" not in quiet.stderr and "INFO" not in quiet.stderr
    fresh = dict(env, PAKN_HOME=env["PAKN_HOME"] + "-2")
    loud = subprocess.run([sys.executable, "-m", "bot", "-v", "migrate"], env=fresh,
                          capture_output=True, text=True, timeout=120, check=False)
    assert "alembic.runtime.migration" in loud.stderr, "-v shows them"


def test_links_say_when_they_work_only_here(env: dict[str, str], tmp_path: Path) -> None:
    local = run("invite", "--role", "admin", env=env)
    assert "PAKN_PUBLIC_URL is not set" in local.stderr and "http://127.0.0.1:8080/" in \
        local.stdout
    public = run("invite", "--role", "admin",
                 env=dict(env, PAKN_PUBLIC_URL="https://pakn.example.vn"))
    assert public.stderr == "" and "open https://pakn.example.vn/ and send" in public.stdout
    poster = run("qr", "--procedure", "1.001193", "-o", str(tmp_path / "qr"), env=env)
    assert poster.returncode == 2 and not (tmp_path / "qr").exists()
    assert poster.stderr.strip().startswith("pakn: set PAKN_PUBLIC_URL first")
    assert poster.stdout == ""


@pytest.mark.parametrize(("option", "code", "what"), [
    ("--unit", "NOPE", "unit"), ("--field", "nope", "field"),
    ("--procedure", "9.999999", "procedure")])
def test_unknown_codes_are_refused_in_one_line(env: dict[str, str], tmp_path: Path,
                                               option: str, code: str, what: str) -> None:
    for command in (["stats"], ["export", "--format", "csv", "-o", str(tmp_path / "x.csv")]):
        done = run(*command, "--period", "2026", option, code, env=env)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.strip().splitlines()[-1] == \
            f"pakn: unknown {what} '{code}' (see: pakn directory show)"
    assert not (tmp_path / "x.csv").exists()


def test_an_unwritable_export_is_refused_in_one_line(env: dict[str, str],
                                                     tmp_path: Path) -> None:
    for target, reason in ((tmp_path / "missing" / "x.xlsx", "No such file or directory"),
                           (tmp_path, "Is a directory")):
        done = run("export", "--period", "2026", "-o", str(target), env=env)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.strip() == f"pakn: cannot write {target}: {reason}"


def test_a_busy_port_is_one_line_and_no_banner(env: dict[str, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run("serve", env=dict(env, PAKN_PORT=str(port)))
        vietnamese = subprocess.run([sys.executable, "-m", "bot", "serve"],
                                    env=dict(env, PAKN_PORT=str(port)), capture_output=True,
                                    text=True, timeout=60, check=False)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == (f"pakn: port {port} on 127.0.0.1 is already in use: is "
                                   "the service running already? Stop it, or choose another "
                                   "port with PAKN_PORT.")
    assert vietnamese.returncode == 1 and len(vietnamese.stderr.strip().splitlines()) == 1
    assert f"cổng {port}" in vietnamese.stderr
    assert not (Path(env["PAKN_HOME"]) / "pakn.db").exists(), "nothing touched before"


def test_the_default_command_is_serve(env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setenv("PAKN_PORT", str(busy.getsockname()[1]))
        assert main(["--lang", "en"]) == 1
    assert "already in use" in capsys.readouterr().err
