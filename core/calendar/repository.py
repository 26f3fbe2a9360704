"""SQL for deadlines counted on the provisional calendar: the open ones, and their counts.

Only open deadlines matter: a black entry still in its prior notice, an objection still
waiting to be accepted, a repair still waiting to be accepted or decided. A row whose
deadline is over keeps its mark as history; reads count it again by themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlmodel import Session, col

from core.models import Entry, Objection, RepairApplication


def _entry_open() -> ColumnElement[bool]:
    return and_(
        col(Entry.status) == "pending_notice", col(Entry.notice_provisional_days).is_not(None)
    )


def _objection_open() -> ColumnElement[bool]:
    return and_(
        col(Objection.status) == "filed", col(Objection.accept_provisional_days).is_not(None)
    )


def _repair_open() -> ColumnElement[bool]:
    return or_(
        and_(
            col(RepairApplication.status) == "filed",
            or_(
                col(RepairApplication.accept_provisional_days).is_not(None),
                col(RepairApplication.decide_provisional_days).is_not(None),
            ),
        ),
        and_(
            col(RepairApplication.status) == "accepted",
            col(RepairApplication.decide_provisional_days).is_not(None),
        ),
    )


def open_entries(session: Session) -> Sequence[Entry]:
    """Entries in their prior notice whose end was counted provisionally."""
    return session.scalars(select(Entry).where(_entry_open()).order_by(col(Entry.id))).all()


def open_objections(session: Session) -> Sequence[Objection]:
    """Filed objections whose accept deadline was counted provisionally."""
    return session.scalars(
        select(Objection).where(_objection_open()).order_by(col(Objection.id))
    ).all()


def open_repairs(session: Session) -> Sequence[RepairApplication]:
    """Open repair applications with a pending deadline counted provisionally."""
    return session.scalars(
        select(RepairApplication).where(_repair_open()).order_by(col(RepairApplication.id))
    ).all()


def count_open(session: Session) -> dict[str, int]:
    """How many open deadlines are provisional, by kind (for /metrics)."""
    counts: dict[str, int] = {}
    for kind, model, clause in (
        ("entry_notice", Entry, _entry_open()),
        ("objection", Objection, _objection_open()),
        ("repair", RepairApplication, _repair_open()),
    ):
        found = session.scalar(select(func.count()).select_from(model).where(clause))
        counts[kind] = int(found or 0)
    return counts
