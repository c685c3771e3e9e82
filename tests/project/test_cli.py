"""The `pakn` command line: directory import and show, invites, configuration errors."""

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.present.i18n import current_language

GOOD = """
code: "999"
name: {vi: "Huyện Thử", en: "Test District"}
focal_unit: VP
areas:
  - {code: "A1", name: {vi: "Xã Một"}}
units:
  - {code: VP, kind: district_office, name: {vi: "Văn phòng"}}
  - {code: X1, kind: commune, area: "A1", name: {vi: "UBND xã Một"}}
fields:
  - {code: ho_tich, name: {vi: "Hộ tịch", en: "Civil status"}}
routing:
  - {field: ho_tich, unit: VP, to_area_unit: true}
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("PAKN_TELEGRAM_TOKEN", "PAKN_PUBLIC_URL", "PAKN_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAKN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_show_loads_the_bundled_directory(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "directory", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["code"] == "741" and shown["focal_unit"] == "VP"
    assert [a["code"] for a in shown["areas"]][:2] == ["26425", "26428"]
    assert {"code": "1.001193", "name": {"vi": "Đăng ký khai sinh", "en": "Birth registration"},
            "field": "ho_tich", "level": "commune"} in shown["procedures"]


def test_import_replaces_the_directory(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "test.yaml").write_text(GOOD, encoding="utf-8")
    assert main(["--lang", "en", "directory", "import", "test.yaml"]) == 0
    assert "1 areas, 2 units, 1 fields" in capsys.readouterr().out
    assert main(["--lang", "en", "directory", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["name"]["vi"] == "Huyện Thử"
    assert [u["code"] for u in shown["units"]] == ["VP", "X1"]


def test_a_bad_file_is_rejected_whole_with_its_line(env: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = GOOD.replace("  - {field: ho_tich, unit: VP, to_area_unit: true}",
                       "  - {field: ho_tich, unit: NOWHERE}")
    (env / "bad.yaml").write_text(bad, encoding="utf-8")
    assert main(["--lang", "en", "directory", "import", "bad.yaml"]) == 1
    error = capsys.readouterr().err
    assert error.strip() == ("pakn: bad.yaml: line 13: routing: unknown unit 'NOWHERE' "
                             "(nothing was imported)")
    assert main(["--lang", "en", "directory", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["code"] == "741", "the directory in use is kept"


def test_invites(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "invite", "--role", "staff", "--unit", "PTNMT"]) == 0
    out = capsys.readouterr().out
    assert "/start inv_" in out and "PAKN_TELEGRAM_TOKEN" in out
    assert main(["--lang", "en", "invite", "--role", "staff", "--unit", "NOPE"]) == 2
    assert "unknown unit 'NOPE'" in capsys.readouterr().err
    assert main(["invite", "--role", "staff"]) == 2
    assert main(["invite", "--role", "admin"]) == 0


def test_invalid_settings_stop_with_one_line(env: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """In the operator's language, the variable named as it is written."""
    monkeypatch.setenv("PAKN_PORT", "eighty")
    assert main(["migrate"]) == 2
    assert capsys.readouterr().err.strip() == (
        "pakn: lỗi cấu hình: PAKN_PORT: phải là số nguyên, nhận được 'eighty'")
    assert main(["--lang", "en", "migrate"]) == 2
    assert capsys.readouterr().err.strip() == (
        "pakn: configuration error: PAKN_PORT: must be a whole number, got 'eighty'")
    monkeypatch.setenv("PAKN_PORT", "8080")
    monkeypatch.setenv("PAKN_SMTP_HOST", "mail.example.gov.vn")
    assert main(["migrate"]) == 2
    assert capsys.readouterr().err.strip() == (
        "pakn: lỗi cấu hình: PAKN_MAIL_FROM: bắt buộc khi có PAKN_SMTP_HOST")


def test_a_command_s_language_stays_with_the_command(env: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`pakn --lang en` speaks English for its own run; a caller in the same process (a
    test, the service) keeps the language it had."""
    assert main(["--lang", "en", "directory", "show"]) == 0
    assert "Areas:" in capsys.readouterr().out, "the command spoke English"
    assert current_language() == "vi"
