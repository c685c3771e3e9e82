"""A year of figures kept before the bot, imported from CSV, gives the indicators a
person computes by hand; the exports carry them, in Vietnamese, cell by cell."""

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main

RATINGS = "id,rated_at,unit,field,procedure,score,dossier,comment\n" + "".join(
    # 40 civil-status ratings in 2025: 37 satisfied (scores 4-5), 3 not.
    f"hs-{n},2025-0{1 + n % 9}-15T09:30,UBND-26428,ho_tich,1.001193,"
    f"{5 if n < 30 else 4 if n < 37 else 2},HS-{n:04d},\n" for n in range(40)) + "".join(
    # 35 land ratings: 30 satisfied; one comment with a phone number and Vietnamese text.
    f"dd-{n},2025-11-0{1 + n % 9} 14:00,PTNMT,dat_dai,,{4 if n < 30 else 1},DD-{n:04d},"
    f"{chr(34) + 'Chờ lâu quá, gọi 0912 345 678 không ai nghe' + chr(34) if n == 34 else ''}\n"
    for n in range(35)) + "".join(
    # 10 paper forms from a box at the desk, with no dossier: unverified, not counted.
    f"box-{n},2025-12-0{1 + n % 9} 10:00,PTNMT,dat_dai,,5,,\n" for n in range(10)) + \
    "late-2024,2024-12-31T23:59,PTNMT,dat_dai,,5,,\n"   # 2024 in local time

COMPLAINTS = "code,received_at,unit,field,area,due_at,resolved_at,rating,text\n" + "".join([
    # Due in 2025: resolved before or at the deadline (on time) ...
    "CU-001,2025-03-02T09:00,PTNMT,dat_dai,26428,2025-03-16T17:00,2025-03-10T10:00,5,"
    "Đường ngập sau mưa\n",
    "CU-002,2025-05-05T09:00,PTNMT,dat_dai,,2025-05-19T17:00,2025-05-19T17:00,4,\n",
    # ... a minute after it (late), never (late), and one with the deadline computed.
    "CU-003,2025-06-02T09:00,PTP,ho_tich,26431,2025-06-16T17:00,2025-06-16T17:01,2,"
    "Sai tên trong giấy khai sinh\n",
    "CU-004,2025-09-03T09:00,PTP,ho_tich,,2025-09-17T17:00,,,\n",
    "CU-005,2025-10-06T09:00,PKTHT,xay_dung,,,2025-10-08T09:00,5,\n",
])


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("PAKN_TELEGRAM_TOKEN", "PAKN_PUBLIC_URL", "PAKN_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAKN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ratings.csv").write_text(RATINGS, encoding="utf-8")
    (tmp_path / "complaints.csv").write_text(COMPLAINTS, encoding="utf-8")
    return tmp_path


