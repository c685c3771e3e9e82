"""The directory: the bundled Xuân Lộc file, rejection of bad files, and routing."""

from pathlib import Path

import pytest

import complaints
from complaints.directory import (
    Area,
    Directory,
    Field,
    Name,
    RoutingRule,
    Unit,
    UnitKind,
)
from complaints.directory_file import parse_directory
from complaints.errors import DirectoryError

BUNDLED = Path(complaints.__file__).parent / "data" / "xuan_loc_2022.yaml"
XUAN_LOC = parse_directory(BUNDLED.read_text(encoding="utf-8"))
AREA_CODES = [str(code) for code in range(26425, 26468, 3)]


# --- the bundled file --------------------------------------------------------------------

def test_the_bundled_directory_is_xuan_loc() -> None:
    assert XUAN_LOC.code == "741"
    assert XUAN_LOC.name.vi == "Huyện Xuân Lộc, tỉnh Đồng Nai"
    assert XUAN_LOC.name.in_language("en") == "Xuan Loc District, Dong Nai Province"
    assert XUAN_LOC.focal_unit == "VP"
    assert XUAN_LOC.unit("VP").name.vi == "Văn phòng HĐND và UBND huyện"


def test_it_has_the_15_areas_26425_to_26467() -> None:
    assert len(AREA_CODES) == 15
    assert [area.code for area in XUAN_LOC.areas] == AREA_CODES
    assert XUAN_LOC.area("26425").name.vi == "Thị trấn Gia Ray"
    assert XUAN_LOC.area("26467").name == Name("Xã Lang Minh", "Lang Minh Commune")


def test_every_area_has_its_commune_unit() -> None:
    for code in AREA_CODES:
        unit = XUAN_LOC.unit_for_area(code)
        assert unit is not None
        assert unit.code == f"UBND-{code}"
        assert unit.kind is UnitKind.COMMUNE


def test_district_units_and_branches() -> None:
    assert XUAN_LOC.unit("PTNMT").kind is UnitKind.DISTRICT_OFFICE
    assert XUAN_LOC.unit("VPDKDD").kind is UnitKind.BRANCH
    assert XUAN_LOC.unit("PTNMT").area is None
    assert len(XUAN_LOC.units) == 16 + 15
    assert len({unit.code for unit in XUAN_LOC.units}) == len(XUAN_LOC.units)


@pytest.mark.parametrize("code", ["dat_dai", "xay_dung", "dau_tu"])
def test_land_construction_and_investment_target_90_percent(code: str) -> None:
    assert XUAN_LOC.field(code).satisfaction_target == pytest.approx(0.90)


def test_every_other_field_targets_92_percent() -> None:
    others = [f for f in XUAN_LOC.fields if f.code not in ("dat_dai", "xay_dung", "dau_tu")]
    assert len(others) == len(XUAN_LOC.fields) - 3 > 0
    for field in others:
        assert field.satisfaction_target == pytest.approx(0.92), field.code


def test_fields_default_to_10_days_to_resolve_and_5_to_forward() -> None:
    for field in XUAN_LOC.fields:
        assert (field.resolve_days, field.transfer_days) == (10, 5), field.code


def test_procedures_carry_their_catalogue_codes_and_fields() -> None:
    birth = next(p for p in XUAN_LOC.procedures if p.code == "1.001193")
    assert (birth.name.vi, birth.field, birth.level) == ("Đăng ký khai sinh", "ho_tich", "commune")
    copy = next(p for p in XUAN_LOC.procedures if p.code == "2.000815")
    assert copy.field == "chung_thuc"
    for procedure in XUAN_LOC.procedures:
        assert XUAN_LOC.has_field(procedure.field)


def test_names_fall_back_to_vietnamese() -> None:
    assert Name("Đất đai", "Land").in_language("en") == "Land"
    assert Name("Đất đai", "Land").in_language("vi") == "Đất đai"
    assert Name("Đất đai").in_language("en") == "Đất đai"


def test_lookups() -> None:
    assert XUAN_LOC.has_unit("PTP") and not XUAN_LOC.has_unit("NOPE")
    assert XUAN_LOC.has_field("ho_tich") and not XUAN_LOC.has_field("nope")
    assert XUAN_LOC.has_area("26431") and not XUAN_LOC.has_area("99999")
    assert XUAN_LOC.unit_for_area("99999") is None
    with pytest.raises(KeyError):
        XUAN_LOC.unit("NOPE")


# --- routing with the bundled file -------------------------------------------------------

