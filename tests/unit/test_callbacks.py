"""Typed button payloads: packing into Telegram's 64 bytes and refusing anything odd."""

import pytest

from bot.core.actions import CHANGES, StaffAction
from bot.spine.callbacks import (
    LIMIT,
    AnswerCase,
    CaseAction,
    Choose,
    Consent,
    Language,
    Menu,
    Payload,
    StaffStep,
    TransferTo,
    unpack,
)

EXAMPLES: list[tuple[Payload, str]] = [
    (Choose("field", "dat_dai"), "ch:field:dat_dai"),
    (Menu("status"), "mn:status"),
    (Consent("2026-01"), "cs:2026-01"),
    (Language("en"), "lg:en"),
    (CaseAction(StaffAction.CLAIM, 42), "ca:claim:42"),
    (TransferTo(42, "PTNMT"), "tt:42:PTNMT"),
    (AnswerCase(7), "ac:7"),
    (StaffStep("confirm", 123456), "ss:confirm:123456"),
]
IDS = [type(payload).__name__ for payload, _ in EXAMPLES]


@pytest.mark.parametrize(("payload", "packed"), EXAMPLES, ids=IDS)
def test_pack_gives_the_prefix_and_fields(payload: Payload, packed: str) -> None:
    assert payload.pack() == packed


@pytest.mark.parametrize(("payload", "packed"), EXAMPLES, ids=IDS)
def test_unpack_gives_back_an_equal_payload_of_the_same_type(
        payload: Payload, packed: str) -> None:
    result = unpack(packed)
    assert type(result) is type(payload)
    assert result == payload


def test_every_payload_type_is_covered() -> None:
    covered = {type(payload) for payload, _ in EXAMPLES}
    assert covered == {Choose, Menu, Consent, Language, CaseAction, TransferTo, AnswerCase,
                       StaffStep}


def test_ids_are_integers_after_unpacking() -> None:
    result = unpack("ca:resolve:9001")
    assert isinstance(result, CaseAction)
    assert result.case_id == 9001 and isinstance(result.case_id, int)
    transfer = unpack("tt:5:UBND-26425")
    assert transfer == TransferTo(5, "UBND-26425")


def test_a_case_action_unpacks_to_one_of_the_staff_actions() -> None:
    for action in StaffAction:
        result = unpack(f"ca:{action}:7")
        assert isinstance(result, CaseAction) and result.action is action
    assert StaffAction.OPEN not in CHANGES, "opening a card changes nothing"


@pytest.mark.parametrize("data", ["ca:delete:7", "ca::7", "ca:CLAIM:7", "ca:claim :7"])
def test_an_action_staff_do_not_have_unpacks_to_none(data: str) -> None:
    assert unpack(data) is None


def test_text_fields_keep_vietnamese_and_empty_values() -> None:
    for payload in (Choose("area", "Xuân Lộc"), Choose("", ""), Menu("")):
        assert unpack(payload.pack()) == payload


def test_a_payload_of_exactly_64_bytes_is_accepted() -> None:
    payload = Choose("s", "v" * (LIMIT - len("ch:s:")))
    packed = payload.pack()
    assert len(packed.encode()) == LIMIT == 64
    assert unpack(packed) == payload


def test_a_payload_over_64_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than 64 bytes"):
        Choose("s", "v" * (LIMIT - len("ch:s:") + 1)).pack()


def test_the_limit_counts_bytes_not_characters() -> None:
    # "ệ" is three bytes in UTF-8: 20 of them are 20 characters but 60 bytes.
    value = "ệ" * 20
    assert len(f"ch:s:{value}") < LIMIT < len(f"ch:s:{value}".encode())
    with pytest.raises(ValueError):
        Choose("s", value).pack()


def test_a_long_unit_code_in_a_transfer_is_refused() -> None:
    with pytest.raises(ValueError):
        TransferTo(1, "U" * 60).pack()


@pytest.mark.parametrize("payload", [
    Choose("field", "a:b"),
    Choose("a:b", "value"),
    Menu(":"),
    Consent("v:1"),
    Language("vi:"),
    TransferTo(1, "UBND:26425"),
    StaffStep(":confirm", 1),
])
def test_a_colon_in_a_field_is_refused(payload: Payload) -> None:
    with pytest.raises(ValueError, match="':'"):
        payload.pack()


@pytest.mark.parametrize("data", [None, ""])
def test_nothing_unpacks_to_none(data: str | None) -> None:
    assert unpack(data) is None


@pytest.mark.parametrize("data", [
    "zz:1",          # unknown prefix
    "CA:claim:1",    # prefixes are case-sensitive
    "ca",            # bare prefix without fields
    ":claim:1",      # empty prefix
    "claim",
    "hello world",
])
def test_an_unknown_prefix_unpacks_to_none(data: str) -> None:
    assert unpack(data) is None


@pytest.mark.parametrize("data", [
    "ca:claim",            # one field short
    "ca:claim:1:2",        # one field too many
    "ch:field",
    "ch:field:dat_dai:x",
    "mn",
    "mn:status:extra",
    "tt:5",
    "ac",
    "ac:1:2",
    "ss:confirm",
    "lg:vi:en",
])
def test_the_wrong_number_of_fields_unpacks_to_none(data: str) -> None:
    assert unpack(data) is None


def test_an_empty_field_still_counts_as_a_field() -> None:
    assert unpack("cs:") == Consent("")
    assert unpack("ch::") == Choose("", "")


@pytest.mark.parametrize("data", [
    "ca:claim:abc",
    "ca:claim:",
    "ca:claim:1.5",
    "ca:claim:0x10",
    "ac:seven",
    "tt:PTNMT:5",          # fields in the wrong order
    "ss:confirm:1e3",
])
def test_a_non_integer_id_unpacks_to_none(data: str) -> None:
    assert unpack(data) is None


@pytest.mark.parametrize("data", [
    "ca:claim:-1", "ca:claim:+5", "ca:claim: 5", "ca:claim:1_000", "ac:\u0663",
])
def test_an_id_must_be_plain_ascii_digits(data: str) -> None:
    assert unpack(data) is None


def test_each_prefix_is_unique() -> None:
    prefixes = [type(payload).prefix for payload, _ in EXAMPLES]
    assert len(set(prefixes)) == len(prefixes)
    with pytest.raises(ValueError, match="used twice"):
        type("Clash", (Payload,), {}, prefix="ca")
