"""`pakn calendar show YEAR` says which years and days are estimated (no government
decision bundled or entered) and `pakn calendar confirm YEAR` clears it, on both
databases."""

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("PAKN_TELEGRAM_TOKEN", "PAKN_PUBLIC_URL", "PAKN_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAKN_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    return database_url


def show(year: str, capsys: pytest.CaptureFixture[str], language: str = "en") -> str:
    assert main(["--lang", language, "calendar", "show", year]) == 0
    return capsys.readouterr().out


def test_a_year_without_decisions_is_estimated_until_confirmed(
        env: str, capsys: pytest.CaptureFixture[str]) -> None:
    shown = show("2027", capsys)
    assert "2027: estimated." in shown
    assert "06/02/2027" in shown and "(estimated)" in shown  # Tết Đinh Mùi by the Labour Code
    assert main(["--lang", "en", "calendar", "confirm", "2027", "--by", "Nguyễn Văn B"]) == 0
    assert "is confirmed" in capsys.readouterr().out
    shown = show("2027", capsys)
    assert "estimated" not in shown and "confirmed by Nguyễn Văn B" in shown
    assert main(["--lang", "en", "calendar", "confirm", "2027"]) == 0
    assert "confirmed before" in capsys.readouterr().out


def test_2026_is_decided_but_for_24_november(env: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    shown = show("2026", capsys)
    assert "2026: estimated days: 24/11/2026." in shown
    lines = {line.split()[0]: line for line in shown.splitlines() if line.startswith("  ")
             and "/" in line.split()[0]}
    assert "(estimated)" in lines["24/11/2026"]
    assert "12729/VPCP-KGVX" in lines["02/01/2026"] and "(estimated)" not in lines["02/01/2026"]
    assert not show("2025", capsys).count("estimated")
    # Declaring the day settles it without confirming the whole year.
    assert main(["--lang", "en", "calendar", "add-holiday", "2026-11-24",
                 "Quyết định của Thủ tướng (thử)"]) == 0
    capsys.readouterr()
    assert "estimated" not in show("2026", capsys)
    assert "2027: estimated." in show("2027", capsys)


@pytest.mark.parametrize("year", ["0", "1994", "2101", "năm", "-1"])
def test_a_year_out_of_range_is_refused(env: str, year: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--lang", "en", "calendar", "show", year])
    assert exited.value.code == 2
    assert "is not a year" in capsys.readouterr().err
