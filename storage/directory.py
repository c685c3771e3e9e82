"""The directory tables, read through a per-process cache keyed by a version stamp."""

import asyncio
import dataclasses
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ScalarSelect, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from complaints.directory import (
    Area,
    Directory,
    Field,
    Name,
    Procedure,
    RoutingRule,
    Targets,
    Unit,
    UnitKind,
)
from storage.meta import meta_value
from storage.models import (
    AreaRow,
    FieldRow,
    Meta,
    ProcedureRow,
    RoutingRuleRow,
    UnitRow,
    UnitSuccessorRow,
)

VERSION_KEY = "directory_version"
"""Changes with every load, however close in time: what the per-process caches compare."""
UPDATED_KEY = "directory_updated_at"
INFO_KEYS = ("directory_code", "directory_name_vi", "directory_name_en", "directory_place",
             "focal_unit", "targets", "effective_from", "effective_to")


@dataclass
class DirectoryCache:
    """Shared by every unit of work of one process."""

    version: str | None = None
    directory: Directory | None = field(default=None)
    reading: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held by the unit of work reading the directory: the others that find the cache
    stale meanwhile wait for it and take what it read when it is their version. After a
    start under load each update read the whole directory otherwise (24 reads at once on
    PostgreSQL, benchmarks/RESULTS.md)."""

    def of(self, version: str | None) -> Directory | None:
        """The directory kept, if it is that version."""
        if version is not None and version == self.version:
            return self.directory
        return None


def version_probe() -> ScalarSelect[str]:
    """The directory's version as a column of a statement run anyway, so that the cache
    is checked in that statement rather than in a read of its own."""
    return select(Meta.value).where(Meta.key == VERSION_KEY).scalar_subquery()


class SqlDirectoryRepository:
    def __init__(self, session: AsyncSession, cache: DirectoryCache) -> None:
        self.session = session
        self.cache = cache
        self.probed: str | None = None
        """The version an earlier statement of this transaction read (version_probe),
        used by the next load only: nothing of this transaction changed it since."""

    async def load(self) -> Directory:
        version, self.probed = self.probed or await self._meta(VERSION_KEY), None
        if (kept := self.cache.of(version)) is not None:
            return kept
        async with self.cache.reading:
            if (kept := self.cache.of(version)) is not None:
                return kept
            directory = await self._read()
            self.cache.version, self.cache.directory = version, directory
        return directory

    async def is_empty(self) -> bool:
        return await self._meta(VERSION_KEY) is None

    async def replace(self, directory: Directory, now: datetime, effective: date | None = None,
                      successors: Mapping[str, tuple[str, ...]] | None = None) -> None:
        """Load a whole directory. Entries no longer listed are deactivated, not deleted,
        because cases and ratings keep referring to them. With an `effective` day, the
        units that end get the day before as their last, the new ones start that day;
        `successors` records who took over from each unit that ends."""
        s = self.session
        self.probed = None
        ending = set((await s.execute(select(UnitRow.code).where(UnitRow.active.is_(True))))
                     .scalars()) - {unit.code for unit in directory.units}
        for model in (AreaRow, UnitRow, FieldRow, ProcedureRow):
            await s.execute(update(model).values(active=False))
        await s.execute(delete(RoutingRuleRow))
        if effective is not None and ending:
            await s.execute(update(UnitRow).where(UnitRow.code.in_(ending),
                                                  UnitRow.effective_to.is_(None))
                            .values(effective_to=effective - timedelta(days=1)))
        for pos, area in enumerate(directory.areas):
            await s.merge(AreaRow(code=area.code, name_vi=area.name.vi, name_en=area.name.en,
                                  position=pos, active=True))
        for pos, unit in enumerate(directory.units):
            known = await s.get(UnitRow, unit.code)
            started = unit.effective_from or (known.effective_from if known else effective)
            await s.merge(UnitRow(code=unit.code, name_vi=unit.name.vi, name_en=unit.name.en,
                                  kind=unit.kind.value, area_code=unit.area, position=pos,
                                  active=True, effective_from=started,
                                  effective_to=unit.effective_to))
        if successors:
            await s.execute(delete(UnitSuccessorRow)
                            .where(UnitSuccessorRow.unit_code.in_(list(successors))))
            for code, after in successors.items():
                for pos, successor in enumerate(after):
                    s.add(UnitSuccessorRow(unit_code=code, successor_code=successor,
                                           position=pos))
        for pos, f in enumerate(directory.fields):
            await s.merge(FieldRow(code=f.code, name_vi=f.name.vi, name_en=f.name.en,
                                   satisfaction_target=f.satisfaction_target,
                                   resolve_days=f.resolve_days, transfer_days=f.transfer_days,
                                   dossier_on_time_target=f.dossier_on_time_target,
                                   position=pos, active=True))
        for pos, p in enumerate(directory.procedures):
            await s.merge(ProcedureRow(code=p.code, name_vi=p.name.vi, name_en=p.name.en,
                                       field_code=p.field, level=p.level, position=pos,
                                       active=True))
        for rule in directory.rules:
            s.add(RoutingRuleRow(field_code=rule.field, area_code=rule.area, unit_code=rule.unit,
                                 to_area_unit=rule.to_area_unit))
        info = {"directory_code": directory.code, "directory_name_vi": directory.name.vi,
                "directory_name_en": directory.name.en or "",
                "directory_place": directory.place, "focal_unit": directory.focal_unit,
                "targets": json.dumps(dataclasses.asdict(directory.targets)),
                "effective_from": _iso(directory.effective_from or effective),
                "effective_to": _iso(directory.effective_to),
                VERSION_KEY: uuid.uuid4().hex, UPDATED_KEY: now.isoformat()}
        for key, value in info.items():
            await s.merge(Meta(key=key, value=value))
        await s.flush()

    async def _meta(self, key: str) -> str | None:
        return await meta_value(self.session, key)

    async def _read(self) -> Directory:
        s = self.session

        async def active(model: Any) -> list[Any]:
            stmt = select(model).where(model.active.is_(True)).order_by(model.position)
            return list((await s.execute(stmt)).scalars())

        areas = [Area(r.code, Name(r.name_vi, r.name_en)) for r in await active(AreaRow)]
        successors: dict[str, list[str]] = {}
        for row in (await s.execute(select(UnitSuccessorRow).order_by(
                UnitSuccessorRow.unit_code, UnitSuccessorRow.position))).scalars():
            successors.setdefault(row.unit_code, []).append(row.successor_code)
        units: list[Unit] = []
        former: list[Unit] = []
        for r in (await s.execute(select(UnitRow).order_by(UnitRow.position, UnitRow.code))
                  ).scalars():
            unit = Unit(r.code, Name(r.name_vi, r.name_en), UnitKind(r.kind), r.area_code,
                        r.effective_from, r.effective_to, tuple(successors.get(r.code, ())))
            (units if r.active else former).append(unit)
        fields = [Field(r.code, Name(r.name_vi, r.name_en), r.satisfaction_target,
                        r.resolve_days, r.transfer_days, r.dossier_on_time_target)
                  for r in await active(FieldRow)]
        procedures = [Procedure(r.code, Name(r.name_vi, r.name_en), r.field_code, r.level)
                      for r in await active(ProcedureRow)]
        rules = [RoutingRule(r.field_code, r.area_code, r.unit_code, r.to_area_unit)
                 for r in (await s.execute(select(RoutingRuleRow).order_by(RoutingRuleRow.id)))
                 .scalars()]
        info = {k: await self._meta(k) for k in INFO_KEYS}
        return Directory(
            code=info["directory_code"] or "",
            name=Name(info["directory_name_vi"] or "", info["directory_name_en"] or None),
            focal_unit=info["focal_unit"] or "",
            place=info["directory_place"] or info["directory_name_vi"] or "",
            targets=Targets(**json.loads(info["targets"])) if info["targets"] else Targets(),
            areas=tuple(areas), units=tuple(units), fields=tuple(fields),
            procedures=tuple(procedures), rules=tuple(rules),
            effective_from=_day(info["effective_from"]), effective_to=_day(info["effective_to"]),
            former_units=tuple(former),
        )


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