@pytest.mark.parametrize(("field", "area", "unit"), [
    ("dat_dai", "26428", "PTNMT"),
    ("dat_dai", None, "PTNMT"),
    ("moi_truong", "26431", "PTNMT"),
    ("xay_dung", None, "PKTHT"),
    ("dau_tu", "26425", "PTCKH"),
    ("cu_tru", "26467", "CAH"),
    ("thue", None, "CCT"),
    ("bao_hiem_xa_hoi", "26440", "BHXH"),
    ("lao_dong", "26440", "PLDTBXH"),
])
def test_field_rules_of_the_bundled_file(field: str, area: str | None, unit: str) -> None:
    assert XUAN_LOC.route(field, area).code == unit


@pytest.mark.parametrize("field", ["ho_tich", "chung_thuc", "bao_tro_xa_hoi", "nguoi_co_cong"])
def test_commune_matters_go_to_the_commune_people_committee(field: str) -> None:
    for area in AREA_CODES:
        assert XUAN_LOC.route(field, area).code == f"UBND-{area}"


@pytest.mark.parametrize(("field", "unit"), [
    ("ho_tich", "PTP"), ("chung_thuc", "PTP"),
    ("bao_tro_xa_hoi", "PLDTBXH"), ("nguoi_co_cong", "PLDTBXH"),
])
def test_commune_matters_without_an_area_go_to_the_district_office(field: str, unit: str) -> None:
    assert XUAN_LOC.route(field, None).code == unit


def test_a_field_without_a_rule_goes_to_the_focal_unit() -> None:
    assert XUAN_LOC.route("khac", "26428").code == "VP"
    assert XUAN_LOC.route("khac", None).code == "VP"


def test_an_unknown_field_goes_to_the_focal_unit() -> None:
    assert XUAN_LOC.route("no_such_field", "26428").code == "VP"
    assert XUAN_LOC.route("no_such_field", None).code == "VP"


# --- routing specificity -----------------------------------------------------------------

def _unit(code: str, area: str | None = None) -> Unit:
    kind = UnitKind.COMMUNE if area else UnitKind.DISTRICT_OFFICE
    return Unit(code=code, name=Name(code), kind=kind, area=area)


def _directory(*rules: RoutingRule) -> Directory:
    """Areas A1, A2 (each with a commune unit) and A3 (none); fields f1, f2, f3."""
    return Directory(
        code="T", name=Name("Test"), focal_unit="FOCAL",
        areas=tuple(Area(code, Name(code)) for code in ("A1", "A2", "A3")),
        units=(_unit("FOCAL"), _unit("FIELD"), _unit("EXPLICIT"), _unit("AREA"),
               _unit("ANY"), _unit("C1", "A1"), _unit("C2", "A2")),
        fields=tuple(Field(code, Name(code)) for code in ("f1", "f2", "f3")),
        rules=rules,
    )


RULES = (
    RoutingRule(field="f1", area="A1", unit="EXPLICIT"),          # (field, area)
    RoutingRule(field="f1", area=None, unit="FIELD", to_area_unit=True),  # (field, commune)
    RoutingRule(field="f2", area=None, unit="FIELD"),             # (field)
    RoutingRule(field=None, area="A1", unit="AREA"),              # (area)
)


@pytest.mark.parametrize("rules", [RULES, RULES[::-1]], ids=["in order", "reversed"])
@pytest.mark.parametrize(("field", "area", "unit"), [
    ("f1", "A1", "EXPLICIT"),  # (field, area) beats (field, commune) and (area)
    ("f1", "A2", "C2"),        # (field, commune): A2's commune unit
    ("f1", "A3", "FIELD"),     # (field, commune) but A3 has no commune unit: the rule's unit
    ("f1", None, "FIELD"),     # (field, commune) with no area chosen: the rule's unit
    ("f2", "A1", "FIELD"),     # (field) beats (area)
    ("f2", None, "FIELD"),
    ("f3", "A1", "AREA"),      # (area) beats the fallback
    ("f3", "A2", "FOCAL"),     # nothing matches: the focal unit
    ("f3", None, "FOCAL"),
    ("zz", "A2", "FOCAL"),     # unknown field, no area rule: the focal unit
    ("zz", None, "FOCAL"),
])
def test_the_most_specific_rule_wins_whatever_the_order(
        rules: tuple[RoutingRule, ...], field: str, area: str | None, unit: str) -> None:
    assert _directory(*rules).route(field, area).code == unit


def test_an_area_rule_applies_to_any_field() -> None:
    # A rule without a field matches every field, even one the directory does not know.
    assert _directory(*RULES).route("zz", "A1").code == "AREA"


