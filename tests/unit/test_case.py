"""The life of a PAKN case: who may do what, in which state, and what is recorded."""

from datetime import UTC, datetime, timedelta

import pytest

from complaints.case import (
    ANSWER_MAX,
    ANSWER_MIN,
    MAX_TRANSFERS,
    TEXT_MAX,
    TEXT_MIN,
    Case,
    Contact,
    Event,
    EventKind,
    Location,
    Status,
    can_handle,
    can_view,
    check_text,
    claim,
    open_case,
    provide_info,
    reply,
    request_info,
    resolve,
    transfer,
)
from complaints.errors import InvalidTransition, NotAllowed, ValidationError
from complaints.people import Account, Actor, Role

T0 = datetime(2025, 3, 4, 2, 0, tzinfo=UTC)
TRANSFER_DUE = datetime(2025, 3, 11, 10, 0, tzinfo=UTC)  # 5 working days later, 17:00
FOCAL = "VP"

CITIZEN = Actor(1, Role.CITIZEN, name="Nguyễn Văn A")
OTHER_CITIZEN = Actor(2, Role.CITIZEN)
STAFF = Actor(10, Role.STAFF, unit="PTP", name="Trần Thị B")
STAFF_2 = Actor(11, Role.STAFF, unit="PTP")
HEAD = Actor(12, Role.HEAD, unit="PTP")
OTHER_STAFF = Actor(20, Role.STAFF, unit="PTNMT")
OTHER_HEAD = Actor(21, Role.HEAD, unit="PTNMT")
FOCAL_STAFF = Actor(30, Role.STAFF, unit=FOCAL)
ADMIN = Actor(99, Role.ADMIN)
UNITLESS_STAFF = Actor(40, Role.STAFF)


def new_case(**changes: object) -> Case:
    values: dict[str, object] = {
        "code": "PA-2025-000001", "channel": "telegram", "chat_id": "555",
        "citizen_id": CITIZEN.account_id,
        "contact": Contact("Nguyễn Văn A", "0912345678", "Gia Ray, Xuân Lộc"),
        "field": "ho_tich", "area": "26425", "unit": "PTP",
        "text": "Hồ sơ khai sinh của con tôi đã quá hạn mà chưa được trả kết quả.",
        "received_at": T0, "due_at": T0 + timedelta(days=14),
    }
    values.update(changes)
    return Case(**values)  # type: ignore[arg-type]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def kinds(case: Case) -> list[EventKind]:
    return [event.kind for event in case.events]


# --- opening -----------------------------------------------------------------------------

def test_a_new_case_is_received_unassigned_and_open() -> None:
    case = new_case()
    assert case.status is Status.RECEIVED
    assert case.assignee_id is None
    assert case.transfers == 0
    assert case.is_open
    assert case.events == []


def test_open_case_records_receipt_by_nobody_at_the_unit() -> None:
    case = new_case()
    event = open_case(case, T0, TRANSFER_DUE)
    assert case.events == [event]
    assert event == Event(EventKind.RECEIVED, T0, None, "PTP", {})
    assert case.status is Status.RECEIVED


# --- claiming ----------------------------------------------------------------------------

def test_staff_of_the_unit_claims_an_unclaimed_case() -> None:
    case = new_case()
    event = claim(case, STAFF, at(5))
    assert case.assignee_id == STAFF.account_id
    assert case.status is Status.IN_PROGRESS
    assert event == Event(EventKind.CLAIMED, at(5), STAFF.account_id, "PTP", {})
    assert case.events == [event]


def test_the_head_of_the_unit_claims_an_unclaimed_case() -> None:
    case = new_case()
    claim(case, HEAD, at(1))
    assert case.assignee_id == HEAD.account_id
    assert case.status is Status.IN_PROGRESS


def test_the_head_takes_over_a_case_claimed_by_someone_else() -> None:
    case = new_case()
    claim(case, STAFF, at(1))
    event = claim(case, HEAD, at(2))
    assert case.assignee_id == HEAD.account_id
    assert case.status is Status.IN_PROGRESS
    assert event.actor_id == HEAD.account_id
    assert kinds(case) == [EventKind.CLAIMED, EventKind.CLAIMED]


