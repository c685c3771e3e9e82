"""The organisation of today as the bundled default, the 2022 one as a dated version, the
mapping between them, and units' successors: who takes over a case, where a record
counts as organised now."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import bundled_directory_text
from complaints.directory import (
    Choice,
    Directory,
    Field,
    Name,
    RoutingRule,
    Unit,
    UnitKind,
    choose_successor,
)
from complaints.directory_file import parse_directory, parse_mapping
from complaints.errors import DirectoryError
from tests.conftest import CURRENT_DIRECTORY

TODAY = parse_directory(bundled_directory_text(CURRENT_DIRECTORY))
OLD = parse_directory(bundled_directory_text("xuan_loc_2022.yaml"))
MAPPING_TEXT = bundled_directory_text("xuan_loc_2022_to_2025.csv")
MAPPING = parse_mapping(MAPPING_TEXT, OLD, TODAY)


# --- the default directory --------------------------------------------------------------

def test_the_default_is_the_organisation_of_today() -> None:
    assert CURRENT_DIRECTORY == "dong_nai_xuan_loc.yaml"
    assert TODAY.code == "75" and TODAY.effective_from == date(2025, 7, 1)
    assert TODAY.effective_to is None
    communes = {u.area: u.name.vi for u in TODAY.units if u.kind is UnitKind.COMMUNE}
    # NQ 1662/NQ-UBTVQH15 and the code list of QĐ 19/2025/QĐ-TTg, as cited in the file.
    assert communes == {"26425": "UBND xã Xuân Lộc", "26428": "UBND xã Xuân Bắc",
                        "26434": "UBND xã Xuân Thành", "26446": "UBND xã Xuân Hòa",
                        "26458": "UBND xã Xuân Phú", "26461": "UBND xã Xuân Định",
                        "26359": "UBND xã Xuân Đông"}
    assert all(u.effective_from == date(2025, 7, 1) for u in TODAY.units)
    assert TODAY.unit(TODAY.focal_unit).name.vi == "Văn phòng Ủy ban nhân dân tỉnh Đồng Nai"


def test_no_unit_of_today_is_a_district_one() -> None:
    for unit in TODAY.units:
        assert unit.kind is not UnitKind.DISTRICT_OFFICE
        assert "huyện" not in unit.name.vi.lower()
        assert "district" not in (unit.name.en or "").lower()
    assert {p.level for p in TODAY.procedures} <= {"commune", "province"}


def test_everything_the_default_refers_to_exists() -> None:
    for rule in TODAY.rules:
        assert TODAY.has_unit(rule.unit)
        assert rule.field is None or TODAY.has_field(rule.field)
        assert rule.area is None or TODAY.has_area(rule.area)
    for procedure in TODAY.procedures:
        assert TODAY.has_field(procedure.field)
    for unit in TODAY.units:
        assert unit.area is None or TODAY.has_area(unit.area)
    assert all(TODAY.unit_for_area(area.code) is not None for area in TODAY.areas)


@pytest.mark.parametrize("field,unit", [
    ("dat_dai", "SNNMT"), ("moi_truong", "SNNMT"), ("xay_dung", "SXD"), ("dau_tu", "STC"),
    ("ho_tich", "STP"), ("bao_tro_xa_hoi", "SYT"), ("nguoi_co_cong", "SNV"),
    ("cu_tru", "CAT"), ("khac", "VPUBND")])
def test_fields_go_to_the_provinces_departments(field: str, unit: str) -> None:
    assert TODAY.route(field, None).code == unit


@pytest.mark.parametrize("field", ["dat_dai", "xay_dung", "ho_tich", "chung_thuc",
                                   "dang_ky_kinh_doanh", "bao_tro_xa_hoi"])
def test_what_communes_settle_goes_to_the_commune(field: str) -> None:
    # Since 1/7/2025 the communes settle these for households and individuals.
    for area in TODAY.areas:
        assert TODAY.route(field, area.code).code == f"XA-{area.code}"


def test_the_2022_organisation_is_a_dated_version() -> None:
    assert OLD.code == "741" and OLD.effective_to == date(2025, 6, 30)
    assert all(u.effective_to == date(2025, 6, 30) for u in OLD.units)


# --- the bundled mapping ---------------------------------------------------------------

def test_the_bundled_mapping_follows_the_resolution() -> None:
    merged_into = {
        "XA-26425": {"UBND-26425", "UBND-26437", "UBND-26440", "UBND-26452", "UBND-26455"},
        "XA-26428": {"UBND-26428"}, "XA-26434": {"UBND-26431", "UBND-26434"},
        "XA-26446": {"UBND-26443", "UBND-26446", "UBND-26449"},
        "XA-26458": {"UBND-26458", "UBND-26467"}, "XA-26461": {"UBND-26461", "UBND-26464"},
        "XA-26359": {"UBND-26449"}}
    for new, olds in merged_into.items():
        assert {old for old, after in MAPPING.items() if new in after} == olds
    assert MAPPING["UBND-26449"] == ("XA-26446", "XA-26359"), "Xuân Tâm was split in two"
    assert set(MAPPING) == {u.code for u in OLD.units}, "every 2022 unit has a successor"


def _rows() -> list[str]:
    return MAPPING_TEXT.strip().splitlines()[1:]


@given(st.sets(st.integers(0, len(_rows()) - 1)))
def test_a_mapping_missing_rows_is_refused_when_a_unit_loses_its_successors(
        dropped: set[int]) -> None:
    rows = [row for n, row in enumerate(_rows()) if n not in dropped]
    orphans = {u.code for u in OLD.units} - {row.split(",")[0] for row in rows}
    text = "\n".join(["old,new", *rows]) + "\n"
    if not orphans:
        assert set(parse_mapping(text, OLD, TODAY)) == {r.split(",")[0] for r in rows}
        return
    with pytest.raises(DirectoryError) as refused:
        parse_mapping(text, OLD, TODAY)
    assert refused.value.reason.startswith("unit ")
    assert refused.value.reason.split()[1] in orphans


@pytest.mark.parametrize("text,line,reason", [
    ("old;new\nVP;VPUBND\n", 1, "the mapping's first line must be the header old,new"),
    ("", 1, "the mapping's first line must be the header old,new"),
    ("old,new\nVP\n", 2, "a row needs an old unit code and a new one"),
    ("old,new\nVP,VPUBND,SNV\n", 2, "a row needs an old unit code and a new one"),
    ("old,new\nVP,VPUBND\n,SNV\n", 3, "a row needs an old unit code and a new one"),
    ("old,new\nVP,VPUBND\nNOBODY,SNV\n", 3, "'NOBODY' is not a unit of the directory in use"),
    ("old,new\nVP,NOWHERE\n", 2, "'NOWHERE' is not a unit of the new directory"),
    ("old,new\nVP,VPUBND\nVP,VPUBND\n", 3, "the row VP,VPUBND appears twice"),
])
def test_a_bad_mapping_is_refused_with_its_line_and_reason(text: str, line: int,
                                                           reason: str) -> None:
    with pytest.raises(DirectoryError) as refused:
        parse_mapping(text, OLD, TODAY)
    assert (refused.value.line, refused.value.reason) == (line, reason)


def test_a_unit_that_continues_cannot_be_given_a_successor() -> None:
    kept = Directory(code="t", name=Name("t"), focal_unit="VP",
                     units=(*TODAY.units, Unit("VP", Name("Văn phòng"), UnitKind.DEPARTMENT)),
                     fields=TODAY.fields)
    with pytest.raises(DirectoryError) as refused:
        parse_mapping("old,new\nVP,VPUBND\n", OLD, kept)
    assert refused.value.reason == "'VP' continues in the new directory: it has no successor"


# --- successors -------------------------------------------------------------------------

def _unit(code: str, area: str | None = None, successors: tuple[str, ...] = ()) -> Unit:
    return Unit(code, Name(code), UnitKind.COMMUNE if area else UnitKind.DEPARTMENT, area,
                successors=successors)


def _directory(units: list[Unit], former: list[Unit]) -> Directory:
    return Directory(code="t", name=Name("t"), focal_unit=units[0].code, units=tuple(units),
                     former_units=tuple(former),
                     fields=(Field("ho_tich", Name("Hộ tịch")), Field("dat_dai", Name("Đất"))),
                     rules=(RoutingRule("dat_dai", None, "LAND"),))


def test_records_roll_up_through_successors_transitively() -> None:
    directory = _directory([_unit("C"), _unit("D"), _unit("LAND")],
                           [_unit("A", successors=("B",)), _unit("B", successors=("C",)),
                            _unit("S", successors=("D", "C")), _unit("X"),
                            _unit("L1", successors=("L2",)), _unit("L2", successors=("L1",))])
    assert directory.current_unit("A") == "C"
    assert directory.current_unit("S") == "D", "a split unit rolls up into its main successor"
    assert directory.current_unit("C") == "C"
    assert directory.current_unit("X") == "X", "a unit without successors stays itself"
    assert directory.current_unit("L1") in ("L1", "L2"), "a cycle in the data ends"
    assert directory.current_unit("UNKNOWN") == "UNKNOWN"
    assert set(directory.rolled_into("C")) == {"C", "A", "B"}
    assert set(directory.rolled_into("D")) == {"D", "S"}


@pytest.mark.parametrize("area,field,expected", [
    ("A2", "ho_tich", ("X2", Choice.AREA)),
    ("A1", "dat_dai", ("X1", Choice.AREA)),
    (None, "dat_dai", ("LAND", Choice.FIELD)),
    ("OLD", "dat_dai", ("LAND", Choice.FIELD)),
    (None, "ho_tich", ("X1", Choice.MAIN)),
    ("OLD", "unknown_field", ("X1", Choice.MAIN)),
])
def test_an_open_case_goes_to_the_successor_of_its_area_or_field(
        area: str | None, field: str, expected: tuple[str, Choice]) -> None:
    # Areas A1 and A2 are governed by X1 and X2; ho_tich has no rule (the focal point VP).
    new = _directory([_unit("VP"), _unit("X1", "A1"), _unit("X2", "A2"), _unit("LAND")], [])
    assert choose_successor(("X1", "X2", "LAND"), area, field, new) == expected
    assert choose_successor(("X2",), area, field, new) == ("X2", Choice.ONLY)


@pytest.mark.parametrize("text,line,reason", [
    ("effective_from: 2025-13-01\n", 1, "directory: 'effective_from' must be a date "
                                        "(YYYY-MM-DD)"),
    ("effective_from: 2025-07-01\neffective_to: 2025-06-30\n", 1,
     "effective_to is before effective_from"),
])
def test_bad_dates_in_a_directory_file_are_refused(text: str, line: int, reason: str) -> None:
    source = bundled_directory_text(CURRENT_DIRECTORY).replace(
        "effective_from: 2025-07-01\n", "")
    with pytest.raises(DirectoryError) as refused:
        parse_directory(text + source)
    assert (refused.value.line, refused.value.reason) == (line, reason)
