"""SQL of objections alone: the department's queue in its order, and an entry's correction.

The shared case SQL (scoped lookups, guarded decisions, overdue scans) is in
core.cases.repository.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Final

from sqlalchemy import update
from sqlmodel import Session, col

from core.models import Entry, Objection, Subject

# The department's queue after the overdue cases: the oldest first.
QUEUE_ORDER: Final = (col(Objection.filed_on), col(Objection.created_at), col(Objection.id))


def subject_by_id(session: Session, subject_id: uuid.UUID) -> Subject | None:
    """One subject (to tell whether the objector is the entry's subject)."""
    return session.get(Subject, subject_id)


def correct_entry(
    session: Session,
    *,
    entry_id: uuid.UUID,
    version: int,
    values: Mapping[str, object],
    now: datetime,
) -> bool:
    """Write an entry's corrected fields if it is still at `version`; else False."""
    result = session.execute(
        update(Entry)
        .where(col(Entry.id) == entry_id, col(Entry.version) == version)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