def test_an_admin_claims_and_takes_over_in_any_unit() -> None:
    case = new_case()
    claim(case, ADMIN, at(1))
    assert case.assignee_id == ADMIN.account_id
    other = new_case(unit="PTNMT")
    claim(other, OTHER_STAFF, at(1))
    claim(other, ADMIN, at(2))
    assert other.assignee_id == ADMIN.account_id
    assert other.events[-1].unit == "PTNMT"


def test_staff_cannot_take_a_case_claimed_by_a_colleague() -> None:
    case = new_case()
    claim(case, STAFF, at(1))
    with pytest.raises(InvalidTransition) as caught:
        claim(case, STAFF_2, at(2))
    assert (caught.value.action, caught.value.status) == ("claim", "claimed_by_other")
    assert case.assignee_id == STAFF.account_id
    assert len(case.events) == 1


def test_claiming_twice_is_refused_as_already_yours() -> None:
    for actor in (STAFF, HEAD, ADMIN):
        case = new_case()
        claim(case, actor, at(1))
        with pytest.raises(InvalidTransition) as caught:
            claim(case, actor, at(2))
        assert (caught.value.action, caught.value.status) == ("claim", "already_yours")
        assert len(case.events) == 1


@pytest.mark.parametrize("actor", [CITIZEN, OTHER_CITIZEN, OTHER_STAFF, OTHER_HEAD,
                                   FOCAL_STAFF, UNITLESS_STAFF],
                         ids=["owner", "citizen", "staff elsewhere", "head elsewhere",
                              "focal staff", "staff without unit"])
def test_only_the_unit_or_an_admin_may_claim(actor: Actor) -> None:
    case = new_case()
    with pytest.raises(NotAllowed):
        claim(case, actor, at(1))
    assert case.assignee_id is None
    assert case.status is Status.RECEIVED
    assert case.events == []


def test_a_resolved_case_cannot_be_claimed() -> None:
    case = new_case()
    resolve(case, STAFF, "Đã trả kết quả cho công dân.", at(1))
    for actor in (STAFF_2, HEAD, ADMIN):
        with pytest.raises(InvalidTransition) as caught:
            claim(case, actor, at(2))
        assert (caught.value.action, caught.value.status) == ("claim", Status.RESOLVED)


def test_permission_is_checked_before_the_state() -> None:
    # A stranger learns nothing about a resolved case: NotAllowed, not InvalidTransition.
    case = new_case()
    resolve(case, STAFF, "Đã xong.", at(1))
    with pytest.raises(NotAllowed):
        claim(case, OTHER_STAFF, at(2))


def test_claiming_while_awaiting_the_citizen_keeps_that_status() -> None:
    case = new_case()
    request_info(case, STAFF, "Xin gửi bản chụp giấy chứng sinh.", at(1))
    claim(case, HEAD, at(2))
    assert case.assignee_id == HEAD.account_id
    assert case.status is Status.AWAITING_CITIZEN


# --- reply, request_info, resolve --------------------------------------------------------

def test_reply_auto_claims_an_unclaimed_case() -> None:
    case = new_case()
    event = reply(case, STAFF, "  Chúng tôi đang xử lý.  ", at(3))
    assert case.assignee_id == STAFF.account_id
    assert case.status is Status.IN_PROGRESS
    assert kinds(case) == [EventKind.CLAIMED, EventKind.REPLIED]
    assert event == Event(EventKind.REPLIED, at(3), STAFF.account_id, "PTP",
                          {"text": "Chúng tôi đang xử lý."})
    assert case.is_open


def test_reply_on_a_claimed_case_adds_no_claim() -> None:
    case = new_case()
    claim(case, STAFF, at(1))
    reply(case, STAFF, "Đang xử lý.", at(2))
    assert kinds(case) == [EventKind.CLAIMED, EventKind.REPLIED]


def test_request_info_auto_claims_and_waits_for_the_citizen() -> None:
    case = new_case()
    event = request_info(case, STAFF, "Xin cho biết số hồ sơ.", at(3))
    assert case.assignee_id == STAFF.account_id
    assert case.status is Status.AWAITING_CITIZEN
    assert case.is_open
    assert kinds(case) == [EventKind.CLAIMED, EventKind.INFO_REQUESTED]
    assert event.data == {"text": "Xin cho biết số hồ sơ."}
    assert event.actor_id == STAFF.account_id


