"""SQL for the entry lifecycle: guarded status changes, due work, announcements and notices."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    Table,
    insert,
    literal,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from core.db import insert_once
from core.models import (
    AgencyNotice,
    DataKeyRow,
    Entry,
    EntryNotice,
    ExitAnnouncement,
    Objection,
    QueryDelivery,
    RepairApplication,
    Subject,
)
from core.prepared import run, table

# The agency query's insert, prepared (SPEC §12): built once, compiled once per engine.
_ADD_DELIVERIES = insert(table(QueryDelivery))


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


def add_announcement(session: Session, values: Mapping[str, object]) -> bool:
    """Insert an exit announcement unless the entry already has one."""
    return insert_once(session, ExitAnnouncement, values)


def add_entry_notice(
    session: Session, *, subject_id: uuid.UUID, entry_id: uuid.UUID, kind: str, now: datetime
) -> bool:
    """Tell the citizen about one event of one entry, once."""
    return insert_once(
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
    return insert_once(
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
    """The data keys of every objection and repair case about an entry (one statement)."""
    objections = select(col(Objection.data_key_id)).where(col(Objection.entry_id) == entry_id)
    repairs = select(col(RepairApplication.data_key_id)).where(
        col(RepairApplication.entry_id) == entry_id
    )
    return list(session.execute(union_all(objections, repairs)).scalars())


def clear_objector_indexes(session: Session, *, subject_id: uuid.UUID) -> None:
    """Forget who objected to any entry of a subject (the subject is erased)."""
    entries = select(col(Entry.id)).where(col(Entry.subject_id) == subject_id)
    session.execute(
        update(Objection)
        .where(col(Objection.entry_id).in_(entries))
        .values(objector_index=None, objector_index_next=None)
        .execution_options(synchronize_session=False)
    )


def subject_has_live_records(session: Session, *, subject_id: uuid.UUID) -> bool:
    """Whether an entry of the subject is not shredded, or a case about one is not erased."""
    entries = select(col(Entry.id)).where(col(Entry.subject_id) == subject_id)
    live_entry = select(literal(1)).where(
        col(Entry.subject_id) == subject_id, col(Entry.status) != "shredded"
    )
    live_objection = (
        select(literal(1))
        .select_from(Objection)
        .join(DataKeyRow, col(DataKeyRow.id) == col(Objection.data_key_id))
        .where(col(Objection.entry_id).in_(entries), col(DataKeyRow.wrapped).is_not(None))
    )
    live_repair = (
        select(literal(1))
        .select_from(RepairApplication)
        .join(DataKeyRow, col(DataKeyRow.id) == col(RepairApplication.data_key_id))
        .where(col(RepairApplication.entry_id).in_(entries), col(DataKeyRow.wrapped).is_not(None))
    )
    found = session.execute(union_all(live_entry, live_objection, live_repair).limit(1)).first()
    return found is not None


def erroneous_with_live_cases(
    session: Session, *, shredded_before: datetime, limit: int
) -> list[Entry]:
    """Erroneous listings shredded before a time whose cases are not all erased yet."""
    entry_key = _KEYS.alias("entry_key")
    case_key = _KEYS.alias("case_key")
    live = [
        select(literal(1))
        .select_from(cases.join(case_key, case_key.c.id == cases.c.data_key_id))
        .where(cases.c.entry_id == col(Entry.id), case_key.c.wrapped.is_not(None))
        .exists()
        for cases in (_OBJECTIONS, _REPAIRS)
    ]
    stmt = (
        select(Entry)
        .join(entry_key, entry_key.c.id == col(Entry.data_key_id))
        .where(
            col(Entry.status) == "shredded",
            col(Entry.exit_reason) == "objection_upheld",
            entry_key.c.shredded_at < shredded_before,
            or_(*live),
        )
        .order_by(col(Entry.id))
        .limit(limit)
    )
    return list(session.scalars(stmt))


def erase_subject_row(session: Session, *, subject_id: uuid.UUID, now: datetime) -> None:
    """Clear a subject's code ciphertext and blind index; its row stays for the references."""
    session.execute(
        update(Subject)
        .where(col(Subject.id) == subject_id)
        .values(code_index=None, code_index_next=None, code_ct=None, erased_at=now)
        .execution_options(synchronize_session=False)
    )


def set_erasure_index(session: Session, *, entry_id: uuid.UUID, log_index: int) -> None:
    """Remember which log leaf records an entry's erasure."""
    session.execute(
        update(Entry)
        .where(col(Entry.id) == entry_id)
        .values(erasure_log_index=log_index)
        .execution_options(synchronize_session=False)
    )


