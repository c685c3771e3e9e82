"""The clock of the PAKN rules, inside the service: reminders before deadlines, a word
to the whole unit about cases nobody took, the head told of late cases, an apology on
the unit's behalf when a deadline passed without one, the daily digest of late cases,
the one reminder to rate; the written apology offered to staff one working day before a
case's or a dossier's due date; the hashed origins of unverified ratings forgotten in time;
and, at any hour, the photos that no case took within a day deleted, and the service's
upkeep (scheduled backups, SQLite's statistics: bot.runtime.maintenance).

Nothing is kept in memory: each round reads the cases from the database and sends what
they are owed under a key naming the case, the step and the date, so a message already
sent is never sent again (by this worker after a restart, or by another one), and a
round missed while the service was down is made up by the next."""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import apology, case_rating, dossiers, privacy, uploads
from bot.core import calendar as calendar_use_cases
from bot.core.actions import StaffAction
from bot.core.calendars import Calendars, estimate_note
from bot.core.errors import StorageError
from bot.core.ports import UnitOfWork
from bot.core.work import DoorWork, Work, deliver
from bot.delivery.notify import Notifier
from bot.present.i18n import _, format_date, format_datetime, ngettext
from bot.present.names import unit_name
from bot.runtime.maintenance import Upkeep
from bot.runtime.settings import Settings
from bot.spine.callbacks import CaseAction
from bot.spine.dispatch import Store
from bot.spine.messages import Button, Reply
from complaints import case as lifecycle
from complaints.calendar import WorkingCalendar
from complaints.case import Case
from complaints.deadlines import (
    apology_offered,
    apology_owed_by,
    days_left,
    due_reminder,
    is_late,
    unclaimed_too_long,
)
from complaints.directory import Directory
from complaints.people import Account
from storage.health import SCHEDULER_ROUND_KEY

log = logging.getLogger(__name__)

HORIZON_DAYS = 21
"""Cases due further away than this (calendar days) owe no reminder yet."""
BATCH = 2000
ORIGINS_KEPT = timedelta(days=30)
"""How long the hashed address an unverified rating came from is kept, to see bursts."""


@dataclass
class Round:
    """What one round of the scheduler works with."""

    uow: UnitOfWork
    notifier: Notifier
    directory: Directory
    calendar: WorkingCalendar
    now: datetime
    tz: ZoneInfo