def test_any_field_commune_rule_beats_the_catch_all_but_not_an_area_rule() -> None:
    rules = (
        RoutingRule(field=None, area=None, unit="ANY"),                  # (any, any)
        RoutingRule(field=None, area=None, unit="FIELD", to_area_unit=True),  # (any, commune)
        RoutingRule(field=None, area="A1", unit="AREA"),                 # (any, area)
    )
    for order in (rules, rules[::-1]):
        directory = _directory(*order)
        assert directory.route("f3", "A1").code == "AREA"
        assert directory.route("f3", "A2").code == "C2"
        # Without a commune unit (A3) or an area, the commune rule falls back to its own
        # unit and ties with the catch-all: the rule listed first wins.
        first = order[0].unit if order[0].area is None else order[1].unit
        assert directory.route("f3", "A3").code == first
        assert directory.route("f3", None).code == first


def test_a_catch_all_rule_replaces_the_focal_unit() -> None:
    directory = _directory(RoutingRule(field=None, area=None, unit="ANY"))
    assert directory.route("f1", None).code == "ANY"
    assert directory.route("f1", "A2").code == "ANY"


def test_a_field_rule_beats_an_any_field_commune_rule() -> None:
    directory = _directory(RoutingRule(field=None, area=None, unit="ANY", to_area_unit=True),
                           RoutingRule(field="f2", area=None, unit="FIELD"))
    assert directory.route("f2", "A2").code == "FIELD"
    assert directory.route("f3", "A2").code == "C2"


def test_between_equal_rules_the_first_wins() -> None:
    directory = _directory(RoutingRule(field="f1", area=None, unit="FIELD"),
                           RoutingRule(field="f1", area=None, unit="ANY"))
    assert directory.route("f1", None).code == "FIELD"


def test_without_rules_everything_goes_to_the_focal_unit() -> None:
    assert _directory().route("f1", "A1").code == "FOCAL"


# --- reading files -----------------------------------------------------------------------

VALID = """\
code: "T1"
name: Test district
focal_unit: VP
areas:
  - {code: "A1", name: Area one}
  - {code: "A2", name: {vi: Khu hai, en: Area two}}
units:
  - {code: VP, kind: district_office, name: Office}
  - {code: C1, kind: commune, area: "A1", name: Commune one}
fields:
  - {code: f1, name: Field one}
  - code: f2
    name: Field two
    satisfaction_target: 0.9
    resolve_days: 15
    transfer_days: 3
procedures:
  - {code: "1.000001", field: f1, level: commune, name: Procedure}
routing:
  - {field: f1, unit: C1}
  - {field: f2, area: "A1", unit: VP, to_area_unit: false}
  - {area: "A2", unit: VP, to_area_unit: true}
"""