def stats(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert main(["stats", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_imported_history_gives_the_hand_counted_indicators(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "import", "ratings", "ratings.csv"]) == 0
    assert "86 rows read, 86 new" in capsys.readouterr().out
    assert main(["--lang", "en", "import", "complaints", "complaints.csv"]) == 0
    assert "5 rows read, 5 new" in capsys.readouterr().out

    year = stats(capsys, "--period", "2025")
    # Satisfaction: (37 + 30) / 75 = 89.3%, under the 92% target; the ten forms without a
    # dossier are beside it, not in it.
    assert (year["satisfaction"]["numerator"], year["satisfaction"]["denominator"]) == (67, 75)
    unverified = year["satisfaction_unverified"]
    assert (unverified["numerator"], unverified["denominator"], unverified["met"]) == (
        10, 10, None)
    assert year["satisfaction"]["target"] == 0.92 and year["satisfaction"]["met"] is False
    # Wilson, by hand: centre 0.87417, half-width 0.07078.
    assert round(year["satisfaction"]["ci_low"], 4) == 0.8034
    assert round(year["satisfaction"]["ci_high"], 4) == 0.9450
    # On time: CU-001, CU-002 and CU-005 (deadline 15/10, from the calendar) of 5.
    assert (year["pakn_on_time"]["numerator"], year["pakn_on_time"]["denominator"]) == (3, 5)
    assert year["pakn_on_time"]["met"] is None, "5 cases: not enough data"
    # Handling: 5, 4, 2, 5 -> 3 of 4 satisfied.
    assert (year["pakn_satisfaction"]["numerator"],
            year["pakn_satisfaction"]["denominator"]) == (3, 4)
    land = year["by_field"]["dat_dai"]["satisfaction"]
    assert (land["numerator"], land["denominator"], land["target"], land["met"]) == (
        30, 35, 0.9, False)
    civil = year["by_field"]["ho_tich"]["satisfaction"]
    assert (civil["numerator"], civil["denominator"], civil["met"]) == (37, 40, True)
    assert stats(capsys, "--period", "2024")["satisfaction_unverified"]["denominator"] == 1
    scoped = stats(capsys, "--period", "2025-Q4", "--unit", "PTNMT")
    assert scoped["satisfaction"]["denominator"] == 35
    assert year["by_procedure"]["1.001193"]["satisfaction"]["denominator"] == 40
    assert year["by_channel"]["paper"]["satisfaction"]["denominator"] == 75
    assert year["by_channel"]["import"]["pakn_on_time"]["denominator"] == 5
    birth = stats(capsys, "--period", "2025", "--procedure", "1.001193")
    assert birth["satisfaction"]["denominator"] == 40 and birth["pakn_on_time"]["denominator"] == 0
    assert [m for m in year["by_month"]][:2] == ["2025-01", "2025-02"]

    # The same files again add nothing.
    assert main(["--lang", "en", "import", "ratings", "ratings.csv"]) == 0
    assert "86 rows read, 0 new, 86 already imported" in capsys.readouterr().out
    assert main(["--lang", "en", "import", "complaints", "complaints.csv"]) == 0
    assert "0 new" in capsys.readouterr().out
    assert stats(capsys, "--period", "2025")["satisfaction"]["denominator"] == 75


@pytest.mark.parametrize(("kind", "text", "error"), [
    ("ratings", "id,rated_at,unit,field,score\n1,2025-01-01,PTNMT,dat_dai,5\n"
                "2,2025-01-02,NOWHERE,dat_dai,5\n", "line 3: unit: unknown code 'NOWHERE'"),
    ("ratings", "id,rated_at,unit,field,score\n1,2025-13-01,PTNMT,dat_dai,5\n",
     "line 2: rated_at: not an ISO 8601 date or time: '2025-13-01'"),
    ("ratings", "id,rated_at,unit,field,score\n1,2025-01-01,PTNMT,dat_dai,6\n",
     "line 2: score: must be 1 to 5, got '6'"),
    ("ratings", "id,rated_at,unit,field\n", "line 1: missing column(s): score"),
    ("ratings", "id,rated_at,unit,field,score\n1,2025-01-01,PTNMT,dat_dai,5\n"
                "1,2025-01-02,PTNMT,dat_dai,4\n", "line 3: id '1' appears twice in the file"),
    ("complaints", "code,received_at,unit,field,resolved_at\n"
                   "X,2025-01-05T09:00,PTNMT,dat_dai,2025-01-01T09:00\n",
     "line 2: resolved_at comes before received_at"),
])
def test_a_bad_row_rejects_the_whole_file(env: Path, capsys: pytest.CaptureFixture[str],
                                          kind: str, text: str, error: str) -> None:
    (env / "bad.csv").write_text(text, encoding="utf-8")
    assert main(["--lang", "en", "import", kind, "bad.csv"]) == 1
    assert error in capsys.readouterr().err
    assert stats(capsys, "--period", "2025")["satisfaction"]["denominator"] == 0
    assert stats(capsys, "--period", "2025")["pakn_on_time"]["denominator"] == 0


def test_exports_in_vietnamese_cell_by_cell(env: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    main(["import", "ratings", "ratings.csv"])
    main(["import", "complaints", "complaints.csv"])
    capsys.readouterr()
    assert main(["export", "--period", "2025", "--format", "xlsx", "-o", "year.xlsx"]) == 0
    book = load_workbook(env / "year.xlsx", read_only=True)
    assert book.sheetnames == ["Tổng hợp", "Theo đơn vị", "Theo lĩnh vực", "PAKN",
                               "Hồ sơ TTHC", "Đánh giá"]
    summary = [list(row) for row in book["Tổng hợp"].iter_rows(values_only=True)]
    assert summary[0][0].startswith("Chỉ số 2025")
    assert summary[2][:5] == ["Mức độ hài lòng về thủ tục hành chính", 67, 75, 67 / 75, 0.92]
    assert summary[2][5] == "Không đạt"
    fields = {row[0]: row for row in book["Theo lĩnh vực"].iter_rows(min_row=2,
                                                                      values_only=True)}
    assert fields["dat_dai"][1] == "Đất đai" and fields["dat_dai"][2] == 30 / 35
    cases = list(book["PAKN"].iter_rows(values_only=True))
    assert cases[0][0] == "Mã số"
    first = cases[1]
    assert first[0] == "CU-001" and first[2] == "Phòng Tài nguyên và Môi trường"
    assert first[3] == "Đất đai" and first[4] == "Xã Xuân Bắc"
    assert first[1].strftime("%d/%m/%Y %H:%M") == "02/03/2025 09:00", "local time"
    assert first[10] == "có" and first[12] == 5
    late = next(row for row in cases if row[0] == "CU-003")
    assert late[10] == "không", "a minute after the deadline is late"
    # Words for people, the codes again at the end for programs.
    column = {name: index for index, name in enumerate(cases[0])}
    assert first[column["Kênh"]] == "Lịch sử nhập vào"
    assert first[column["Kênh (mã)"]] == "import"
    assert first[column["Trạng thái"]] == "Đã giải quyết xong"
    assert first[column["Trạng thái (mã)"]] == "resolved"
    ratings = list(book["Đánh giá"].iter_rows(values_only=True))
    assert len(ratings) == 1 + 85
    header = list(ratings[0])
    assert not {"overall", "access", "procedure"} & set(header), header
    assert any(str(name).startswith("Ông/Bà") or len(str(name)) > 25 for name in header)
    assert {row[header.index("Kênh")] for row in ratings[1:]} == {"Phiếu giấy"}
    comment = header.index("Góp ý")
    comments = [row[comment] for row in ratings[1:] if len(row) > comment and row[comment]]
    assert comments == ["Chờ lâu quá, gọi […] không ai nghe"], "no phone numbers"
    assert not any("HS-" in str(cell) for row in ratings for cell in row), "no dossiers"

    assert main(["export", "--period", "2025", "--format", "csv", "-o", "cases.csv"]) == 0
    raw = (env / "cases.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a BOM, so spreadsheet programs read UTF-8"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "Mã số" and rows[1][:2] == ["CU-001", "2025-03-02 09:00"]
    assert rows[1][2] == "Phòng Tài nguyên và Môi trường"


def test_stats_as_a_table(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["import", "ratings", "ratings.csv"])
    capsys.readouterr()
    assert main(["--lang", "en", "stats", "--period", "2025"]) == 0
    table = capsys.readouterr().out
    assert "Satisfaction with procedures: 89.3% (67/75) · target 92.0% · not met" in table
    assert "Land: satisfaction 85.7% (30/35) ✗" in table
    assert main(["stats", "--period", "2025"]) == 0
    assert "89,3% (67/75)" in capsys.readouterr().out, "Vietnamese by default"