class Scheduler:
    def __init__(self, store: Store, settings: Settings, calendars: Calendars,
                 clock: Callable[[], datetime], on_commit: Callable[[], None],
                 upkeep: Upkeep | None = None) -> None:
        self.store = store
        self.settings = settings
        self.calendars = calendars
        self.clock = clock
        self.on_commit = on_commit
        self.upkeep = upkeep
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """End run() once the round under way is done."""
        self._stopping.set()

    async def run(self) -> None:
        """Rounds until stop(); a round is never cut inside its transaction."""
        while not self._stopping.is_set():
            try:
                await self.tick()
                if self.upkeep is not None:  # outside the round's transaction
                    await self.upkeep.round()
            except StorageError as exc:
                log.warning("scheduler: database unavailable (%s)", exc)
            except Exception:
                log.exception("scheduler round failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.scheduler_interval):
                    await self._stopping.wait()

    async def tick(self) -> bool:
        """One round; False when it was not this worker's turn or not office hours."""
        now = self.clock()
        tz = self.settings.tz
        async with self.store.unit_of_work() as uow:
            if not await uow.try_lead("scheduler"):
                return False
            await uow.meta.set(SCHEDULER_ROUND_KEY, now.isoformat())  # its lag, on /metrics
            # Whatever the hour: photos no case took are not kept past their day.
            forgotten = await uploads.forget_unattached(uow, now)
            if forgotten:
                log.info("deleted %d uploads no case took", forgotten)
            calendar = await self.calendars.around(uow.calendar, now, tz)
            if not self._office_hours(now, calendar):
                return False
            work = Round(uow, Notifier(uow, self.settings.default_language, now, "scheduler"),
                         await uow.directory.load(), calendar, now, tz)
            for case in await uow.cases.needing_attention(now + timedelta(days=HORIZON_DAYS),
                                                          BATCH):
                await self._case(work, case)
            await self._digest(work)
            await self._overdue_requests(work)
            await self._rating_reminders(work)
            use_cases = Work(uow, now, self.settings, work.directory, self.calendars)
            await dossiers.ask_for_apologies(use_cases)
            await deliver(use_cases.owed, work.notifier)
            await uow.surveys.forget_origins(now - ORIGINS_KEPT)
        self.on_commit()
        return True

    def _office_hours(self, now: datetime, calendar: WorkingCalendar) -> bool:
        """People are written to on working days, from the reminder hour to the end of
        the working day."""
        local = now.astimezone(self.settings.tz)
        return (calendar.is_working_day(local.date())
                and self.settings.reminder_hour <= local.time() < self.settings.end_of_day)

    async def _case(self, work: Round, case: Case) -> None:
        policy = self.settings.reminder_policy
        step = due_reminder(case, work.now, work.calendar, work.tz, policy)
        due_day = case.effective_due_at.astimezone(work.tz).date()
        if step is not None:
            await self._remind_unit(work, case, f"due:{case.id}:{due_day}:{step}")
        if apology_offered(case, work.now, work.calendar, work.tz):
            await self._offer_apology(work, case, f"apology-offer:{case.id}:{due_day}")
        if unclaimed_too_long(case, work.now, work.calendar, work.tz, policy):
            routed = (case.routed_at or case.received_at).isoformat()
            await self._remind_unclaimed(work, case, f"unclaimed:{case.id}:{routed}")
        if is_late(case, work.now):
            await self._late(work, case, f"late:{case.id}:{due_day}")

    async def _remind_unit(self, work: Round, case: Case, key: str) -> None:
        """Open cases near their date: the one handling it, else the whole unit."""
        readers = await self._handlers(work, case)
        left = days_left(case, work.now, work.calendar, work.tz)
        for reader in readers:
            await work.notifier.notify(reader, lambda: Reply(
                (_("Reminder: {code} is due today ({date}).") if left == 0 else
                 ngettext("Reminder: {code} is due in {days} working day ({date}).",
                          "Reminder: {code} is due in {days} working days ({date}).", left)
                 ).format(code=case.code, days=left,
                          date=format_date(case.effective_due_at, work.tz))
            ), case_id=case.id, key=key)

    async def _offer_apology(self, work: Round, case: Case, key: str) -> None:
        """The working day before the due day: if the case will be late, the sender is owed
        the written apology with a new date by the end of that day."""
        case_id = case.id
        assert case_id is not None
        owed_by = apology_owed_by(case, work.calendar, work.tz, self.settings.end_of_day)
        for reader in await self._handlers(work, case):
            await work.notifier.notify(reader, lambda: Reply(
                _("{code} is due {due}. If it will be late, the sender must receive a written "
                  "apology with a new date by {by} (Nghị định 118/2025/NĐ-CP, art. 19, "
                  "applied to PAKN by analogy).").format(
                    code=case.code, due=format_date(case.due_at, work.tz),
                    by=format_datetime(owed_by, work.tz)),
                buttons=((Button(_("Late: apologise, set a new date"),
                                 CaseAction(StaffAction.APOLOGISE, case_id).pack()),),)),
                case_id=case_id, key=key)

    async def _remind_unclaimed(self, work: Round, case: Case, key: str) -> None:
        for reader in await self._unit(work, case.unit):
            await work.notifier.notify(reader, lambda: Reply(
                _("Nobody has taken {code} yet, received {date}. Send /hopthu to see it.")
                .format(code=case.code, date=format_date(case.routed_at or case.received_at,
                                                         work.tz))), case_id=case.id, key=key)

    async def _late(self, work: Round, case: Case, key: str) -> None:
        """The head is told; the citizen gets an apology on the unit's behalf if none
        was sent, and the head is told that too."""
        assert case.id is not None
        heads = await work.uow.accounts.heads(case.unit) or await self._handlers(work, case)
        for head in heads:
            await work.notifier.notify(head, lambda: Reply(
                _("{code} of {unit} is late: it was due {date}.").format(
                    code=case.code, unit=unit_name(work.directory, case.unit),
                    date=format_date(case.effective_due_at, work.tz))), case_id=case.id,
                key=key)
        if await work.uow.apologies.of_case(case.id):
            return
        locked = await work.uow.cases.lock(case.id)
        if locked is None or not locked.is_open:
            return
        owing = self._work(work)
        if await apology.issue(owing, locked, kind="automatic", reason=None, new_due=None,
                               official=None, official_title=""):
            await deliver(owing.owed, work.notifier)
            lifecycle.apologise_automatically(locked, work.now)
            await work.uow.cases.save(locked)
            for head in heads:
                await work.notifier.notify(head, lambda: Reply(
                    _("An apology was sent to the sender of {code} on the unit's behalf. "
                      "Give them the new date: press \"Late: apologise, set a new date\" on "
                      "the case card.").format(code=case.code)), case_id=case.id,
                    key=f"auto-apology-told:{case.id}")

    async def _digest(self, work: Round) -> None:
        """Once a working day: the late cases, to the administrators and the focal point;
        and to the administrators, until they confirm it, that the calendar deadlines are
        counted on is estimated (with the late cases when there are any)."""
        late = await work.uow.cases.late(work.now, None, 100)
        guessed = await calendar_use_cases.guessing(work.uow, work.now, work.tz)
        if not late and not guessed:
            return
        day = work.now.astimezone(work.tz).date()
        admins = {a.id: a for a in await work.uow.accounts.admins()}

        def notes() -> list[str]:
            return [note for note in map(estimate_note, guessed) if note]
        if not late:
            for reader in admins.values():
                await work.notifier.notify(reader, lambda: Reply("\n".join(
                    [_("The working calendar deadlines are counted on:"), *notes()])),
                    key=f"calendar-estimate:{day}:{reader.id}")
            return
        readers = dict(admins)
        readers.update({a.id: a for a in
                        await work.uow.accounts.members(work.directory.focal_unit)})

        def build() -> Reply:
            lines = [_("Late cases today ({count}):").format(count=len(late))]
            lines += [_("{code} · {unit} · due {date}").format(
                code=c.code, unit=unit_name(work.directory, c.unit),
                date=format_date(c.effective_due_at, work.tz)) for c in late]
            return Reply("\n".join(lines + notes()))
        for reader in readers.values():
            await work.notifier.notify(reader, build, key=f"digest:{day}:{reader.id}")

    async def _overdue_requests(self, work: Round) -> None:
        """Once a working day, to the administrators: requests about personal data past
        the date Nghị định 356/2025/NĐ-CP gives (bot.core.privacy)."""
        overdue = await privacy.overdue(work.uow, work.now)
        if not overdue:
            return
        day = work.now.astimezone(work.tz).date()

        def build() -> Reply:
            lines = [_("Requests about personal data past their date ({count}), see "
                       "/quan-tri/du-lieu-ca-nhan or pakn privacy requests:").format(
                count=len(overdue))]
            lines += [_("No. {number} · {subject} · due {date}").format(
                number=r.id, subject=r.subject, date=format_date(r.due_at, work.tz))
                for r in overdue]
            return Reply("\n".join(lines))
        for reader in await work.uow.accounts.admins():
            await work.notifier.notify(reader, build, key=f"data-requests:{day}:{reader.id}")

    async def _rating_reminders(self, work: Round) -> None:
        days = self.settings.reminder_policy.rating_reminder_days
        for record in await work.uow.ratings.to_remind(work.now - timedelta(days=days), BATCH):
            case = await work.uow.cases.get(record.case_id)
            if case is not None:
                owing = self._work(work)
                await case_rating.remind(owing, case)
                await deliver(owing.owed, work.notifier)

    def _work(self, work: Round) -> DoorWork:
        """The round as a use case's work: what it owes goes out with the round's."""
        return Work(work.uow, work.now, self.settings, work.directory, self.calendars)

    @classmethod
    async def _handlers(cls, work: Round, case: Case) -> list[Account]:
        if case.assignee_id is not None:
            assignee = await work.uow.accounts.get(case.assignee_id)
            if assignee is not None:
                return [assignee]
        return await cls._unit(work, case.unit)

    @staticmethod
    async def _unit(work: Round, unit: str) -> list[Account]:
        """A unit's staff; the focal point's while the unit has none, as its new cases
        go to them (bot.core.case_news.send_card_to_unit)."""
        return (await work.uow.accounts.members(unit)
                or await work.uow.accounts.members(work.directory.focal_unit))
