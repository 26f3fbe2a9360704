"""SQL for the entry lifecycle: guarded status changes, due work, announcements and notices."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.models import (
    AgencyNotice,
    Entry,
    EntryNotice,
    ExitAnnouncement,
    Objection,
    QueryDelivery,
    RepairApplication,
)


def change_status(
    session: Session,
    *,
    entry_id: uuid.UUID,
    expect: tuple[str, bool],
    to: tuple[str, bool],
    now: datetime,
    extra: Mapping[str, object] | None = None,
) -> bool:
    """Move an entry from one (status, objection flag) to another; False if it was not there."""
    result = session.execute(
        update(Entry)
        .where(
            col(Entry.id) == entry_id,
            col(Entry.status) == expect[0],
            col(Entry.under_objection) == expect[1],
        )
        .values(status=to[0], under_objection=to[1], updated_at=now, **(extra or {}))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def _insert_once(session: Session, model: type, values: Mapping[str, object]) -> bool:
    try:
        with session.begin_nested():
            session.execute(insert(model).values(**values))
    except IntegrityError:
        return False
    return True


def add_announcement(session: Session, values: Mapping[str, object]) -> bool:
    """Insert an exit announcement unless the entry already has one."""
    return _insert_once(session, ExitAnnouncement, values)


def add_entry_notice(
    session: Session, *, subject_id: uuid.UUID, entry_id: uuid.UUID, kind: str, now: datetime
) -> bool:
    """Tell the citizen about one event of one entry, once."""
    return _insert_once(
        session,
        EntryNotice,
        {
            "id": uuid.uuid4(),
            "subject_id": subject_id,
            "entry_id": entry_id,
            "kind": kind,
            "created_at": now,
        },
    )


def add_agency_notice(
    session: Session, *, agency: str, entry_id: uuid.UUID, version: int, kind: str, now: datetime
) -> bool:
    """Tell an agency that an entry it received changed, once per entry version and kind."""
    return _insert_once(
        session,
        AgencyNotice,
        {
            "id": uuid.uuid4(),
            "agency": agency,
            "entry_id": entry_id,
            "entry_version": version,
            "kind": kind,
            "created_at": now,
        },
    )


def case_keys_of(session: Session, *, entry_id: uuid.UUID) -> list[uuid.UUID]:
    """The data keys of every objection and repair case about an entry."""
    objections = select(col(Objection.data_key_id)).where(col(Objection.entry_id) == entry_id)
    repairs = select(col(RepairApplication.data_key_id)).where(
        col(RepairApplication.entry_id) == entry_id
    )
    return [*session.execute(objections).scalars(), *session.execute(repairs).scalars()]


def add_deliveries(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Record which entries a logged query returned to which agency."""
    if rows:
        session.execute(insert(QueryDelivery), list(rows))


def agencies_that_received(session: Session, *, entry_id: uuid.UUID, since: datetime) -> list[str]:
    """The agencies a query answered with this entry at or after `since`."""
    stmt = (
        select(col(QueryDelivery.agency))
        .where(col(QueryDelivery.entry_id) == entry_id, col(QueryDelivery.at) >= since)
        .distinct()
        .order_by(col(QueryDelivery.agency))
    )
    return list(session.execute(stmt).scalars())


def agency_notices(
    session: Session, *, agency: str, before: datetime | None, limit: int
) -> Sequence[AgencyNotice]:
    """An agency's notices, newest first."""
    stmt = select(AgencyNotice).where(col(AgencyNotice.agency) == agency)
    if before is not None:
        stmt = stmt.where(col(AgencyNotice.created_at) < before)
    stmt = stmt.order_by(col(AgencyNotice.created_at).desc(), col(AgencyNotice.id)).limit(limit)
    return session.execute(stmt).scalars().all()


def entry_notices(session: Session, *, subject_id: uuid.UUID, limit: int) -> Sequence[EntryNotice]:
    """A citizen's entry notices, newest first."""
    stmt = (
        select(EntryNotice)
        .where(col(EntryNotice.subject_id) == subject_id)
        .order_by(col(EntryNotice.created_at).desc(), col(EntryNotice.id))
        .limit(limit)
    )
    return session.execute(stmt).scalars().all()


def announcements(session: Session) -> Sequence[ExitAnnouncement]:
    """Every exit announcement, newest first."""
    stmt = select(ExitAnnouncement).order_by(
        col(ExitAnnouncement.announced_on).desc(), col(ExitAnnouncement.id)
    )
    return session.execute(stmt).scalars().all()


def due_entries(
    session: Session, *, today: date, after: uuid.UUID | None, limit: int
) -> Sequence[Entry]:
    """Entries with time-driven work due on `today`, by id after `after`, claimed by this worker."""
    due = or_(
        and_(
            col(Entry.status) == "pending_notice",
            col(Entry.notice_until) <= today,
            col(Entry.under_objection).is_(False),
        ),
        and_(col(Entry.status) == "displayed", col(Entry.display_until) <= today),
        col(Entry.status).in_(("expired", "exited")),
        and_(col(Entry.status) == "retained", col(Entry.retain_until) <= today),
    )
    stmt = select(Entry).where(due)
    if after is not None:
        stmt = stmt.where(col(Entry.id) > after)
    stmt = stmt.order_by(col(Entry.id)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Another sweeper skips the rows this one holds instead of waiting for them.
        stmt = stmt.with_for_update(skip_locked=True)
    return session.execute(stmt).scalars().all()
