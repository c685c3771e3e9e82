"""The requests a person may make about their personal data (Nghị định 356/2025/NĐ-CP)."""

from enum import StrEnum


class RequestKind(StrEnum):
    ACCESS = "access"
    CORRECTION = "correction"
    ERASURE = "erasure"