def line_of(text: str, marker: str) -> int:
    """1-based number of the first line containing `marker`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if marker in line)


def rejected(text: str) -> DirectoryError:
    with pytest.raises(DirectoryError) as caught:
        parse_directory(text)
    return caught.value


def test_the_small_valid_file_is_read_whole() -> None:
    d = parse_directory(VALID)
    assert (d.code, d.name, d.focal_unit) == ("T1", Name("Test district"), "VP")
    assert d.areas == (Area("A1", Name("Area one")), Area("A2", Name("Khu hai", "Area two")))
    assert d.unit("C1") == Unit("C1", Name("Commune one"), UnitKind.COMMUNE, area="A1")
    assert d.field("f1") == Field("f1", Name("Field one"), 0.92, 10, 5)
    assert d.field("f2") == Field("f2", Name("Field two"), 0.9, 15, 3)
    assert d.procedures[0].level == "commune"
    assert d.rules == (
        RoutingRule("f1", None, "C1"),
        RoutingRule("f2", "A1", "VP", to_area_unit=False),
        RoutingRule(None, "A2", "VP", to_area_unit=True),
    )


def test_numbers_as_codes_are_read_as_text() -> None:
    text = VALID.replace('code: "A1"', "code: 00123").replace('area: "A1"', "area: 00123")
    d = parse_directory(text)
    assert d.areas[0].code == "00123"          # kept as typed, not read as a number
    assert d.unit("C1").area == "00123"


def test_the_error_message_names_the_line() -> None:
    text = VALID.replace("focal_unit: VP", "focal_unit: VP\ncolour: blue")
    error = rejected(text)
    assert error.line == 4
    assert str(error) == "line 4: directory: unknown key 'colour'"


@pytest.mark.parametrize(("before", "after", "marker", "reason"), [
    # unknown keys, at each level
    ("focal_unit: VP\n", "focal_unit: VP\ncolour: blue\n", "colour",
     "directory: unknown key 'colour'"),
    ('  - {code: "A1", name: Area one}', '  - {code: "A1", name: Area one, people: 5}',
     "people", "area: unknown key 'people'"),
    ("    transfer_days: 3\n", "    transfer_days: 3\n    colour: red\n", "colour: red",
     "field: unknown key 'colour'"),
    ("{vi: Khu hai, en: Area two}", "{vi: Khu hai, fr: Zone deux}", "Zone deux",
     "area name: unknown key 'fr'"),
    ("{field: f1, unit: C1}", "{field: f1, unit: C1, priority: 1}", "priority",
     "routing rule: unknown key 'priority'"),
    # the same key twice in one entry
    ("  - {code: VP, kind: district_office, name: Office}",
     "  - {code: VP, kind: district_office, name: Office, code: VP2}", "VP2",
     "unit: key 'code' appears twice"),
    # duplicate codes: the second entry is blamed
    ('  - {code: "A2", name: {vi: Khu hai, en: Area two}}',
     '  - {code: "A1", name: Area again}', "Area again", "area code 'A1' is used twice"),
    ("  - {code: C1, kind: commune, area: \"A1\", name: Commune one}",
     "  - {code: VP, kind: branch, name: Second VP}", "Second VP",
     "unit code 'VP' is used twice"),
    ("  - code: f2\n", "  - code: f1\n", "  - code: f1", "field code 'f1' is used twice"),
    # references to things that do not exist
    ('area: "A1", name: Commune one', 'area: "A9", name: Commune one', "Commune one",
     "unit C1: unknown area 'A9'"),
    ("{code: \"1.000001\", field: f1,", "{code: \"1.000001\", field: f9,", "1.000001",
     "procedure 1.000001: unknown field 'f9'"),
    ("{field: f1, unit: C1}", "{field: f1, unit: ZZ}", "unit: ZZ",
     "routing: unknown unit 'ZZ'"),
    ("{field: f1, unit: C1}", "{field: f9, unit: C1}", "field: f9",
     "routing: unknown field 'f9'"),
    ('{area: "A2", unit: VP', '{area: "A9", unit: VP', "A9", "routing: unknown area 'A9'"),
    # required keys missing: the entry is blamed
    ('  - {code: "A1", name: Area one}', '  - {code: "A1"}', '{code: "A1"}',
     "area: 'name' is required"),
    ('  - {code: "A1", name: Area one}', "  - {name: Area one}", "{name: Area one}",
     "area: 'code' is required"),
    ("{code: VP, kind: district_office, name: Office}", "{code: VP, name: Office}",
     "{code: VP, name: Office}", "unit: 'kind' is required"),
    ("field: f1, level: commune, name: Procedure", "field: f1, name: Procedure",
     "1.000001", "procedure: 'level' is required"),
    ("{field: f1, unit: C1}", "{field: f1}", "{field: f1}", "routing rule: 'unit' is required"),
    ("{vi: Khu hai, en: Area two}", "{en: Area two}", "{en: Area two}",
     "area name: 'vi' is required"),
    ('  - {code: "A1", name: Area one}', '  - {code: "A1", name: ""}', 'name: ""',
     "area: 'name' must be non-empty text"),
    # values of the wrong kind
    ("kind: district_office, name: Office", "kind: ministry, name: Office", "ministry",
     "unit: kind must be one of department, service_centre, commune, branch, district_office"),
    ("level: commune, name: Procedure", "level: national, name: Procedure", "national",
     "procedure: level must be one of commune, district, province"),
    ("    resolve_days: 15\n", "    resolve_days: fifteen\n", "fifteen",
     "field: 'resolve_days' must be a number"),
    ("    resolve_days: 15\n", "    resolve_days: 7.5\n", "7.5",
     "field: 'resolve_days' must be a number"),
    ("to_area_unit: true", "to_area_unit: maybe", "maybe",
     "routing rule: 'to_area_unit' must be true or false"),
    ("procedures:\n  - {code: \"1.000001\", field: f1, level: commune, name: Procedure}\n",
     "procedures: none\n", "procedures: none", "'procedures' must be a list"),
    ('  - {code: "A1", name: Area one}', "  - just a string", "just a string",
     "area must be a mapping"),
    # targets and time limits out of range: the field entry is blamed
    ("    satisfaction_target: 0.9\n", "    satisfaction_target: 1.5\n", "  - code: f2",
     "field f2: satisfaction_target must be in (0, 1]"),
    ("    satisfaction_target: 0.9\n", "    satisfaction_target: 90\n", "  - code: f2",
     "field f2: satisfaction_target must be in (0, 1]"),
    ("    satisfaction_target: 0.9\n", "    satisfaction_target: 0\n", "  - code: f2",
     "field f2: satisfaction_target must be in (0, 1]"),
    ("    satisfaction_target: 0.9\n", "    satisfaction_target: -0.5\n", "  - code: f2",
     "field f2: satisfaction_target must be in (0, 1]"),
    ("    resolve_days: 15\n", "    resolve_days: 0\n", "  - code: f2",
     "field f2: time limits must be at least 1 day"),
    ("    transfer_days: 3\n", "    transfer_days: -1\n", "  - code: f2",
     "field f2: time limits must be at least 1 day"),
    # the focal unit
    ("focal_unit: VP\n", "focal_unit: PTP\n", "focal_unit",
     "focal_unit 'PTP' is not a unit of the directory"),
    ("focal_unit: VP\n", "", "code:", "directory: 'focal_unit' is required"),
    ("focal_unit: VP\n", "focal_unit:\n", "code:", "directory: 'focal_unit' is required"),
])
def test_a_bad_file_is_rejected_with_the_line_and_reason(
        before: str, after: str, marker: str, reason: str) -> None:
    assert before in VALID
    text = VALID.replace(before, after, 1)
    error = rejected(text)
    assert (error.line, error.reason) == (line_of(text, marker), reason)


def test_a_target_of_exactly_one_is_accepted() -> None:
    text = VALID.replace("satisfaction_target: 0.9", "satisfaction_target: 1")
    assert parse_directory(text).field("f2").satisfaction_target == 1.0


def test_a_file_without_fields_is_rejected() -> None:
    text = ("code: T\nname: T\nfocal_unit: VP\n"
            "units:\n  - {code: VP, kind: district_office, name: Office}\n")
    error = rejected(text)
    assert (error.line, error.reason) == (1, "at least one field is required")


@pytest.mark.parametrize(("text", "line", "problem"), [
    ('code: "T1"\nname: Test\n  focal_unit: VP\n', 3, "mapping values are not allowed here"),
    ("code: T1\nareas:\n\t- {code: A1, name: A}\n", 3,
     "found character '\\t' that cannot start any token"),
    ("code: T1\nareas: [{code: A1, name: A}\nunits: []\n", 3, "expected ',' or ']'"),
    ("code: T1\nname: Test: district\n", 2, "mapping values are not allowed here"),
])
def test_bad_yaml_syntax_is_reported_with_its_line(text: str, line: int, problem: str) -> None:
    error = rejected(text)
    assert error.line == line
    assert error.reason.startswith("not valid YAML: ")
    assert problem in error.reason


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_file_is_rejected_without_a_line(text: str) -> None:
    error = rejected(text)
    assert error.reason == "the file is empty"
    assert error.line is None
    assert str(error) == "the file is empty"


@pytest.mark.parametrize("text", ["- just\n- a list\n", "just text\n"])
def test_a_file_that_is_not_a_mapping_is_rejected(text: str) -> None:
    error = rejected(text)
    assert (error.line, error.reason) == (1, "directory must be a mapping")


def test_an_explicit_empty_document_is_rejected_too() -> None:
    # "---" alone is a document holding nothing: reported like an empty file.
    assert rejected("---\n").reason == "the file is empty"


def test_the_first_problem_is_reported() -> None:
    # Two problems: an unknown key in an area (line 5) and an unknown unit in routing.
    text = VALID.replace('name: Area one}', 'name: Area one, x: 1}').replace(
        "unit: C1}", "unit: ZZ}")
    error = rejected(text)
    assert (error.line, error.reason) == (5, "area: unknown key 'x'")


def test_an_error_in_the_bundled_file_is_reported_at_its_line() -> None:
    # The bundled file is the template admins copy: break one routing rule in it.
    text = BUNDLED.read_text(encoding="utf-8").replace(
        "{field: cu_tru, unit: CAH}", "{field: cu_tru, unit: CAX}")
    error = rejected(text)
    assert error.reason == "routing: unknown unit 'CAX'"
    assert error.line == line_of(text, "unit: CAX")


def test_an_area_belongs_to_one_commune_unit() -> None:
    doubled = VALID.replace("units:\n", "units:\n  - {code: DUP, kind: commune, area: A1, "
                                        "name: Dup}\n", 1)
    assert "already belongs to unit" in rejected(doubled).reason


def test_a_commune_unit_needs_its_area() -> None:
    orphan = VALID.replace("units:\n", "units:\n  - {code: ORPHAN, kind: commune, "
                                       "name: Orphan}\n", 1)
    assert rejected(orphan).reason == "unit ORPHAN: a commune unit needs its area"
