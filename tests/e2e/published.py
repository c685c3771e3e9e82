"""A quarter of history (2026-Q3) in the database, for the published pages: procedure
ratings by field and unit, PAKN answered on time or late, with handling ratings, and
one citizen who wrote their own phone and name into the PAKN."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session

from complaints.privacy import anonymise
from complaints.publication import search_key
from storage.models import (
    AccountRow,
    AttachmentRow,
    CaseRow,
    HandlingRatingRow,
    PublicationRow,
    RatingRow,
)
from tests.e2e.browser import png_bytes

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PERIOD = "2026-Q3"
NAME, PHONE, ADDRESS = "Nguyễn Văn Bình", "0912345678", "12 Hùng Vương, Gia Ray"
PRIVATE_CODE = "PA-2026-000001"
PRIVATE_TEXT = (f"Tôi là {NAME}, số điện thoại {PHONE}, CCCD 075123456789. Cống thoát nước "
                "trước nhà bị tắc, mưa là ngập đường.")
PRIVATE_ANSWER = (f"Gửi ông {NAME}: đội công trình đã nạo vét cống ngày 20/8. "
                  f"Cán bộ sẽ gọi {PHONE} để xác nhận.")
OPEN_CODE = "PA-2026-000040"
LATE_CODE = "PA-2026-000041"
"""Open at the Economy and Infrastructure Office, past its date from 16/09/2026, with a
photo."""
PHOTO = png_bytes()


def local(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=VN).astimezone(UTC)


def _ratings() -> list[RatingRow]:
    """Civil status at Xuân Bắc: 38 of 40 satisfied (95%, target 92% met); land at the
    land office: 30 of 35 (85.7%, target 90% not met); construction: 5, too few. Each is
    the rating of a dossier (verified)."""
    plan = [("ho_tich", "UBND-26428", "1.001193", 40, 38),
            ("dat_dai", "VPDKDD", "1.013978", 35, 30),
            ("xay_dung", "PKTHT", "1.013225", 5, 5)]
    rows = []
    for field, unit, procedure, total, satisfied in plan:
        for n in range(total):
            score = 5 if n < satisfied else 2
            rows.append(RatingRow(source="bot", source_id=f"{field}-{n}",
                                  rated_at=local(7 + n % 3, 3 + n % 25), unit_code=unit,
                                  field_code=field, procedure_code=procedure, channel="web",
                                  score=score, answers={"overall": score}, verified=True,
                                  dossier=f"HS-{field}-{n}"))
    return rows


def _case(citizen: int, n: int, received: datetime, resolved: datetime | None, text: str,
          answer: str | None, field: str = "dat_dai", unit: str = "PTNMT") -> CaseRow:
    return CaseRow(code=f"PA-2026-{n:06d}", channel="telegram", chat_id="1001",
                   citizen_id=citizen,
                   contact_name=NAME, contact_phone=PHONE, contact_address=ADDRESS,
                   field_code=field, area_code="26425", unit_code=unit, text=text,
                   status="resolved" if resolved else "in_progress", received_at=received,
                   due_at=received + timedelta(days=14), resolved_at=resolved, answer=answer,
                   updated_at=resolved or received, transfers=0)


def _cases(citizen: int) -> list[CaseRow]:
    """PTNMT answers 33 PAKN, 30 on time; PKTHT has two open, one of them late."""
    rows = [_case(citizen, 1, local(8, 3), local(8, 21), PRIVATE_TEXT, PRIVATE_ANSWER,
                  field="moi_truong")]
    for n in range(2, 34):
        received = local(7 + n % 3, 1 + n % 10)
        late = n in (5, 6)
        rows.append(_case(citizen, n, received, received + timedelta(days=20 if late else 7),
                          f"Đề nghị cấp đổi giấy chứng nhận quyền sử dụng đất thửa số {n}.",
                          f"Hồ sơ thửa số {n} đã được giải quyết."))
    rows.append(_case(citizen, 40, local(9, 28), None, "Đường vào ấp 3 xuống cấp.", None,
                      field="giao_thong_do_thi", unit="PKTHT"))
    rows.append(_case(citizen, 41, local(9, 1), None, "Đèn đường ấp 5 hỏng đã hai tháng.", None,
                      field="giao_thong_do_thi", unit="PKTHT"))
    return rows


def _approved(case: CaseRow, admin: int) -> PublicationRow:
    """The anonymiser's proposal, approved as it stands by an administrator."""
    assert case.resolved_at is not None
    question = anonymise(case.text, NAME, PHONE, ADDRESS)
    answer = anonymise(case.answer or "", NAME, PHONE, ADDRESS)
    return PublicationRow(
        case_id=case.id, status="approved", case_resolved_at=case.resolved_at,
        case_reopened_at=None,
        question=question, answer=answer or None,
        search_text=search_key(" ".join((case.code, question, answer))),
        approved_by=admin, approved_at=case.resolved_at, decided_by=admin,
        decided_at=case.resolved_at)


async def seed(database_url: str, *, approved: bool = True) -> None:
    """The quarter; with `approved`, every answered PAKN approved for publication as the
    anonymiser proposed it."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            def write(sync: object) -> None:
                session = Session(bind=sync)  # type: ignore[call-overload]
                citizen = AccountRow(role="citizen", display_name=NAME, created_at=local(7, 1))
                session.add(citizen)
                session.flush()
                cases = _cases(citizen.id)
                session.add_all(cases)
                session.add_all(_ratings())
                session.flush()
                session.add(AttachmentRow(case_id=cases[-1].id, owner_id=citizen.id,
                                          channel="telegram", content=PHOTO, mime="image/png",
                                          size=len(PHOTO), created_at=local(9, 1)))
                if approved:
                    admin = AccountRow(role="admin", display_name="Quản trị",
                                       created_at=local(7, 1))
                    session.add(admin)
                    session.flush()
                    session.add_all([_approved(c, admin.id) for c in cases if c.resolved_at])
                for number, row in enumerate(c for c in cases if c.resolved_at):
                    score = 2 if number % 11 == 0 else 5
                    session.add(HandlingRatingRow(
                        case_id=row.id, unit_code=row.unit_code, field_code=row.field_code,
                        staff_id=None, asked_at=row.resolved_at, score=score,
                        rated_at=row.resolved_at))
                session.flush()
            await connection.run_sync(write)
    finally:
        await engine.dispose()
