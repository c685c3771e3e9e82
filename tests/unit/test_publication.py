"""The rules of publication: who decides, which resolution a decision holds for, and
how searches compare the published texts."""

import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from complaints.case import Case, Contact, Status
from complaints.people import Actor, Role
from complaints.publication import Decision, Publication, may_decide, search_key

T = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
CASE = Case("PA-2026-000001", "telegram", "1", 7, Contact("Nguyễn Văn An", "0912345678",
                                                          "Ấp 3"), "dat_dai", "26428",
            "PTNMT", "Đường ngập nước.", T, T + timedelta(days=14), status=Status.RESOLVED,
            resolved_at=T + timedelta(days=2), answer="Đã nạo vét.", id=1)


def test_the_units_staff_and_administrators_decide() -> None:
    assert may_decide(Actor(1, Role.STAFF, "PTNMT"), CASE)
    assert may_decide(Actor(2, Role.HEAD, "PTNMT"), CASE)
    assert may_decide(Actor(3, Role.ADMIN), CASE)
    assert not may_decide(Actor(4, Role.STAFF, "PTP"), CASE)
    assert not may_decide(Actor(5, Role.HEAD, "PTP"), CASE)
    assert not may_decide(Actor(7, Role.CITIZEN), CASE), "not even the sender"


def test_a_decision_holds_for_the_resolution_it_was_taken_on() -> None:
    assert CASE.resolved_at is not None
    decided = Publication(1, Decision.APPROVED, CASE.resolved_at, None, 3, T)
    assert decided.holds_for(CASE)
    reopened = replace(CASE, status=Status.IN_PROGRESS, resolved_at=None,
                       reopened_at=CASE.resolved_at)
    assert not decided.holds_for(reopened)
    again = replace(reopened, status=Status.RESOLVED, resolved_at=CASE.resolved_at)
    assert not decided.holds_for(again), "resolved again at the very same moment"
    assert replace(decided, case_reopened_at=CASE.resolved_at).holds_for(again)


words = st.text(st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíị"
                                "òỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ "), min_size=1, max_size=30)


@given(words)
def test_searches_find_any_spelling(text: str) -> None:
    key = search_key(text)
    for spelling in (text.upper(), unicodedata.normalize("NFD", text), f"  {text} ",
                     text.replace(" ", "  ")):
        assert search_key(spelling) == key, spelling
    assert key.isascii(), "without diacritics"
