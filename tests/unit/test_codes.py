"""Tracking codes PA-<year>-<6 digits>: making them and finding them in what people type."""

import re

import pytest

from complaints.codes import parse_tracking_code, tracking_code


@pytest.mark.parametrize(("year", "number", "code"), [
    (2025, 1, "PA-2025-000001"),
    (2025, 42, "PA-2025-000042"),
    (2026, 123_456, "PA-2026-123456"),
    (2026, 999_999, "PA-2026-999999"),
])
def test_tracking_code_pads_the_number_to_six_digits(year: int, number: int, code: str) -> None:
    assert tracking_code(year, number) == code


def test_tracking_code_has_the_documented_shape() -> None:
    assert re.fullmatch(r"PA-\d{4}-\d{6}", tracking_code(2025, 7))


@pytest.mark.parametrize("number", [0, -1, 1_000_000, 10_000_000])
def test_tracking_code_refuses_numbers_outside_one_to_999999(number: int) -> None:
    with pytest.raises(ValueError, match=str(number)):
        tracking_code(2025, number)


def test_every_code_made_is_found_again() -> None:
    for number in (1, 9, 10, 99_999, 100_000, 999_999):
        code = tracking_code(2026, number)
        assert parse_tracking_code(code) == code


@pytest.mark.parametrize("typed", [
    "PA-2025-000123",
    "pa-2025-000123",
    "Pa-2025-000123",
    "  PA-2025-000123  ",
    "PA - 2025 - 000123",
    "PA-2025-000 123",
    "P A-2025-000123",
    "pa -2025-\t000123\n",
])
def test_parsing_is_tolerant_of_case_and_spaces(typed: str) -> None:
    assert parse_tracking_code(typed) == "PA-2025-000123"


@pytest.mark.parametrize("typed", [
    "Mã hồ sơ của tôi là PA-2025-000123, xin cho biết tình trạng",
    "tra cứu pa-2025-000123",
    "(PA-2025-000123)",
    "PA-2025-000123.",
    "Mã: PA-2025-000123; SĐT: 0912345678",
])
def test_a_code_is_found_inside_a_sentence(typed: str) -> None:
    assert parse_tracking_code(typed) == "PA-2025-000123"


def test_the_first_of_two_codes_is_returned() -> None:
    assert parse_tracking_code("PA-2025-000001 hoặc PA-2025-000002") == "PA-2025-000001"


@pytest.mark.parametrize("typed", [
    "",
    "   ",
    "xin chào",
    "PA-2025-12345",        # five digits
    "PA-25-000123",         # two-digit year
    "PA-20251-000123",      # five-digit year
    "PA2025000123",         # no dashes
    "PA_2025_000123",
    "PB-2025-000123",       # wrong prefix
    "2025-000123",          # prefix missing
    "PA-2025-00O123",       # letter O instead of zero
    "PA–2025–000123",       # en dashes are not dashes
])
def test_malformed_codes_are_not_found(typed: str) -> None:
    assert parse_tracking_code(typed) is None


def test_a_number_with_too_many_digits_is_not_cut_to_another_code() -> None:
    assert parse_tracking_code("PA-2025-1234567") is None


def test_a_code_followed_by_digits_after_a_space_is_still_found() -> None:
    # Spaces are removed before searching, so a fix for the bug above must not make
    # "code, space, phone number" unreadable.
    assert parse_tracking_code("PA-2025-000123 0912345678") == "PA-2025-000123"
