"""Dossiers of the one-stop system as plain objects: what a record must say (every field,
varied), how a known dossier may move and what is refused as going backwards, the
on-time outcome at its edges, and when the apology is owed on the Vietnamese calendar."""

import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import bundled_directory_text
from bot.core.calendars import Calendars
from complaints.calendar import calendar_with_rules
from complaints.directory_file import parse_directory
from complaints.dossiers import (
    COLUMNS,
    LEFT_OUT,
    NEXT,
    OPEN,
    Dossier,
    LineRefused,
    RecordRefused,
    Status,
    apology_owed_by,
    apply,
    asked_before,
    asked_from,
    on_time,
    read_csv,
    read_record,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DIRECTORY = parse_directory(bundled_directory_text())
CAL = calendar_with_rules(range(2024, 2028), Calendars().decisions)
FIVE_PM = time(17)
NOW = datetime(2026, 3, 20, 3, tzinfo=UTC)


def raw(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "code": "000.00.12.H12-260302-0001", "procedure": "1.001193", "unit": "UBND-26428",
        "field": "ho_tich", "received_at": "2026-03-02T09:00:00+07:00",
        "due_at": "2026-03-05", "finished_at": None, "returned_at": None,
        "status": "received", "phone": "0912 345 678"}
    record.update(changes)
    return record


def read(**changes: object) -> object:
    return read_record(raw(**changes), DIRECTORY, VN, FIVE_PM)


def refusal(**changes: object) -> str:
    with pytest.raises(RecordRefused) as refused:
        read(**changes)
    return refused.value.reason


# --- reading a record --------------------------------------------------------------------------

def test_a_full_record_is_read_in_local_time() -> None:
    record = read(status="finished", finished_at="2026-03-05 16:59")
    assert record.code == "000.00.12.H12-260302-0001"  # type: ignore[attr-defined]
    assert record.due_at == datetime(2026, 3, 5, 17, tzinfo=VN), \
        "a due date without a time is the end of that day"  # type: ignore[attr-defined]
    assert record.finished_at == datetime(2026, 3, 5, 16, 59, tzinfo=VN)  # type: ignore
    assert record.phone == "0912345678"  # type: ignore[attr-defined]
    assert record.status is Status.FINISHED  # type: ignore[attr-defined]


@pytest.mark.parametrize(("changes", "reason"), [
    ({"code": None}, "missing_fields"),
    ({"status": "   "}, "missing_fields"),
    ({"code": "HS 1"}, "bad_code"),
    ({"code": "x" * 65}, "bad_code"),
    ({"code": "<script>"}, "bad_code"),
    ({"unit": "NOWHERE"}, "unknown_unit"),
    ({"field": "nowhere"}, "unknown_field"),
    ({"procedure": "9.999999"}, "unknown_procedure"),
    ({"procedure": "1.013978"}, "procedure_field"),
    ({"status": "done"}, "bad_status"),
    ({"received_at": "2026-02-30"}, "bad_time"),
    ({"due_at": "05/03/2026"}, "bad_time"),
    ({"due_at": "0001-01-01"}, "bad_time"),
    ({"due_at": "2026-03-01"}, "before_received"),
    ({"status": "finished", "finished_at": "2026-03-01T08:00+07:00"}, "before_received"),
    ({"status": "finished"}, "needs_time"),
    ({"status": "returned", "finished_at": "2026-03-04"}, "needs_time"),
    ({"status": "in_progress", "finished_at": "2026-03-04"}, "time_for_status"),
    ({"status": "withdrawn", "finished_at": "2026-03-04"}, "time_for_status"),
    ({"status": "finished", "finished_at": "2026-03-04", "returned_at": "2026-03-05"},
     "time_for_status"),
    ({"status": "returned", "finished_at": "2026-03-05", "returned_at": "2026-03-04"},
     "returned_before_finished"),
    ({"phone": "12345"}, "bad_phone"),
    ({"phone": 912345678}, "not_text"),
    ({"extra": "x"}, "unknown_fields"),
])
def test_a_bad_record_is_refused_with_its_reason(changes: dict[str, object],
                                                 reason: str) -> None:
    assert refusal(**changes) == reason


@given(st.sampled_from(list(Status)), st.booleans(), st.booleans())
def test_times_must_fit_the_status(status: Status, finished: bool, returned: bool) -> None:
    changes: dict[str, object] = {"status": status.value}
    if finished:
        changes["finished_at"] = "2026-03-04T10:00+07:00"
    if returned:
        changes["returned_at"] = "2026-03-05T10:00+07:00"
    fits = ((status is Status.FINISHED and finished and not returned)
            or (status is Status.RETURNED and returned)
            or (status in OPEN | LEFT_OUT and not finished and not returned))
    if fits:
        assert read(**changes).status is status  # type: ignore[attr-defined]
    else:
        assert refusal(**changes) in ("needs_time", "time_for_status")


@given(st.sampled_from(["+84 912 345 678", "84912345678", "0912.345.678", "(0912) 345-678",
                        "0251 3874 123", "+84 251 3874 123"]))
def test_phones_in_any_common_format(phone: str) -> None:
    assert read(phone=phone).phone.startswith("0")  # type: ignore[attr-defined]


@given(st.text(max_size=30))
def test_any_text_as_a_time_is_read_or_refused(text: str) -> None:
    try:
        record = read(received_at=text, due_at="2199-01-01")
    except RecordRefused as refused:
        assert refused.reason in ("bad_time", "missing_fields", "before_received")
    else:
        assert record.received_at.tzinfo is not None  # type: ignore[attr-defined]


def test_codes_are_upper_case_and_nfc_text_is_kept() -> None:
    assert read(code="h12.22-250305-0001").code == "H12.22-250305-0001"  # type: ignore
    nfd = unicodedata.normalize("NFD", "Đất")
    assert refusal(code=nfd) == "bad_code"


def test_a_csv_file_is_read_whole_or_refused_at_its_first_bad_line() -> None:
    header = ",".join(COLUMNS)
    good = ("HS-1,1.001193,UBND-26428,ho_tich,2026-03-02 09:00,2026-03-05,,,received,"
            "0912345678")
    rows = read_csv(f"\ufeff{header}\r\n{good}\r\n", DIRECTORY, VN, FIVE_PM)
    assert [(line, r.code) for line, r in rows] == [(2, "HS-1")]
    with pytest.raises(LineRefused) as refused:
        read_csv(f"{header}\n{good}\n{good.replace('received', 'lost')}\n", DIRECTORY, VN,
                 FIVE_PM)
    assert (refused.value.line, refused.value.refusal.reason) == (3, "bad_status")
    with pytest.raises(LineRefused) as refused:
        read_csv("code,unit\nHS-1,PTP\n", DIRECTORY, VN, FIVE_PM)
    assert (refused.value.line, refused.value.refusal.reason) == (1, "missing_columns")
    with pytest.raises(LineRefused) as refused:
        read_csv(f"{header}\n{good},extra\n", DIRECTORY, VN, FIVE_PM)
    assert refused.value.refusal.reason == "extra_values"


# --- moving forward ------------------------------------------------------------------------------

def known(status: Status = Status.RECEIVED, **changes: object) -> Dossier:
    record = read(status=status.value, **changes)
    return apply(None, record, NOW).dossier  # type: ignore[arg-type]


def times_for(status: Status) -> dict[str, object]:
    return {Status.FINISHED: {"finished_at": "2026-03-04T10:00+07:00"},
            Status.RETURNED: {"finished_at": "2026-03-04T10:00+07:00",
                              "returned_at": "2026-03-05T10:00+07:00"}}.get(status, {})


@pytest.mark.parametrize(("before", "after"), list(product(Status, Status)))
def test_every_move_between_statuses(before: Status, after: Status) -> None:
    dossier = known(before, **times_for(before))
    record = read(status=after.value, **times_for(after))
    if after is before:
        assert apply(dossier, record, NOW).result == "unchanged"
    elif after in NEXT[before]:
        change = apply(dossier, record, NOW)
        assert change.result == "updated" and change.dossier.status is after
        assert [e.kind for e in change.events] == ["status"]
        assert change.events[0].data == {"from": before.value}
    else:
        with pytest.raises(RecordRefused) as refused:
            apply(dossier, record, NOW)
        assert refused.value.reason in ("backwards", "changed_time")


def test_a_new_dossier_records_its_receipt_and_its_status() -> None:
    change = apply(None, read(status="finished", finished_at="2026-03-04T10:00+07:00"), NOW)
    assert change.result == "created"
    assert [(e.kind, e.status) for e in change.events] == [
        ("received", Status.RECEIVED), ("status", Status.FINISHED)]
    assert change.events[1].at == datetime(2026, 3, 4, 10, tzinfo=VN), "when it happened"


def test_known_times_never_change_and_the_due_date_moves_once_later() -> None:
    dossier = known()
    with pytest.raises(RecordRefused):
        apply(dossier, read(received_at="2026-03-02T09:01:00+07:00"), NOW)
    later = apply(dossier, read(due_at="2026-03-10"), NOW)
    assert later.result == "updated" and later.dossier.due_at == dossier.due_at
    assert later.dossier.extended_due_at == datetime(2026, 3, 10, 17, tzinfo=VN)
    assert apply(later.dossier, read(due_at="2026-03-10"), NOW).result == "unchanged"
    for due in ("2026-03-04", "2026-03-12"):
        with pytest.raises(RecordRefused) as refused:
            apply(later.dossier, read(due_at=due), NOW)
        assert refused.value.reason == "changed_due"
    finished = apply(dossier, read(status="finished", finished_at="2026-03-04"), NOW).dossier
    with pytest.raises(RecordRefused) as refused:
        apply(finished, read(status="finished", finished_at="2026-03-03"), NOW)
    assert refused.value.reason == "changed_time"


def test_corrections_are_recorded() -> None:
    change = apply(known(), read(phone="0987654321", unit="PTP"), NOW)
    assert change.result == "updated"
    assert change.events[-1].data == {"fields": ["unit", "phone"]}


# --- on time --------------------------------------------------------------------------------

DUE = datetime(2026, 3, 5, 17, tzinfo=VN)


@pytest.mark.parametrize(("status", "finished", "returned", "now", "expected"), [
    (Status.FINISHED, DUE, None, NOW, True),
    (Status.FINISHED, DUE + timedelta(minutes=1), None, NOW, False),
    (Status.RETURNED, None, DUE - timedelta(days=1), NOW, True),
    (Status.RETURNED, DUE, DUE + timedelta(days=3), NOW, True),  # the finish counts
    (Status.IN_PROGRESS, None, None, DUE + timedelta(seconds=1), False),
    (Status.IN_PROGRESS, None, None, DUE, None),
    (Status.WITHDRAWN, None, None, NOW, None),
    (Status.REJECTED, None, None, NOW, None),
])
def test_on_time(status: Status, finished: datetime | None, returned: datetime | None,
                 now: datetime, expected: bool | None) -> None:
    dossier = Dossier("HS-1", "1.001193", "PTP", "ho_tich", status,
                      DUE - timedelta(days=3), DUE, finished, returned)
    assert on_time(dossier, now) is expected


def test_a_new_date_does_not_move_the_due_date_counted() -> None:
    dossier = Dossier("HS-1", "1.001193", "PTP", "ho_tich", Status.FINISHED,
                      DUE - timedelta(days=3), DUE, DUE + timedelta(days=2),
                      extended_due_at=DUE + timedelta(days=5))
    assert on_time(dossier, NOW) is False


# --- the apology ----------------------------------------------------------------------------

def due_on(day: date) -> Dossier:
    at = datetime.combine(day, FIVE_PM, tzinfo=VN)
    return Dossier("HS-1", "1.001193", "PTP", "ho_tich", Status.IN_PROGRESS,
                   at - timedelta(days=10), at)


@pytest.mark.parametrize(("due", "owed_by"), [
    (date(2026, 3, 5), date(2026, 3, 4)),     # Thursday: Wednesday
    (date(2026, 3, 9), date(2026, 3, 6)),     # Monday: the Friday before
    (date(2026, 2, 23), date(2026, 2, 13)),   # after Tết 2026 (14-22/2): Friday 13/2
    (date(2026, 1, 12), date(2026, 1, 10)),   # Saturday 10/1/2026 is worked (làm bù)
    (date(2026, 1, 5), date(2025, 12, 31)),   # 1 and 2/1/2026 off (swapped)
    (date(2026, 8, 24), date(2026, 8, 22)),   # Saturday 22/8/2026 is worked
    (date(2026, 9, 3), date(2026, 8, 28)),    # 29/8-2/9/2026 off
])
def test_the_apology_is_owed_by_the_end_of_the_working_day_before(due: date,
                                                                 owed_by: date) -> None:
    dossier = due_on(due)
    assert apology_owed_by(dossier, CAL, VN, FIVE_PM) == datetime.combine(owed_by, FIVE_PM,
                                                                          tzinfo=VN)
    assert asked_from(dossier, CAL, VN) == datetime.combine(owed_by, time(0), tzinfo=VN)
    due_at = datetime.combine(due, FIVE_PM, tzinfo=VN)
    on_the_day = datetime.combine(owed_by, time(8), tzinfo=VN)
    assert due_at < asked_before(on_the_day, CAL, VN), "asked on the working day before"
    earlier = CAL.previous_working_day(owed_by)
    assert due_at >= asked_before(datetime.combine(earlier, time(16), tzinfo=VN), CAL, VN), \
        "not on the working day before that"
