"""Who acts: citizens, unit staff, unit heads and administrators."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    HEAD = "head"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.STAFF, Role.HEAD})


@dataclass(frozen=True)
class Actor:
    account_id: int
    role: Role
    unit: str | None = None
    name: str = ""
    covers: frozenset[str] = frozenset()
    """Units nobody has joined, whose cases fall back to this person's unit, the focal
    point: its staff handle them until the unit has staff of its own."""

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES or self.role is Role.ADMIN

    def works_for(self, unit: str) -> bool:
        return self.role in STAFF_ROLES and (self.unit == unit or unit in self.covers)


@dataclass(frozen=True)
class Account:
    """A person known to the service, whatever channels they write from."""

    id: int
    role: Role
    unit: str | None
    name: str
    language: str | None
    consent_version: str | None

    def as_actor(self, covers: frozenset[str] = frozenset()) -> Actor:
        return Actor(account_id=self.id, role=self.role, unit=self.unit, name=self.name,
                     covers=covers)