def test_resolve_auto_claims_and_closes_the_case() -> None:
    case = new_case()
    event = resolve(case, HEAD, " Đã cấp giấy khai sinh. ", at(9))
    assert case.assignee_id == HEAD.account_id
    assert case.status is Status.RESOLVED
    assert not case.is_open
    assert case.resolved_at == at(9)
    assert case.answer == "Đã cấp giấy khai sinh."
    assert kinds(case) == [EventKind.CLAIMED, EventKind.RESOLVED]
    assert event == Event(EventKind.RESOLVED, at(9), HEAD.account_id, "PTP",
                          {"text": "Đã cấp giấy khai sinh."})


def test_an_admin_may_resolve_in_any_unit() -> None:
    case = new_case(unit="PTNMT")
    resolve(case, ADMIN, "Đã xử lý.", at(1))
    assert case.status is Status.RESOLVED
    assert case.events[-1].unit == "PTNMT"


def test_a_colleague_acting_on_a_claimed_case_is_recorded_as_the_actor() -> None:
    # Only claim() checks ownership; the event still names who really acted.
    case = new_case()
    claim(case, STAFF, at(1))
    event = reply(case, STAFF_2, "Đang xử lý.", at(2))
    assert event.actor_id == STAFF_2.account_id
    assert case.assignee_id == STAFF.account_id
    assert kinds(case) == [EventKind.CLAIMED, EventKind.REPLIED]


@pytest.mark.parametrize("action", [reply, request_info, resolve])
def test_the_handling_actions_are_refused_to_outsiders(action: object) -> None:
    for actor in (CITIZEN, OTHER_STAFF, OTHER_HEAD):
        case = new_case()
        with pytest.raises(NotAllowed):
            action(case, actor, "Nội dung trả lời.", at(1))  # type: ignore[operator]
        assert case.events == []
        assert case.status is Status.RECEIVED


@pytest.mark.parametrize("action", [reply, request_info, resolve])
def test_the_handling_actions_are_refused_on_a_resolved_case(action: object) -> None:
    case = new_case()
    resolve(case, STAFF, "Đã xong.", at(1))
    before = list(case.events)
    with pytest.raises(InvalidTransition) as caught:
        action(case, STAFF, "Thêm một câu.", at(2))  # type: ignore[operator]
    assert caught.value.status == Status.RESOLVED
    assert case.events == before


@pytest.mark.parametrize("action", [reply, request_info, resolve])
def test_a_too_short_text_is_refused_before_anything_changes(action: object) -> None:
    case = new_case()
    with pytest.raises(ValidationError) as caught:
        action(case, STAFF, " x ", at(1))  # type: ignore[operator]
    assert caught.value.code == "text_too_short"
    assert case.assignee_id is None
    assert case.events == []


def test_resolve_refuses_a_too_long_answer() -> None:
    case = new_case()
    with pytest.raises(ValidationError) as caught:
        resolve(case, STAFF, "a" * (ANSWER_MAX + 1), at(1))
    assert caught.value.details == {"maximum": ANSWER_MAX, "length": ANSWER_MAX + 1}
    assert case.is_open


# --- the citizen adds information --------------------------------------------------------

def test_provide_info_by_the_owner_returns_the_case_to_in_progress() -> None:
    case = new_case()
    request_info(case, STAFF, "Xin gửi ảnh chụp giấy hẹn.", at(1))
    event = provide_info(case, CITIZEN, " Tôi gửi kèm ảnh. ", at(30), attachments=(7, 8))
    assert case.status is Status.IN_PROGRESS
    assert case.assignee_id == STAFF.account_id
    assert event == Event(EventKind.INFO_PROVIDED, at(30), CITIZEN.account_id, "PTP",
                          {"text": "Tôi gửi kèm ảnh.", "attachments": [7, 8]})
    assert kinds(case) == [EventKind.CLAIMED, EventKind.INFO_REQUESTED,
                           EventKind.INFO_PROVIDED]


def test_provide_info_without_text_and_with_a_location() -> None:
    case = new_case()
    event = provide_info(case, CITIZEN, None, at(1), location=Location(10.93, 107.40))
    assert event.data == {"text": None, "attachments": [], "location": [10.93, 107.40]}
    # Unasked information leaves the state alone.
    assert case.status is Status.RECEIVED
    assert case.assignee_id is None