def add_deliveries(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Record which entries a logged query returned to which agency (a prepared insert)."""
    if rows:
        run(session, _ADD_DELIVERIES, list(rows))


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


_ENTRY: Table = Entry.__table__  # type: ignore[attr-defined]
_KEYS: Table = DataKeyRow.__table__  # type: ignore[attr-defined]
_OBJECTIONS: Table = Objection.__table__  # type: ignore[attr-defined]
_REPAIRS: Table = RepairApplication.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DueKind:
    """One kind of time-driven work: entries of one status whose date column has come.

    Each kind is one range of its `(status, date)` index, read in that index's order.
    """

    status: str
    on: str  # the date column the kind's index orders by
    by_date: bool  # only rows whose date has come; else every row of the status
    held_out: bool = False  # an open objection holds the entry (§5.1)


# The kinds of due work, in the order a pass reads them.
DUE_KINDS: tuple[DueKind, ...] = (
    DueKind("pending_notice", "notice_until", by_date=True, held_out=True),
    DueKind("displayed", "display_until", by_date=True),
    DueKind("expired", "retain_until", by_date=False),
    DueKind("exited", "retain_until", by_date=False),
    DueKind("retained", "retain_until", by_date=True),
)


@dataclass
class DueCursor:
    """How far one pass has read each kind of due work: its last (date, row) read, or done.

    The row is SQLite's rowid or PostgreSQL's id (see `_row_order`); a cursor belongs to one
    pass over one database, and holds one position per kind whatever the table's size.
    """

    after: dict[str, tuple[date, Any]] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)


def _row_order(dialect: str) -> ColumnElement[Any]:
    """The column that orders entries of one kind with the same date.

    SQLite keeps every index entry in (columns…, rowid) order, so walking by rowid within a
    date reads the `(status, date)` index straight through, with no sort, and skips what was
    read without a table look-up. Only a VACUUM renumbers rowids; one between two batches
    could make this pass miss or re-read a row, which the next pass finds and every guarded
    step makes harmless. PostgreSQL has no stable row address, so id it is there (sorted
    within each date; an index `(status, date, id)` would spare that sort).
    """
    if dialect == "sqlite":
        return literal_column("entry.rowid", Integer)
    return _ENTRY.c.id


def _due_kind(
    kind: DueKind, *, dialect: str, today: date, after: tuple[date, Any] | None, limit: int
) -> Select[tuple[Entry, Any]]:
    """The next `limit` entries of one kind after `after`, in its index's order."""
    on = _ENTRY.c[kind.on]
    row = _row_order(dialect)
    stmt = select(Entry, row).where(col(Entry.status) == kind.status)
    if kind.by_date:
        stmt = stmt.where(on <= today)
    if kind.held_out:
        stmt = stmt.where(col(Entry.under_objection).is_(False))
    if after is not None:
        # The range starts at the last date read; the rows of that date already read are
        # told apart by the index's own columns, before any table row is fetched.
        day, last = after
        stmt = stmt.where(on >= day, or_(on > day, row > last))
    stmt = stmt.order_by(on, row).limit(limit)
    if dialect == "postgresql":
        # Another sweeper skips the rows this one holds instead of waiting for them.
        stmt = stmt.with_for_update(skip_locked=True)
    return stmt


def due_entries(session: Session, *, today: date, cursor: DueCursor, limit: int) -> list[Entry]:
    """Up to `limit` entries with time-driven work due on `today`, claimed by this worker.

    Reads the kinds of due work in turn, each from where `cursor` stands, and moves the
    cursor past what it returns: a pass reads every due row once, and an entry that stays
    due (held by another worker, or skipped) is left for the next pass. Empty when every
    kind has been read to its end.
    """
    dialect = session.get_bind().dialect.name
    entries: list[Entry] = []
    for kind in DUE_KINDS:
        want = limit - len(entries)
        if want <= 0:
            break
        if kind.status in cursor.done:
            continue
        stmt = _due_kind(
            kind, dialect=dialect, today=today, after=cursor.after.get(kind.status), limit=want
        )
        rows = session.execute(stmt).all()
        if len(rows) < want:
            cursor.done.add(kind.status)
        if rows:
            last, row = rows[-1]
            cursor.after[kind.status] = (getattr(last, kind.on), row)
        entries.extend(entry for entry, _ in rows)
    return entries


def reclaim(session: Session, entry_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Lock again the rows of a batch after a commit let go of them; those another sweeper
    took meanwhile are left out (PostgreSQL; SQLite's one writer holds them all)."""
    if not entry_ids:
        return set()
    stmt = select(col(Entry.id)).where(col(Entry.id).in_(list(entry_ids)))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return set(session.execute(stmt).scalars())
