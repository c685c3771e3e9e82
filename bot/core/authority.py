"""Who may act on which cases: a unit's staff on its cases, administrators on all, and
the focal point's staff on the cases of units nobody has joined yet, since those cases
are sent to them (bot.core.case_news.send_card_to_unit). Nghị định 20/2008, as
amended: the focal point receives what cannot be placed and sees it handled."""

from bot.core.ports import AccountRepository
from complaints.directory import Directory
from complaints.people import STAFF_ROLES, Account, Actor


async def covered_units(accounts: AccountRepository, directory: Directory,
                        account: Account) -> frozenset[str]:
    """The units whose cases this person handles as the focal point's staff."""
    if account.role not in STAFF_ROLES or account.unit != directory.focal_unit:
        return frozenset()
    staffed = await accounts.staffed_units()
    return frozenset(unit.code for unit in directory.units
                     if unit.code not in staffed and unit.code != directory.focal_unit)


async def actor_of(accounts: AccountRepository, directory: Directory,
                   account: Account) -> Actor:
    return account.as_actor(await covered_units(accounts, directory, account))
