"""Outboxes: what the citizen and each agency are told (§6); delivery adapters come later.

Invariants: a citizen sees only notices of their own subject, a sealed query only once its
seal lifted; an agency sees only its own notices; notices name entries by id and say
what happened, never what the entry holds.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from core.entries import lifecycle_repository as repo
from core.entries import repository as record_repo
from core.models import Entry
from core.queries.notice_schemas import AgencyNotification, EntryEventNotice, Notification
from core.queries.service import query_history


def citizen_notifications(
    *, session: Session, code_index: bytes, now: datetime, limit: int
) -> list[Notification]:
    """The citizen's outbox, newest first: queries of their record and events of their entries."""
    subject = record_repo.subject_by_index(session, code_index)
    if subject is None:
        return []
    items = [
        Notification(type="query", at=datetime.fromisoformat(q.at), query=q)
        for q in query_history(
            session=session, code_index=code_index, now=now, limit=limit, with_receipts=False
        )
    ]
    for notice in repo.entry_notices(session, subject_id=subject.id, limit=limit):
        entry = session.get(Entry, notice.entry_id)
        if entry is None:  # pragma: no cover - notices reference their entry
            continue
        items.append(
            Notification(
                type="entry",
                at=notice.created_at,
                entry=EntryEventNotice(
                    entry_id=notice.entry_id,
                    list_kind=entry.list_kind,
                    kind=notice.kind,
                    at=notice.created_at,
                ),
            )
        )
    items.sort(key=lambda n: n.at, reverse=True)
    return items[:limit]


def agency_notifications(
    *, session: Session, agency: str, before: datetime | None, limit: int
) -> list[AgencyNotification]:
    """An agency's outbox, newest first."""
    return [
        AgencyNotification(
            entry_id=n.entry_id, entry_version=n.entry_version, kind=n.kind, at=n.created_at
        )
        for n in repo.agency_notices(session, agency=agency, before=before, limit=limit)
    ]