def test_provide_info_accepts_one_character_but_not_blanks() -> None:
    case = new_case()
    assert provide_info(case, CITIZEN, "5", at(1)).data["text"] == "5"
    with pytest.raises(ValidationError) as caught:
        provide_info(case, CITIZEN, "   ", at(2))
    assert caught.value.code == "text_too_short"
    with pytest.raises(ValidationError):
        provide_info(case, CITIZEN, "a" * (TEXT_MAX + 1), at(3))


@pytest.mark.parametrize("actor", [OTHER_CITIZEN, STAFF, HEAD, ADMIN])
def test_only_the_owner_may_provide_info(actor: Actor) -> None:
    case = new_case()
    request_info(case, STAFF, "Xin cho biết địa chỉ.", at(1))
    with pytest.raises(NotAllowed):
        provide_info(case, actor, "Đây là địa chỉ.", at(2))
    assert case.status is Status.AWAITING_CITIZEN


def test_provide_info_is_refused_on_a_resolved_case() -> None:
    case = new_case()
    resolve(case, STAFF, "Đã xong.", at(1))
    with pytest.raises(InvalidTransition) as caught:
        provide_info(case, CITIZEN, "Còn một việc nữa.", at(2))
    assert (caught.value.action, caught.value.status) == ("provide_info", Status.RESOLVED)


# --- transfers ---------------------------------------------------------------------------

def test_a_transfer_moves_the_case_and_resets_it() -> None:
    case = new_case()
    claim(case, STAFF, at(1))
    event = transfer(case, STAFF, "PTNMT", " Thuộc lĩnh vực đất đai. ", FOCAL, at(2), TRANSFER_DUE)
    assert case.unit == "PTNMT"
    assert case.transfers == 1
    assert case.assignee_id is None
    assert case.status is Status.RECEIVED
    assert case.is_open
    assert event == Event(EventKind.TRANSFERRED, at(2), STAFF.account_id, "PTP",
                          {"from_unit": "PTP", "to_unit": "PTNMT",
                           "reason": "Thuộc lĩnh vực đất đai.", "forced_to_focal": False,
                           "in_time": True})


def test_a_transfer_does_not_claim_first() -> None:
    case = new_case()
    transfer(case, HEAD, "PTNMT", "Sai đơn vị.", FOCAL, at(1), TRANSFER_DUE)
    assert kinds(case) == [EventKind.TRANSFERRED]


def test_after_a_transfer_only_the_new_unit_handles_the_case() -> None:
    case = new_case()
    transfer(case, STAFF, "PTNMT", "Sai đơn vị.", FOCAL, at(1), TRANSFER_DUE)
    with pytest.raises(NotAllowed):
        claim(case, STAFF, at(2))
    claim(case, OTHER_STAFF, at(3))
    assert case.events[-1].unit == "PTNMT"


def test_a_transfer_while_awaiting_the_citizen_resets_to_received() -> None:
    case = new_case()
    request_info(case, STAFF, "Xin cho biết thêm.", at(1))
    transfer(case, STAFF, "PTNMT", "Sai đơn vị.", FOCAL, at(2), TRANSFER_DUE)
    assert case.status is Status.RECEIVED
    assert case.assignee_id is None


def test_a_transfer_to_the_same_unit_is_refused() -> None:
    case = new_case()
    with pytest.raises(InvalidTransition) as caught:
        transfer(case, STAFF, "PTP", "Nhầm.", FOCAL, at(1), TRANSFER_DUE)
    assert (caught.value.action, caught.value.status) == ("transfer", "same_unit")
    assert case.transfers == 0
    assert case.events == []


def test_a_transfer_needs_a_reason() -> None:
    case = new_case()
    with pytest.raises(ValidationError):
        transfer(case, STAFF, "PTNMT", " ", FOCAL, at(1), TRANSFER_DUE)
    assert case.unit == "PTP"


@pytest.mark.parametrize("actor", [CITIZEN, OTHER_STAFF, FOCAL_STAFF])
def test_only_the_unit_or_an_admin_may_transfer(actor: Actor) -> None:
    case = new_case()
    with pytest.raises(NotAllowed):
        transfer(case, actor, "PTNMT", "Sai đơn vị.", FOCAL, at(1), TRANSFER_DUE)
    assert case.unit == "PTP"


