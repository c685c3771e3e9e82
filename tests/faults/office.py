"""The office side of the fault tests: staff at the desks, today a working day, dates
moved to make the scheduler act, and the bot's texts as staff read them."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.core.invites import create_invite
from bot.core.records import Override
from bot.present.i18n import _, use_locale
from complaints.people import Role
from storage.db import Database
from storage.models import CaseRow
from storage.uow import Store
from tests.e2e.flows import Chat
from tests.e2e.service import ServiceProcess
from tests.fakes.updates import User
from tests.faults.bot_api import FaultyBotApi

DESKS = {"dat_dai": "PTNMT", "xay_dung": "PKTHT", "dau_tu": "PTCKH", "lao_dong": "PLDTBXH",
         "giao_duc": "PGDDT"}
"""Fields and the unit each goes to."""


async def staff_desks(database_url: str, service: ServiceProcess, api: FaultyBotApi,
                      first_id: int) -> dict[str, User]:
    """A staff member joins each desk's unit; by field."""
    staff = {}
    for number, (field, unit) in enumerate(DESKS.items()):
        staff[field] = User(first_id + number, f"Cán bộ {unit}", "Trần")
        await join(database_url, service, api, staff[field], Role.STAFF, unit)
    return staff


async def join(database_url: str, service: ServiceProcess, api: FaultyBotApi, user: User,
               role: Role, unit: str | None) -> None:
    """Invite someone (as `pakn invite` does) and have them accept in their chat."""
    store = Store(Database(database_url))
    try:
        async with store.unit_of_work() as uow:
            token = await create_invite(uow.invites, role, unit, None, datetime.now(UTC), 7)
    finally:
        await store.database.dispose()
    await Chat(service, api, user).say(f"/start {token}")


async def declare_today_a_working_day(url: str, zone: str) -> None:
    """The scheduler writes to people on working days only; the tests may run on a
    weekend. `zone`: the workers' time zone, whose today it is."""
    store = Store(Database(url))
    try:
        async with store.unit_of_work() as uow:
            today = datetime.now(ZoneInfo(zone)).date()
            await uow.calendar.set(Override(today, "work", "fault test"), datetime.now(UTC))
    finally:
        await store.database.dispose()


async def set_due(url: str, due: dict[str, datetime]) -> None:
    """Move cases' dates (by code), as time passing would."""
    database = Database(url)
    try:
        async with database.transaction() as session:
            for code, at in due.items():
                await session.execute(update(CaseRow).where(CaseRow.code == code)
                                      .values(due_at=at))
    finally:
        await database.dispose()


def words(msgid: str) -> str:
    """The longest fixed part of a message's Vietnamese text (its fields left out)."""
    with use_locale("vi"):
        return max(re.split(r"\{\w+\}", _(msgid)), key=len).strip()
