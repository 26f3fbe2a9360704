"""What sets one kind of case apart for the engine: its name, its table, its pending steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from core.models import Objection, RepairApplication

CaseRow = TypeVar("CaseRow", Objection, RepairApplication)
OPEN: tuple[str, ...] = ("filed", "accepted")


@dataclass(frozen=True, slots=True)
class Step:
    """A step with a legal clock: the statuses it is pending in, the column of its due date."""

    statuses: tuple[str, ...]
    due: str


@dataclass(frozen=True, slots=True)
class CaseKind(Generic[CaseRow]):
    """One kind of case: how its rows are stored, clocked, owned and refused."""

    # The `case_kind` of its history lines and evidence files.
    name: str
    model: type[CaseRow]
    # The column naming who filed it (the objector's blind index, the applicant's subject).
    owner: str
    steps: tuple[Step, ...]
    # What an officer outside the case's department is told (it does not exist for them).
    missing: str
    # What the officer who lost a race to decide is told.
    lost: str
