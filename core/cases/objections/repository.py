"""SQL of objections alone: the department's queue in its order.

The shared case SQL (scoped lookups, guarded decisions, overdue scans) is in
core.cases.repository.
"""

from __future__ import annotations

import uuid
from typing import Final

from sqlmodel import Session, col

from core.models import Objection, Subject

# The department's queue after the overdue cases: the oldest first.
QUEUE_ORDER: Final = (col(Objection.filed_on), col(Objection.created_at), col(Objection.id))


def subject_by_id(session: Session, subject_id: uuid.UUID) -> Subject | None:
    """One subject (to tell whether the objector is the entry's subject)."""
    return session.get(Subject, subject_id)
