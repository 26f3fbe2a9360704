"""Schemas every case shares: evidence received, listed and opened; history lines; list filters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from core.vocabulary import ListKind


@dataclass(frozen=True, slots=True)
class Upload:
    """An evidence file as received: declared type, name and content."""

    media_type: str
    name: str
    content: bytes

    def __repr__(self) -> str:
        return f"Upload(media_type={self.media_type!r}, size={len(self.content)})"


@dataclass(frozen=True, slots=True)
class EvidenceContent:
    """An evidence file opened for an authorized caller."""

    media_type: str
    name: str
    content: bytes

    def __repr__(self) -> str:
        return f"EvidenceContent(media_type={self.media_type!r}, size={len(self.content)})"


# Who a history line is by, as a page names them: the one who filed the case, an officer
# of its department, or the service itself (never the officer's token subject).
ActorRole = Literal["filer", "officer", "system"]


class HistoryItem(BaseModel):
    """One line of a case's history as the citizen and the officer see it."""

    at: datetime
    actor: str
    role: ActorRole = "officer"
    event: str
    note: str | None = None


class EvidenceView(BaseModel):
    """An evidence file's metadata (the content is served separately)."""

    id: uuid.UUID
    media_type: str
    size: int
    name: str


# What an officer types to find one case: an entry's public reference (or its start), the
# department's own reference of the entry, or the case id. None of it is personal data.
CaseSearch = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._:-]{1,64}$")
]


class CaseFilter(BaseModel):
    """Filters of an officer's list (always the officer's own department)."""

    status: str | None = None
    overdue: bool | None = None
    escalated: bool | None = None
    # The list of the entry the case is about.
    list_kind: ListKind | None = None
    # Open cases with a pending step due within this many working days from today (the
    # overdue ones included).
    due_within: int | None = Field(default=None, ge=0, le=60)
    q: CaseSearch | None = None
    limit: int = Field(default=100, ge=1, le=500)
