"""Loading an organisation: the directory replaced whole, the units that end kept with
their successors, and the cases still open in them moved to the successor with an event
that says why (Luật Tổ chức chính quyền địa phương 2025: the units that replace merged
ones take over their duties from the day the arrangement takes effect)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from bot.core.ports import HasCases, HasDirectory
from complaints.case import reorganise
from complaints.directory import Choice, Directory, choose_successor


class Needs(HasCases, HasDirectory, Protocol):
    """The repositories these use cases use."""


@dataclass(frozen=True)
class Moved:
    case: str
    from_unit: str
    to_unit: str
    chosen_by: Choice


@dataclass(frozen=True)
class Loaded:
    directory: Directory
    moved: list[Moved] = field(default_factory=list)


async def load_directory(uow: Needs, now: datetime, directory: Directory,
                         effective: date | None = None,
                         successors: Mapping[str, tuple[str, ...]] | None = None) -> Loaded:
    """Replace the directory in use. With `successors` (from the mapping), the open cases
    of each unit that ends go to one of its successors: the one governing the case's
    area, else the one the new directory routes its field to, else the main one."""
    await uow.directory.replace(directory, now, effective, successors)
    moved = []
    if successors:
        day = effective or now.date()
        for case in await uow.cases.open_in_units(sorted(successors)):
            to_unit, chosen_by = choose_successor(successors[case.unit], case.area, case.field,
                                                  directory)
            moved.append(Moved(case.code, case.unit, to_unit, chosen_by))
            reorganise(case, to_unit, now, day, chosen_by.value)
            await uow.cases.save(case)
    return Loaded(await uow.directory.load(), moved)
