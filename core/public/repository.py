"""SQL for the public data (§9): candidate rows only; what is shown is decided by the caller.

Every query here selects red and black entries that may be displayed on `today`
(displayed, or pending with its notice over and no objection holding it, and the display
period not over); the service confirms each with the read-time `shown_state`. The facts
and the citizen's statement are never loaded on these paths (they raise if touched).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import defer
from sqlmodel import Session, col

from core.db import index_match
from core.models import DataKeyRow, Entry, ExitAnnouncement, Subject

PUBLIC_KINDS = ("red", "black")
_NOT_PUBLIC = (
    defer(Entry.facts_ct, raiseload=True),  # type: ignore[arg-type]
    defer(Entry.statement_ct, raiseload=True),  # type: ignore[arg-type]
)


def _maybe_displayed(today: date) -> ColumnElement[bool]:
    """Rows that can be displayed on `today`; a superset of what `shown_state` admits."""
    return and_(
        col(Entry.list_kind).in_(PUBLIC_KINDS),
        col(Entry.display_until) > today,
        or_(
            col(Entry.status) == "displayed",
            and_(
                col(Entry.status) == "pending_notice",
                col(Entry.notice_until) <= today,
                col(Entry.under_objection).is_(False),
            ),
        ),
    )


def list_candidates(
    session: Session,
    *,
    list_kind: str,
    today: date,
    domain: str | None,
    department: str | None,
    after: tuple[date, str] | None,
    limit: int,
) -> Sequence[tuple[Entry, DataKeyRow]]:
    """Candidates of one public list, newest decision first, then by public reference."""
    if list_kind not in PUBLIC_KINDS:
        return []
    stmt = (
        select(Entry, DataKeyRow)
        .join(DataKeyRow, col(DataKeyRow.id) == col(Entry.data_key_id))
        .where(_maybe_displayed(today), col(Entry.list_kind) == list_kind)
        .options(*_NOT_PUBLIC)
    )
    if domain is not None:
        stmt = stmt.where(col(Entry.domain) == domain)
    if department is not None:
        stmt = stmt.where(col(Entry.department) == department)
    if after is not None:
        decided, ref = after
        stmt = stmt.where(
            or_(
                col(Entry.decided_on) < decided,
                and_(col(Entry.decided_on) == decided, col(Entry.public_ref) > ref),
            )
        )
    stmt = stmt.order_by(col(Entry.decided_on).desc(), col(Entry.public_ref)).limit(limit)
    return [(e, k) for e, k in session.execute(stmt).all()]


def announcement_rows(
    session: Session, *, after: tuple[date, uuid.UUID] | None, limit: int
) -> Sequence[tuple[ExitAnnouncement, Entry, DataKeyRow | None]]:
    """Exit announcements, newest first, each with its entry and the entry's key row."""
    stmt = (
        select(ExitAnnouncement, Entry, DataKeyRow)
        .join(Entry, col(Entry.id) == col(ExitAnnouncement.entry_id))
        .outerjoin(DataKeyRow, col(DataKeyRow.id) == col(Entry.data_key_id))
        .where(col(ExitAnnouncement.list_kind).in_(PUBLIC_KINDS))
        .options(*_NOT_PUBLIC)
    )
    if after is not None:
        announced, ident = after
        stmt = stmt.where(
            or_(
                col(ExitAnnouncement.announced_on) < announced,
                and_(
                    col(ExitAnnouncement.announced_on) == announced,
                    col(ExitAnnouncement.id) > ident,
                ),
            )
        )
    stmt = stmt.order_by(col(ExitAnnouncement.announced_on).desc(), col(ExitAnnouncement.id)).limit(
        limit
    )
    return [(a, e, k) for a, e, k in session.execute(stmt).all()]


def lookup_candidates(
    session: Session, *, code_index: bytes, today: date, limit: int
) -> Sequence[tuple[Entry, DataKeyRow]]:
    """One statement whether or not the index is known: the subject's public candidates."""
    stmt = (
        select(Entry, DataKeyRow)
        .join(Subject, col(Subject.id) == col(Entry.subject_id))
        .join(DataKeyRow, col(DataKeyRow.id) == col(Entry.data_key_id))
        .where(
            index_match(col(Subject.code_index), col(Subject.code_index_next), code_index),
            _maybe_displayed(today),
        )
        .options(*_NOT_PUBLIC)
        .order_by(col(Entry.decided_on).desc(), col(Entry.public_ref))
        .limit(limit)
    )
    return [(e, k) for e, k in session.execute(stmt).all()]
