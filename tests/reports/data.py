"""Small hand-made histories whose indicators are worked out by hand in the tests."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.models import (
    AccountRow,
    CaseRow,
    DossierApologyRow,
    DossierRow,
    HandlingRatingRow,
    RatingRow,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN).astimezone(UTC)


def rating(n: int, when: datetime, score: int, unit: str = "UBND-26428",
           field: str = "ho_tich", procedure: str | None = "1.001193",
           channel: str = "telegram", source: str = "bot", verified: bool = True) -> RatingRow:
    """A rating, of a dossier of its own unless `verified` is False (a desk's poster)."""
    return RatingRow(source=source, source_id=str(n), rated_at=when, unit_code=unit,
                     field_code=field, procedure_code=procedure, channel=channel, score=score,
                     answers={"overall": score}, verified=verified,
                     dossier=f"HS-{source}-{n}" if verified else None)


def citizen() -> AccountRow:
    return AccountRow(id=1, role="citizen", display_name="", created_at=local(2026, 1, 1))


def case(n: int, due: datetime, resolved: datetime | None, unit: str = "PTNMT",
         field: str = "dat_dai", extended: datetime | None = None,
         channel: str = "telegram") -> CaseRow:
    received = due - timedelta(days=14)
    return CaseRow(code=f"PA-2026-{n:06d}", channel=channel, chat_id="1", citizen_id=1,
                   contact_name="", contact_phone="", contact_address="", field_code=field,
                   area_code=None, unit_code=unit, text="x" * 20,
                   status="resolved" if resolved else "in_progress", received_at=received,
                   due_at=due, resolved_at=resolved, extended_due_at=extended,
                   updated_at=received, transfers=0)


def handling(case_id: int, score: int | None, unit: str = "PTNMT",
             field: str = "dat_dai") -> HandlingRatingRow:
    return HandlingRatingRow(case_id=case_id, unit_code=unit, field_code=field, staff_id=None,
                             asked_at=local(2026, 1, 1), score=score,
                             rated_at=local(2026, 1, 2) if score else None)


def dossier(n: int, due: datetime, *, finished: datetime | None = None,
            returned: datetime | None = None, status: str | None = None,
            unit: str = "PTNMT", field: str = "dat_dai",
            procedure: str = "1.013978") -> DossierRow:
    received = due - timedelta(days=14)
    status = status or ("returned" if returned else "finished" if finished else "in_progress")
    return DossierRow(id=n, code=f"HS-{n:06d}", procedure_code=procedure, unit_code=unit,
                      field_code=field, status=status, received_at=received, due_at=due,
                      finished_at=finished, returned_at=returned, created_at=received,
                      updated_at=received)


def dossier_apology(n: int, issued: datetime, owed_by: datetime) -> DossierApologyRow:
    return DossierApologyRow(dossier_id=n, number=f"{n:02d}/PXL-PTNMT", unit_code="PTNMT",
                             reason="Chờ ý kiến của cơ quan khác", new_due_at=owed_by
                             + timedelta(days=7), owed_by=owed_by, official_name="Lê Văn Bình",
                             official_title="Chuyên viên", issued_at=issued)
