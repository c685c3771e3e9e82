"""The figures a metrics scrape reads: a few grouped counts over indexed columns, read
outside any write transaction, so a scrape costs the hot path nothing."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import HealthFigures
from complaints.case import OPEN_STATUSES
from storage.models import CaseRow, Meta, OutboxRow
from storage.outbox import PENDING

SCHEDULER_ROUND_KEY = "scheduler_round_at"
"""Meta key: when the scheduler's last round ran (ISO 8601, UTC)."""


async def read_figures(session: AsyncSession, now: datetime) -> HealthFigures:
    figures = HealthFigures()
    owed = await session.execute(
        select(OutboxRow.channel, func.count(), func.min(OutboxRow.created_at))
        .where(OutboxRow.status == PENDING).group_by(OutboxRow.channel))
    for channel, count, oldest in owed:
        figures.outbox_depth[channel] = int(count)
        figures.outbox_oldest[channel] = oldest
    due = func.coalesce(CaseRow.extended_due_at, CaseRow.due_at)
    cases = await session.execute(
        select(CaseRow.unit_code, func.count(),
               func.count().filter(due < now))
        .where(CaseRow.status.in_([status.value for status in OPEN_STATUSES]))
        .group_by(CaseRow.unit_code))
    for unit, count, overdue in cases:
        figures.cases_open[unit] = int(count)
        figures.cases_overdue[unit] = int(overdue)
    round_at = await session.get(Meta, SCHEDULER_ROUND_KEY)
    if round_at is not None:
        figures.scheduler_round_at = datetime.fromisoformat(round_at.value)
    return figures
