"""Reading what requests carry: whole numbers within their bounds, dates that exist,
text without what no page writes, row ids within PostgreSQL's `integer`, and JSON within
a depth, whatever is sent."""

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.present.i18n import use_locale
from bot.spine.jsonguard import MAX_DEPTH, JsonRefused, loads_bounded
from bot.spine.messages import ROW_ID_MAX, row_id
from bot.web.params import BadInput, day, int_param, text, whole

ODD_NUMBERS = st.one_of(st.text(max_size=25), st.sampled_from(
    ["", " ", "1.0", "1e3", "0x1f", "١٢", "１２", "+", "-", "--1", "1_000", "NaN"]))


@given(number=st.integers(), low=st.integers(-10**20, 10**20), span=st.integers(0, 10**20))
def test_a_whole_number_is_taken_exactly_within_its_bounds(number: int, low: int,
                                                           span: int) -> None:
    high = low + span
    if low <= number <= high and len(str(abs(number))) <= 19:
        assert whole(str(number), "n", low, high) == number
    else:
        with pytest.raises(BadInput):
            whole(str(number), "n", low, high)


@given(value=ODD_NUMBERS)
def test_what_is_not_written_in_ascii_digits_is_refused_in_words(value: str) -> None:
    stripped = value.strip().removeprefix("-")
    if stripped.isascii() and stripped.isdigit() and len(stripped) <= 19:
        return
    with pytest.raises(BadInput) as refused:
        int_param({"page": value}, "page", 1, 1, 10) if value.strip() else whole(
            value, "page", 1, 10)
    with use_locale("en"):
        words = refused.value.words()
    assert words.startswith("page ") and ("must be a whole number from 1 to 10" in words
                                          or "cannot be read" in words), words


@given(value=st.text(max_size=30))
def test_text_without_control_characters_or_surrogates_passes(value: str) -> None:
    unreadable = any((ord(c) < 32 and c not in "\t\n\r") or c == "\x7f"
                     or 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff" for c in value)
    if unreadable:
        with pytest.raises(BadInput):
            text({"q": value}, "q")
    else:
        assert text({"q": value}, "q") == value.strip()


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "99999-01-01", "1800-01-01",
                                   "2026-1-1x", "yesterday"])
def test_dates_that_do_not_exist_are_refused(value: str) -> None:
    with pytest.raises(BadInput):
        day(value, "start")


@given(value=st.one_of(st.integers(), st.text(max_size=12), st.booleans(), st.floats(),
                       st.none()))
def test_a_row_id_fits_the_database(value: Any) -> None:
    try:
        found = row_id(value)
    except ValueError:
        return
    assert 1 <= found <= ROW_ID_MAX and not isinstance(value, (bool, float))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text("[]{}\"\\ab", max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text("[]{}", max_size=3), inner, max_size=3),
                    max_leaves=20)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@given(value=JSON)
def test_json_within_the_depth_reads_as_json_does(value: Any) -> None:
    raw = json.dumps(value)
    assert loads_bounded(raw) == json.loads(raw)  # brackets inside strings do not count


@given(extra=st.integers(1, 50_000), kind=st.sampled_from(["[", '{"a":']))
def test_json_nested_too_deeply_is_refused_without_recursion(extra: int, kind: str) -> None:
    levels = MAX_DEPTH + extra
    closing = "]" if kind == "[" else "}"
    raw = kind * levels + ("" if kind == "[" else "1") + closing * levels
    with pytest.raises(JsonRefused):
        loads_bounded(raw)
    assert depth(loads_bounded(kind * MAX_DEPTH + ("" if kind == "[" else "1")
                               + closing * MAX_DEPTH)) == MAX_DEPTH
