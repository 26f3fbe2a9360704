"""Notifications: the citizen's outbox (queries and entry events) and an agency's outbox."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from core.queries.schemas import QueryHistoryItem


class ListingNotice(BaseModel):
    """What a prior notice (事前告知), a taking-effect notice or a watch warning tells the
    person (a watch warning states the validity end, §17).

    Opened from the entry at read time: the notice row itself holds none of it.
    `facts` is None once the entry was erased; `object_at` (the objection form) is None
    once the entry is no longer shown.
    """

    facts: str | None
    legal_basis: str
    domain: str
    takes_effect_on: date | None
    object_until: date | None
    object_at: str | None
    display_until: date
    valid_until: date


class EntryEventNotice(BaseModel):
    """Something happened to one of the citizen's entries (it took effect, expired, exited…)."""

    entry_id: uuid.UUID
    list_kind: str
    kind: str
    at: datetime
    listing: ListingNotice | None = None


class Notification(BaseModel):
    """One item of the citizen's outbox: a query of their record or an event of an entry."""

    type: Literal["query", "entry"]
    at: datetime
    query: QueryHistoryItem | None = None
    entry: EntryEventNotice | None = None


class AgencyNotification(BaseModel):
    """An entry this agency received was corrected, withdrawn or erased: update your copy."""

    entry_id: uuid.UUID
    entry_version: int
    kind: str
    at: datetime