def test_a_resolved_case_cannot_be_transferred() -> None:
    case = new_case()
    resolve(case, STAFF, "Đã xong.", at(1))
    with pytest.raises(InvalidTransition):
        transfer(case, STAFF, "PTNMT", "Sai đơn vị.", FOCAL, at(2), TRANSFER_DUE)


def _bounce(case: Case, times: int) -> None:
    """Transfer the case `times` times between PTP and PTNMT, by staff of each."""
    for n in range(times):
        here, there = (STAFF, "PTNMT") if case.unit == "PTP" else (OTHER_STAFF, "PTP")
        transfer(case, here, there, "Không thuộc thẩm quyền.", FOCAL, at(n), TRANSFER_DUE)


def test_up_to_max_transfers_go_where_asked() -> None:
    assert MAX_TRANSFERS == 3
    case = new_case()
    _bounce(case, MAX_TRANSFERS)
    assert case.transfers == 3
    assert [e.data["forced_to_focal"] for e in case.events] == [False, False, False]
    assert [(e.data["from_unit"], e.data["to_unit"]) for e in case.events] == [
        ("PTP", "PTNMT"), ("PTNMT", "PTP"), ("PTP", "PTNMT")]
    assert [e.unit for e in case.events] == ["PTP", "PTNMT", "PTP"]


def test_after_max_transfers_a_unit_can_only_send_the_case_to_the_focal_unit() -> None:
    case = new_case()
    _bounce(case, MAX_TRANSFERS)
    assert case.unit == "PTNMT"
    event = transfer(case, OTHER_STAFF, "PTP", "Không thuộc thẩm quyền.", FOCAL, at(10),
                     TRANSFER_DUE)
    assert case.unit == FOCAL
    assert case.transfers == 4
    assert event.data == {"from_unit": "PTNMT", "to_unit": FOCAL,
                          "reason": "Không thuộc thẩm quyền.", "forced_to_focal": True,
                          "in_time": True}
    assert event.unit == "PTNMT"


def test_the_focal_unit_may_transfer_further_after_max_transfers() -> None:
    case = new_case(unit=FOCAL, transfers=MAX_TRANSFERS + 1)
    event = transfer(case, FOCAL_STAFF, "PTP", "Giao Phòng Tư pháp xử lý.", FOCAL, at(1),
                     TRANSFER_DUE)
    assert case.unit == "PTP"
    assert case.transfers == MAX_TRANSFERS + 2
    assert event.data["forced_to_focal"] is False
    assert event.data["to_unit"] == "PTP"


def test_a_forced_transfer_applies_to_admins_too() -> None:
    # Even an admin acting on a case at a non-focal unit is redirected to the focal unit.
    case = new_case(transfers=MAX_TRANSFERS)
    event = transfer(case, ADMIN, "PTNMT", "Chuyển tiếp.", FOCAL, at(1), TRANSFER_DUE)
    assert case.unit == FOCAL
    assert event.actor_id == ADMIN.account_id
    assert event.data["forced_to_focal"] is True


# --- text limits -------------------------------------------------------------------------

def test_check_text_strips_and_returns_the_text() -> None:
    text = "  " + "x" * TEXT_MIN + "\n"
    assert check_text(text) == "x" * TEXT_MIN


def test_check_text_limits_are_inclusive() -> None:
    assert check_text("a" * TEXT_MIN) == "a" * TEXT_MIN
    assert check_text("a" * TEXT_MAX) == "a" * TEXT_MAX
    assert check_text("ok", ANSWER_MIN, ANSWER_MAX) == "ok"


def test_check_text_too_short_gives_the_minimum_and_the_length() -> None:
    with pytest.raises(ValidationError) as caught:
        check_text("  " + "a" * (TEXT_MIN - 1) + "  ")
    assert caught.value.code == "text_too_short"
    assert caught.value.details == {"minimum": TEXT_MIN, "length": TEXT_MIN - 1}


def test_check_text_too_long_gives_the_maximum_and_the_length() -> None:
    with pytest.raises(ValidationError) as caught:
        check_text("a" * (TEXT_MAX + 5))
    assert caught.value.code == "text_too_long"
    assert caught.value.details == {"maximum": TEXT_MAX, "length": TEXT_MAX + 5}


