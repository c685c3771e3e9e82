"""Cases and their events."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, Table, bindparam, func, insert, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import Conflict
from complaints.case import OPEN_STATUSES, Case, Contact, Event, EventKind, Location, Status
from complaints.codes import tracking_code
from complaints.similar import Candidate
from storage.models import CaseEventRow, CaseFollowerRow, CaseRow
from storage.prepared import Prepared
from storage.upsert import dialect_name, increment

_CASES: Table = CaseRow.__table__  # type: ignore[assignment]
_FOLLOWERS: Table = CaseFollowerRow.__table__  # type: ignore[assignment]
# Read for every case shown, and for every PAKN a citizen types (its similar cases):
# compiled once and run on the driver in a message's transaction (storage.prepared).
_CASE = Prepared(select(_CASES).where(_CASES.c.id == bindparam("case_id")))
# A citizen's last case lends its contact to the next one (bot.handlers.intake).
_OF_CITIZEN = Prepared(select(_CASES).where(_CASES.c.citizen_id == bindparam("citizen_id"))
                       .order_by(_CASES.c.id.desc()).limit(bindparam("limit")))
_EVENTS: Table = CaseEventRow.__table__  # type: ignore[assignment]
_EVENT = Prepared(insert(_EVENTS).values(
    case_id=bindparam("case_id"), at=bindparam("at"), actor_id=bindparam("actor_id"),
    kind=bindparam("kind"), unit_code=bindparam("unit_code"), data=bindparam("data")))


def _candidates(place: ColumnElement[bool]) -> Prepared:
    """Open or lately answered cases of a field in one place, not the person's own nor
    those they follow; only what the comparison reads."""
    cases = _CASES.c
    # The statuses as bound values, not an IN list finished per call (storage.prepared).
    opened = cases.status.in_([literal(s.value) for s in sorted(OPEN_STATUSES)])
    answered = (cases.status == literal(Status.RESOLVED.value)) & (
        cases.resolved_at >= bindparam("since"))
    followed = select(_FOLLOWERS.c.case_id).where(
        _FOLLOWERS.c.account_id == bindparam("excluding"))
    return Prepared(select(cases.id, cases.text)
                    .where(cases.field_code == bindparam("field"), place,
                           or_(opened, answered), cases.citizen_id != bindparam("excluding"),
                           cases.id.not_in(followed.scalar_subquery()))
                    .order_by(cases.id.desc()).limit(bindparam("limit")))


_CANDIDATES_IN = _candidates(_CASES.c.area_code == bindparam("area"))
_CANDIDATES_NOWHERE = _candidates(_CASES.c.area_code.is_(None))


class SqlCaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._read: dict[int, int] = {}
        """The version of each case as this transaction first read it (or last saved it).
        The session keeps no row it is not changing, so a save reads the row again, and
        another worker's commit in between must be found by this version, not by the one
        read then. A second read keeps the first version: an object from the first read
        is then refused, one from the second taken again (a retry), never overwritten."""

    def _case(self, row: CaseRow) -> Case:
        self._read.setdefault(row.id, row.version)
        return _from_row(row)

    async def next_code(self, year: int) -> str:
        """Cases are numbered per year of receipt: on PostgreSQL from the year's sequence
        (migration 0019), which transactions filing at once do not wait for; on SQLite,
        which writes one transaction at a time, from a counter row."""
        if dialect_name(self.session) != "postgresql":
            return tracking_code(year, await increment(self.session, f"case:{year}"))
        sequence = f"case_number_{int(year)}"
        if (await self.session.execute(text("SELECT to_regclass(:name)"),
                                       {"name": sequence})).scalar() is None:
            # Made by whoever numbers the year's first case; two at once: one of them
            # fails on the catalog's unique key, a conflict, and processes again.
            await self.session.execute(text(
                f"CREATE SEQUENCE IF NOT EXISTS {sequence} MINVALUE 1"))
        return tracking_code(year, int((await self.session.execute(
            text(f"SELECT nextval('{sequence}')"))).scalar_one()))

    async def add(self, case: Case) -> Case:
        row = CaseRow(updated_at=case.received_at)
        _to_row(case, row)
        self.session.add(row)
        await self.session.flush()
        case.id = row.id
        await self._append_events(case)
        return case

    async def get(self, case_id: int) -> Case | None:
        row = (await _CASE.run(self.session, {"case_id": case_id})).first()
        return self._case(row) if row else None

    async def get_by_code(self, code: str) -> Case | None:
        row = (await self.session.execute(
            select(CaseRow).where(CaseRow.code == code))).scalar_one_or_none()
        return self._case(row) if row else None

    async def save(self, case: Case) -> None:
        assert case.id is not None
        row = await self.session.get(CaseRow, case.id)
        assert row is not None
        if self._read.get(case.id, row.version) != row.version:
            raise Conflict(f"case {case.id} changed since this transaction read it")
        _to_row(case, row)
        if case.events:
            row.updated_at = case.events[-1].at
        await self._append_events(case)
        await self.session.flush()  # UPDATE ... WHERE version: a commit since is a conflict
        self._read[case.id] = row.version

    async def history(self, case_id: int) -> list[Event]:
        rows = (await self.session.execute(
            select(CaseEventRow).where(CaseEventRow.case_id == case_id)
            .order_by(CaseEventRow.id))).scalars()
        return [Event(kind=EventKind(r.kind), at=r.at, actor_id=r.actor_id, unit=r.unit_code,
                      data=dict(r.data)) for r in rows]

    async def open_cases(self, units: Collection[str] | None, limit: int) -> list[Case]:
        """Open cases of these units (of all when None), the nearest date the citizen is
        promised first."""
        effective_due = func.coalesce(CaseRow.extended_due_at, CaseRow.due_at)
        stmt = select(CaseRow).where(CaseRow.status.in_([s.value for s in OPEN_STATUSES]))
        if units is not None:
            stmt = stmt.where(CaseRow.unit_code.in_(sorted(units)))
        stmt = stmt.order_by(effective_due, CaseRow.id).limit(limit)
        return [self._case(r) for r in (await self.session.execute(stmt)).scalars()]

    async def claimed_open(self, account_id: int) -> list[Case]:
        """The open cases a person has claimed."""
        rows = await self.session.execute(
            select(CaseRow).where(CaseRow.assignee_id == account_id,
                                  CaseRow.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(CaseRow.id))
        return [self._case(row) for row in rows.scalars()]

    async def open_in_units(self, units: list[str]) -> list[Case]:
        """Every open case of these units, oldest first (a reorganisation moves them)."""
        stmt = (select(CaseRow).where(CaseRow.status.in_([s.value for s in OPEN_STATUSES]),
                                      CaseRow.unit_code.in_(units))
                .order_by(CaseRow.id))
        return [self._case(r) for r in (await self.session.execute(stmt)).scalars()]

    async def needing_attention(self, due_before: datetime, limit: int) -> list[Case]:
        """Open cases due (on their current date) before `due_before`, or not yet taken:
        the ones a scheduler round may owe a reminder."""
        effective_due = func.coalesce(CaseRow.extended_due_at, CaseRow.due_at)
        stmt = (select(CaseRow)
                .where(CaseRow.status.in_([s.value for s in OPEN_STATUSES]),
                       or_(effective_due < due_before, CaseRow.status == Status.RECEIVED.value))
                .order_by(CaseRow.id).limit(limit))
        return [self._case(r) for r in (await self.session.execute(stmt)).scalars()]

    async def late(self, now: datetime, unit: str | None, limit: int) -> list[Case]:
        """Open cases past the date they are now promised for, the longest late first."""
        effective_due = func.coalesce(CaseRow.extended_due_at, CaseRow.due_at)
        stmt = select(CaseRow).where(CaseRow.status.in_([s.value for s in OPEN_STATUSES]),
                                     effective_due < now)
        if unit is not None:
            stmt = stmt.where(CaseRow.unit_code == unit)
        stmt = stmt.order_by(effective_due, CaseRow.id).limit(limit)
        return [self._case(r) for r in (await self.session.execute(stmt)).scalars()]

    async def lock(self, case_id: int) -> Case | None:
        """The case, locked until commit where the database can (PostgreSQL): two workers
        acting on one case take turns."""
        stmt = select(CaseRow).where(CaseRow.id == case_id).execution_options(
            populate_existing=True)
        if dialect_name(self.session) == "postgresql":
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        return self._case(row) if row else None

    async def of_citizen(self, citizen_id: int, limit: int) -> list[Case]:
        rows = await _OF_CITIZEN.run(self.session, {"citizen_id": citizen_id, "limit": limit})
        return [self._case(row) for row in rows]

    async def search(self, *, now: datetime, unit: str | None = None,
                     units: Collection[str] | None = None, field: str | None = None,
                     status: str = "open",
                     start: datetime | None = None, end: datetime | None = None,
                     text: str | None = None, limit: int = 50,
                     offset: int = 0) -> tuple[list[Case], int]:
        """Cases for the dashboard and how many match in all. `status`: "open" (the
        nearest date first), "late" (open past their date), "closed" or "all" (newest
        first); received in [start, end); of `unit`, or of one of `units`."""
        effective_due = func.coalesce(CaseRow.extended_due_at, CaseRow.due_at)
        opened = CaseRow.status.in_([s.value for s in OPEN_STATUSES])
        stmt = select(CaseRow)
        if status in ("open", "late"):
            stmt = stmt.where(opened)
        if status == "late":
            stmt = stmt.where(effective_due < now)
        elif status == "closed":
            stmt = stmt.where(CaseRow.status == Status.RESOLVED.value)
        if units is not None:
            stmt = stmt.where(CaseRow.unit_code.in_(sorted(units)))
        for column, value in ((CaseRow.unit_code, unit), (CaseRow.field_code, field)):
            if value:
                stmt = stmt.where(column == value)
        if start is not None:
            stmt = stmt.where(CaseRow.received_at >= start)
        if end is not None:
            stmt = stmt.where(CaseRow.received_at < end)
        if text:
            pattern = f"%{text.strip().lower()}%"
            stmt = stmt.where(or_(func.lower(CaseRow.text).like(pattern),
                                  func.lower(CaseRow.code).like(pattern),
                                  func.lower(CaseRow.contact_name).like(pattern),
                                  CaseRow.contact_phone.like(pattern)))
        total = (await self.session.execute(select(func.count()).select_from(stmt.subquery()))
                 ).scalar_one()
        order = ((effective_due, CaseRow.id) if status in ("open", "late")
                 else (CaseRow.received_at.desc(), CaseRow.id.desc()))
        rows = (await self.session.execute(stmt.order_by(*order).limit(limit).offset(offset))
                ).scalars()
        return [self._case(r) for r in rows], int(total)

    async def similar_candidates(self, field: str, area: str | None, answered_since: datetime,
                                 limit: int, excluding: int) -> list[Candidate]:
        """Cases a new PAKN of this field and area may repeat: open, or answered since
        `answered_since`; not the account `excluding`'s own nor those it follows; the
        newest first."""
        statement = _CANDIDATES_NOWHERE if area is None else _CANDIDATES_IN
        rows = await statement.run(self.session, {
            "field": field, "area": area, "since": answered_since, "excluding": excluding,
            "limit": limit})
        return [Candidate(row.id, row.text) for row in rows]

    async def open_of_chat(self, citizen_id: int, channel: str, chat_id: str,
                           limit: int) -> list[Case]:
        """The open cases a citizen filed from this chat, the newest first."""
        stmt = (select(CaseRow).where(CaseRow.citizen_id == citizen_id,
                                      CaseRow.channel == channel, CaseRow.chat_id == chat_id,
                                      CaseRow.status.in_([s.value for s in OPEN_STATUSES]))
                .order_by(CaseRow.id.desc()).limit(limit))
        return [self._case(r) for r in (await self.session.execute(stmt)).scalars()]

    async def last_exchange(self, case_ids: list[int]) -> dict[int, str]:
        """Per case, the kind of its last event among staff writing to the sender and the
        sender writing back (replied, info_requested, info_provided)."""
        if not case_ids:
            return {}
        kinds = [EventKind.REPLIED.value, EventKind.INFO_REQUESTED.value,
                 EventKind.INFO_PROVIDED.value]
        last = (select(CaseEventRow.case_id, func.max(CaseEventRow.id).label("last"))
                .where(CaseEventRow.case_id.in_(case_ids), CaseEventRow.kind.in_(kinds))
                .group_by(CaseEventRow.case_id).subquery())
        rows = await self.session.execute(
            select(CaseEventRow.case_id, CaseEventRow.kind)
            .join(last, CaseEventRow.id == last.c.last))
        return {case_id: kind for case_id, kind in rows}

    async def last_of_citizen(self, citizen_id: int) -> Case | None:
        cases = await self.of_citizen(citizen_id, 1)
        return cases[0] if cases else None

    async def _append_events(self, case: Case) -> None:
        assert case.id is not None
        for event in case.events:
            await _EVENT.run(self.session, {
                "case_id": case.id, "at": event.at, "actor_id": event.actor_id,
                "kind": event.kind.value, "unit_code": event.unit, "data": event.data})
        case.events.clear()


def _to_row(case: Case, row: CaseRow) -> None:
    row.code = case.code
    row.channel = case.channel
    row.chat_id = case.chat_id
    row.reply_channel = case.reply_channel
    row.citizen_id = case.citizen_id
    row.contact_name = case.contact.name
    row.contact_phone = case.contact.phone
    row.contact_address = case.contact.address
    row.field_code = case.field
    row.procedure_code = case.procedure
    row.area_code = case.area
    row.unit_code = case.unit
    row.text = case.text
    row.latitude = case.location.latitude if case.location else None
    row.longitude = case.location.longitude if case.location else None
    row.status = case.status.value
    row.received_at = case.received_at
    row.due_at = case.due_at
    row.assignee_id = case.assignee_id
    row.transfers = case.transfers
    row.resolved_at = case.resolved_at
    row.answer = case.answer
    row.routed_at = case.routed_at
    row.transfer_due_at = case.transfer_due_at
    row.extended_due_at = case.extended_due_at
    row.reopened_at = case.reopened_at
    row.duplicate_of = case.duplicate_of


def _from_row(row: CaseRow) -> Case:
    location = None
    if row.latitude is not None and row.longitude is not None:
        location = Location(row.latitude, row.longitude)
    return Case(
        id=row.id, code=row.code, channel=row.channel, chat_id=row.chat_id,
        reply_channel=row.reply_channel,
        citizen_id=row.citizen_id,
        contact=Contact(row.contact_name, row.contact_phone, row.contact_address),
        field=row.field_code, area=row.area_code, unit=row.unit_code, text=row.text,
        received_at=row.received_at, due_at=row.due_at, location=location,
        procedure=row.procedure_code,
        status=Status(row.status), assignee_id=row.assignee_id, transfers=row.transfers,
        resolved_at=row.resolved_at, answer=row.answer, routed_at=row.routed_at,
        transfer_due_at=row.transfer_due_at, extended_due_at=row.extended_due_at,
        reopened_at=row.reopened_at, duplicate_of=row.duplicate_of,
    )
