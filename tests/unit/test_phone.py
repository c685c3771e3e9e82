"""Vietnamese phone numbers: what is accepted, how it is normalised, how it is printed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaints.errors import ValidationError
from complaints.phone import format_phone, mask_phone, normalize_phone


@pytest.mark.parametrize("number", [
    "0312345678",   # Viettel 03x (former 016x)
    "0521234567",   # Vietnamobile 05x
    "0701234567",   # MobiFone 07x (former 012x)
    "0812345678",   # VinaPhone 08x
    "0912345678",   # 09x
    "0987654321",
])
def test_ten_digit_mobiles_in_national_form_are_kept_as_they_are(number: str) -> None:
    assert normalize_phone(number) == number


@pytest.mark.parametrize("number", [
    "02513871234",  # Đồng Nai: 0251 + 7 digits
    "02438251234",  # Hà Nội: 024 + 8 digits
    "02838221234",  # TP Hồ Chí Minh: 028 + 8 digits
])
def test_eleven_digit_landlines_starting_02_are_accepted(number: str) -> None:
    assert normalize_phone(number) == number


@pytest.mark.parametrize(("raw", "national"), [
    ("+84912345678", "0912345678"),
    ("84912345678", "0912345678"),
    ("+84 912 345 678", "0912345678"),
    ("84 91 234 5678", "0912345678"),
    ("+842513871234", "02513871234"),   # landline with the country code
    ("842513871234", "02513871234"),
    ("+84 251 3871 234", "02513871234"),
])
def test_the_country_code_replaces_the_leading_zero(raw: str, national: str) -> None:
    assert normalize_phone(raw) == national


@pytest.mark.parametrize(("raw", "national"), [
    ("0912 345 678", "0912345678"),
    ("0912.345.678", "0912345678"),
    ("0912-345-678", "0912345678"),
    ("(0251) 3871 234", "02513871234"),
    ("(+84) 912-345.678", "0912345678"),
    ("  0912345678  ", "0912345678"),
    ("0912\t345\u00a0678", "0912345678"),   # tab and no-break space are whitespace too
])
def test_separators_and_surrounding_blanks_are_ignored(raw: str, national: str) -> None:
    assert normalize_phone(raw) == national


@pytest.mark.parametrize("raw", [
    "",
    "   ",
    "091234567",        # nine digits: too short
    "09123456",
    "09123456789",      # eleven digits starting 09: too long for a mobile
    "0212345678",       # ten digits starting 02: a landline needs eleven
    "021234567890",     # twelve digits starting 02
    "0112345678",       # 01x is not a mobile prefix any more
    "0412345678",       # 04 and 06 are not mobile prefixes
    "0612345678",
    "01651234567",      # old eleven-digit Viettel number (016x), renumbered in 2018
    "01231234567",      # old eleven-digit MobiFone number (012x)
    "+841651234567",    # the same with the country code
    "912345678",        # the leading zero is missing
    "+1 202 555 0123",  # United States
    "+33 6 12 34 56 78",  # France
    "+856 20 5512 3456",  # Laos
    "0912abc678",       # letters
    "O912345678",       # a capital O instead of the zero
    "0912/345/678",     # a slash is not an accepted separator
    "0912_345_678",
    "+84",
])
def test_invalid_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(raw)
    assert caught.value.code == "phone_invalid"
    assert caught.value.details == {"value": raw}


def test_the_error_keeps_the_raw_input_for_the_message() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(" 0912 34 ")
    assert caught.value.details["value"] == " 0912 34 "


def test_a_normalised_number_normalises_to_itself() -> None:
    for raw in ("+84 912 345 678", "(0251) 3871 234"):
        once = normalize_phone(raw)
        assert normalize_phone(once) == once


def test_a_mobile_is_printed_in_groups_of_four_three_three() -> None:
    assert format_phone("0912345678") == "0912 345 678"
    assert format_phone(normalize_phone("+84 3 1234 5678")) == "0312 345 678"


def test_a_provincial_landline_is_printed_with_its_four_digit_area_code_first() -> None:
    # Đồng Nai's area code is 0251; the subscriber number has seven digits.
    assert format_phone("02513871234") == "0251 3871 234"


@pytest.mark.parametrize(("national", "printed"), [
    ("02438251234", "024 3825 1234"),
    ("02838221234", "028 3822 1234"),
])
def test_hanoi_and_saigon_landlines_keep_their_three_digit_area_code(
        national: str, printed: str) -> None:
    assert format_phone(national) == printed


def test_formatting_keeps_every_digit_in_order() -> None:
    for national in ("0912345678", "02513871234", "02438251234"):
        assert format_phone(national).replace(" ", "") == national


@given(st.from_regex(r"0[35789][0-9]{8}|02[0-9]{9}", fullmatch=True))
def test_a_masked_number_shows_its_first_two_and_last_three_digits_only(number: str) -> None:
    masked = mask_phone(number)
    assert masked == f"{number[:2]}…{number[-3:]}"
    assert sum(c.isdigit() for c in masked) == 5