def test_check_text_counts_characters_not_bytes() -> None:
    # Twenty Vietnamese letters are forty-odd bytes but twenty characters.
    assert check_text("ệ" * TEXT_MIN) == "ệ" * TEXT_MIN


def test_check_text_with_custom_limits() -> None:
    with pytest.raises(ValidationError) as caught:
        check_text("abcdef", 1, 5)
    assert caught.value.details == {"maximum": 5, "length": 6}


# --- who may see and handle a case -------------------------------------------------------

@pytest.mark.parametrize(("actor", "view", "handle"), [
    (CITIZEN, True, False),           # the owner
    (STAFF, True, True),              # staff of the case's unit
    (HEAD, True, True),               # head of the case's unit
    (OTHER_STAFF, False, False),      # staff of another unit
    (OTHER_HEAD, False, False),       # head of another unit
    (FOCAL_STAFF, False, False),      # the focal unit is another unit too
    (ADMIN, True, True),
    (OTHER_CITIZEN, False, False),    # a stranger
    (UNITLESS_STAFF, False, False),
], ids=["owner", "staff", "head", "other staff", "other head", "focal staff", "admin",
        "stranger", "staff without unit"])
def test_who_may_view_and_handle(actor: Actor, view: bool, handle: bool) -> None:
    case = new_case()
    assert can_view(actor, case) is view
    assert can_handle(actor, case) is handle


def test_access_follows_the_case_to_its_new_unit() -> None:
    case = new_case()
    transfer(case, STAFF, "PTNMT", "Sai đơn vị.", FOCAL, at(1), TRANSFER_DUE)
    assert not can_view(STAFF, case)
    assert can_view(OTHER_STAFF, case) and can_handle(OTHER_HEAD, case)
    assert can_view(CITIZEN, case)


def test_a_staff_member_who_also_filed_the_case_may_view_it() -> None:
    case = new_case(citizen_id=OTHER_STAFF.account_id)
    assert can_view(OTHER_STAFF, case)
    assert not can_handle(OTHER_STAFF, case)


def test_an_account_acts_with_its_role_and_unit() -> None:
    account = Account(id=10, role=Role.STAFF, unit="PTP", name="Trần Thị B",
                      language="vi", consent_version=None)
    actor = account.as_actor()
    assert actor == STAFF
    assert actor.is_staff and not actor.is_admin
    assert actor.works_for("PTP") and not actor.works_for("PTNMT")
    assert ADMIN.is_staff and ADMIN.is_admin and not ADMIN.works_for("PTP")
    assert not CITIZEN.is_staff


# --- a whole life ------------------------------------------------------------------------

def test_a_whole_life_is_recorded_with_actors_and_units() -> None:
    case = new_case()
    open_case(case, at(0), TRANSFER_DUE)
    claim(case, STAFF, at(1))
    transfer(case, STAFF, "PTNMT", "Thuộc lĩnh vực đất đai.", FOCAL, at(2), TRANSFER_DUE)
    request_info(case, OTHER_STAFF, "Xin gửi số thửa đất.", at(3))
    provide_info(case, CITIZEN, "Thửa số 123, tờ bản đồ 45.", at(4))
    reply(case, OTHER_STAFF, "Đã nhận, đang kiểm tra.", at(5))
    resolve(case, OTHER_STAFF, "Đã điều chỉnh hồ sơ.", at(6))
    assert [(e.kind, e.actor_id, e.unit, e.at) for e in case.events] == [
        (EventKind.RECEIVED, None, "PTP", at(0)),
        (EventKind.CLAIMED, STAFF.account_id, "PTP", at(1)),
        (EventKind.TRANSFERRED, STAFF.account_id, "PTP", at(2)),
        (EventKind.CLAIMED, OTHER_STAFF.account_id, "PTNMT", at(3)),
        (EventKind.INFO_REQUESTED, OTHER_STAFF.account_id, "PTNMT", at(3)),
        (EventKind.INFO_PROVIDED, CITIZEN.account_id, "PTNMT", at(4)),
        (EventKind.REPLIED, OTHER_STAFF.account_id, "PTNMT", at(5)),
        (EventKind.RESOLVED, OTHER_STAFF.account_id, "PTNMT", at(6)),
    ]
    assert case.status is Status.RESOLVED
    assert case.transfers == 1
    assert case.answer == "Đã điều chỉnh hồ sơ."
