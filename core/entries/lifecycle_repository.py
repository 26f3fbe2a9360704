"""SQL for the entry lifecycle: guarded status changes, due work, announcements and notices."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Row,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    insert,
    literal,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from core.db import insert_once
from core.models import (
    AgencyNotice,
    DataKeyRow,
    Entry,
    EntryEvent,
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


def version_occasion(version: int) -> str:
    """The occasion of a notice about what happened to an entry at one version."""
    return f"v{version}"


def add_entry_notice(
    session: Session,
    *,
    subject_id: uuid.UUID,
    entry_id: uuid.UUID,
    kind: str,
    now: datetime,
    occasion: str | None = None,
) -> bool:
    """Tell the citizen about one event of one entry, once per occasion.

    Without an `occasion` (a case id, say) the event is the entry's current version.
    """
    # Read in the INSERT itself: one statement, and the version the row has as it is written.
    at_version = (
        select(literal("v").concat(cast(col(Entry.version), String)))
        .where(col(Entry.id) == entry_id)
        .scalar_subquery()
    )
    return insert_once(
        session,
        EntryNotice,
        {
            "id": uuid.uuid4(),
            "subject_id": subject_id,
            "entry_id": entry_id,
            "kind": kind,
            "occasion": at_version if occasion is None else occasion,
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


# A page's position: the (created_at, id) of the last notice served.
NoticeKey = tuple[datetime, uuid.UUID]


def _after(at: Any, ident: Any, key: NoticeKey | None) -> ColumnElement[bool] | None:
    """Past `key` in the order newest first, then by id (ties at one instant kept apart)."""
    if key is None:
        return None
    return or_(at < key[0], and_(at == key[0], ident > key[1]))


def agency_notices(
    session: Session, *, agency: str, after: NoticeKey | None, limit: int
) -> Sequence[AgencyNotice]:
    """An agency's notices, newest first, from past `after` (the page's position)."""
    stmt = select(AgencyNotice).where(col(AgencyNotice.agency) == agency)
    past = _after(col(AgencyNotice.created_at), col(AgencyNotice.id), after)
    if past is not None:
        stmt = stmt.where(past)
    stmt = stmt.order_by(col(AgencyNotice.created_at).desc(), col(AgencyNotice.id)).limit(limit)
    return session.execute(stmt).scalars().all()


def entry_notices(
    session: Session, *, subject_id: uuid.UUID, limit: int, after: NoticeKey | None = None
) -> Sequence[EntryNotice]:
    """A citizen's entry notices, newest first, from past `after` (the page's position)."""
    stmt = select(EntryNotice).where(col(EntryNotice.subject_id) == subject_id)
    past = _after(col(EntryNotice.created_at), col(EntryNotice.id), after)
    if past is not None:
        stmt = stmt.where(past)
    stmt = stmt.order_by(col(EntryNotice.created_at).desc(), col(EntryNotice.id)).limit(limit)
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
_SUBJECTS: Table = Subject.__table__  # type: ignore[attr-defined]


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


def _row_order(dialect: str, entry: Any = None) -> ColumnElement[Any]:
    """The column that orders entries of one kind with the same date.

    SQLite keeps every index entry in (columns…, rowid) order, so walking by rowid within a
    date reads the `(status, date)` index straight through, with no sort, and skips what was
    read without a table look-up. Only a VACUUM renumbers rowids; one between two batches
    could make this pass miss or re-read a row, which the next pass finds and every guarded
    step makes harmless. PostgreSQL has no stable row address, so id it is there (sorted
    within each date; an index `(status, date, id)` would spare that sort).
    """
    entry = _ENTRY if entry is None else entry
    if dialect == "sqlite":
        return literal_column(f"{entry.name}.rowid", Integer)
    column: ColumnElement[Any] = entry.c.id
    return column


def _due_kind(
    kind: DueKind, *, dialect: str, today: date, after: tuple[date, Any] | None, limit: int
) -> Select[tuple[Entry, Any]]:
    """The next `limit` entries of one kind after `after`, in its index's order."""
    row = _row_order(dialect)
    stmt = _due_range(select(Entry, row), _ENTRY, kind, row, today=today, after=after)
    return _claimed(stmt.limit(limit), dialect)


def _due_range(
    stmt: Select[Any],
    entry: Any,
    kind: DueKind,
    row: ColumnElement[Any],
    *,
    today: date,
    after: tuple[date, Any] | None,
) -> Select[Any]:
    """`stmt` narrowed to one kind's due range of `entry` (the table or an alias) after `after`,
    in its index's order."""
    on = entry.c[kind.on]
    stmt = stmt.where(entry.c.status == kind.status)
    if kind.by_date:
        stmt = stmt.where(on <= today)
    if kind.held_out:
        stmt = stmt.where(entry.c.under_objection.is_(False))
    if after is not None:
        # The range starts at the last date read; the rows of that date already read are
        # told apart by the index's own columns, before any table row is fetched.
        day, last = after
        stmt = stmt.where(on >= day, or_(on > day, row > last))
    return stmt.order_by(on, row)


def _claimed(stmt: Select[Any], dialect: str) -> Select[Any]:
    """On PostgreSQL the rows are claimed: another sweeper skips them instead of waiting."""
    if dialect == "postgresql":
        return stmt.with_for_update(skip_locked=True)
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


# --- the set-based sweep: one `UPDATE … RETURNING` per batch and stage ---------------------

# What a move leaves the entry as, per status it leaves: `states.TRANSITIONS` written as SET
# clauses (the equivalence test holds them to what `lifecycle.apply` does row by row).
_ERRONEOUS = _ENTRY.c.exit_reason == "objection_upheld"
_MOVES: dict[str, dict[str, Any]] = {
    "pending_notice": {"status": "displayed"},
    # It ended on its display end, however late the sweeper noticed.
    "displayed": {
        "status": "expired",
        "exit_reason": "expired",
        "exited_on": _ENTRY.c.display_until,
    },
    # Exit paperwork done: kept until retention end, or shredded at once if erroneous.
    "expired": {"status": case((_ERRONEOUS, "shredded"), else_="retained")},
    "exited": {"status": case((_ERRONEOUS, "shredded"), else_="retained")},
    "retained": {"status": "shredded"},
}
# The sweep's rows carry what the paperwork needs, never the sealed fields.
MOVED_COLUMNS = (
    "id",
    "subject_id",
    "data_key_id",
    "public_ref",
    "department",
    "external_id",
    "list_kind",
    "domain",
    "status",
    "exit_reason",
    "exited_on",
    "notice_until",
    "display_until",
    "retain_until",
    "watch_months",
    "version",
)


def claim_due(
    session: Session, *, kind: DueKind, today: date, cursor: DueCursor, limit: int, now: datetime
) -> list[Row[Any]]:
    """Move the next `limit` due entries of one kind one step, in one `UPDATE … RETURNING`.

    The due rows are picked along the kind's index from where `cursor` stands (on PostgreSQL
    `FOR UPDATE SKIP LOCKED`, so two sweepers never take one row; on SQLite the transaction
    holds the write lock), and the cursor moves past them: a pass reads every due row once.
    The status is checked again by the UPDATE itself, so a row moved meanwhile stays as it is.
    """
    dialect = session.get_bind().dialect.name
    due = _ENTRY.alias("due")
    row = _row_order(dialect, due)
    after = cursor.after.get(kind.status)
    pick = _due_range(select(row), due, kind, row, today=today, after=after).limit(limit)
    here = _row_order(dialect)
    picked: Any = _claimed(pick, dialect)
    if dialect == "postgresql":
        # A CTE is run once: as a sub-select PostgreSQL may scan it again during the UPDATE,
        # and a rescan skips the rows the UPDATE just moved, claiming others out of order.
        due_ids = picked.cte("due_ids")
        picked = select(due_ids.c.id)
    guard = [_status_is(dialect, kind.status)]
    if kind.held_out:
        guard.append(_ENTRY.c.under_objection.is_(False))
    stmt = (
        update(_ENTRY)
        .where(here.in_(picked), *guard)
        .values(updated_at=now, **_MOVES[kind.status])
        .returning(
            *(_ENTRY.c[name] for name in MOVED_COLUMNS),
            # Labelled: the same columns may be among the moved ones (not repeated in a row).
            _ENTRY.c[kind.on].label("due_on"),
            here.label("due_row"),
        )
    )
    rows = list(session.execute(stmt).all())
    if len(rows) < limit:
        cursor.done.add(kind.status)
    if rows:
        cursor.after[kind.status] = max((r.due_on, r.due_row) for r in rows)
    return rows


def _status_is(dialect: str, status: str) -> ColumnElement[bool]:
    """The guard `entry.status = status` of an UPDATE that finds its rows by key.

    On SQLite it is written `+entry.status`, which no index can serve: as a plain term the
    planner chose the status index and walked every entry in that status for each batch
    (about 600,000 index rows a batch at 1M entries) instead of looking the rows up by key.
    """
    if dialect == "sqlite":
        return literal_column(f"+{_ENTRY.name}.status", String) == status
    return _ENTRY.c.status == status


def move_on(
    session: Session, *, ids: Sequence[uuid.UUID], status: str, now: datetime
) -> list[Row[Any]]:
    """Move the given entries on from `status` (those still in it) in one `UPDATE … RETURNING`;
    they are this batch's own rows, already claimed."""
    if not ids:
        return []
    stmt = (
        update(_ENTRY)
        .where(_ENTRY.c.id.in_(list(ids)), _status_is(session.get_bind().dialect.name, status))
        .values(updated_at=now, **_MOVES[status])
        .returning(*(_ENTRY.c[name] for name in MOVED_COLUMNS))
    )
    return list(session.execute(stmt).all())


_ADD_EVENTS = insert(table(EntryEvent))


def add_events(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert history events in one executemany."""
    if rows:
        run(session, _ADD_EVENTS, [{"reason_ct": None, **r} for r in rows])


def _insert_many_once(session: Session, model: type, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert rows, each unless one with its unique key exists, in one executemany."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        for values in rows:
            insert_once(session, model, values)
        return
    make = sqlite.insert if dialect == "sqlite" else postgresql.insert
    run(session, make(table(model)).on_conflict_do_nothing(), list(rows))


def add_announcements(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert exit announcements, each unless its entry already has one."""
    _insert_many_once(session, ExitAnnouncement, rows)


def add_entry_notices(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert citizen notices (subject_id, entry_id, kind, occasion, created_at), each once."""
    _insert_many_once(session, EntryNotice, [{"id": uuid.uuid4(), **r} for r in rows])


def add_agency_notices(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert agency notices (agency, entry_id, entry_version, kind, created_at), each once."""
    _insert_many_once(session, AgencyNotice, [{"id": uuid.uuid4(), **r} for r in rows])


def receivers(
    session: Session, *, entry_ids: Sequence[uuid.UUID], since: datetime
) -> dict[uuid.UUID, list[str]]:
    """For each entry, the agencies a query answered with it at or after `since`, sorted."""
    if not entry_ids:
        return {}
    stmt = (
        select(col(QueryDelivery.entry_id), col(QueryDelivery.agency))
        .where(col(QueryDelivery.entry_id).in_(list(entry_ids)), col(QueryDelivery.at) >= since)
        .distinct()
    )
    found: dict[uuid.UUID, list[str]] = {}
    for entry_id, agency in session.execute(stmt).all():
        found.setdefault(entry_id, []).append(agency)
    return {entry_id: sorted(agencies) for entry_id, agencies in found.items()}


def shred_data_keys(
    session: Session, *, key_ids: Sequence[uuid.UUID], now: datetime
) -> set[uuid.UUID]:
    """Destroy wrapped keys for good in one statement; return those that were live."""
    if not key_ids:
        return set()
    stmt = (
        update(_KEYS)
        .where(_KEYS.c.id.in_(list(key_ids)), _KEYS.c.wrapped.is_not(None))
        .values(wrapped=None, shredded_at=now)
        .returning(_KEYS.c.id)
    )
    return set(session.execute(stmt).scalars())


def case_keys_of_entries(
    session: Session, *, entry_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(entry, data key) of every objection and repair case about these entries."""
    if not entry_ids:
        return []
    ids = list(entry_ids)
    cases = [
        select(t.c.entry_id, t.c.data_key_id).where(t.c.entry_id.in_(ids))
        for t in (_OBJECTIONS, _REPAIRS)
    ]
    return [(e, k) for e, k in session.execute(union_all(*cases)).all()]


def gone_subjects(
    session: Session, *, subject_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(subject, data key) of the subjects not yet erased of which nothing remains: every
    entry shredded, every case about them erased (`subject_has_live_records`, set-wise)."""
    if not subject_ids:
        return []
    subject = _SUBJECTS
    entry = _ENTRY.alias("e")
    key = _KEYS.alias("k")
    live_entry = (
        select(literal(1))
        .select_from(entry)
        .where(entry.c.subject_id == subject.c.id, entry.c.status != "shredded")
        .exists()
    )
    live_cases = [
        select(literal(1))
        .select_from(
            cases.join(key, key.c.id == cases.c.data_key_id).join(
                entry, entry.c.id == cases.c.entry_id
            )
        )
        .where(entry.c.subject_id == subject.c.id, key.c.wrapped.is_not(None))
        .exists()
        for cases in (_OBJECTIONS, _REPAIRS)
    ]
    stmt = select(subject.c.id, subject.c.data_key_id).where(
        subject.c.id.in_(list(subject_ids)),
        subject.c.erased_at.is_(None),
        ~live_entry,
        *(~live for live in live_cases),
    )
    return [(s, k) for s, k in session.execute(stmt).all()]


def watch_entries_made(
    session: Session, *, keys: Sequence[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of these (department, external id) pairs already name an entry."""
    if not keys:
        return set()
    # Two INs, not a row-value IN: SQLite reads the unique (department, external_id) index
    # for the former and scans the whole table for the latter. The cross product's extra
    # matches are dropped below.
    wanted = set(keys)
    stmt = select(_ENTRY.c.department, _ENTRY.c.external_id).where(
        _ENTRY.c.department.in_(sorted({d for d, _e in wanted})),
        _ENTRY.c.external_id.in_(sorted({e for _d, e in wanted})),
    )
    return {(d, e) for d, e in session.execute(stmt).all()} & wanted


def sealed_entries(session: Session, *, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row[Any]]:
    """The sealed fields of these entries, with their wrapped data key (None: shredded)."""
    if not ids:
        return {}
    e = _ENTRY
    stmt = (
        select(
            e.c.id,
            e.c.severity,
            e.c.legal_basis,
            e.c.subject_name_ct,
            e.c.facts_ct,
            e.c.public_summary_ct,
            _KEYS.c.wrapped,
        )
        .join(_KEYS, _KEYS.c.id == e.c.data_key_id, isouter=True)
        .where(e.c.id.in_(list(ids)))
    )
    return {r.id: r for r in session.execute(stmt).all()}


def erase_subject_rows(
    session: Session, *, subject_ids: Sequence[uuid.UUID], now: datetime
) -> None:
    """`erase_subject_row` and `clear_objector_indexes` for several subjects at once."""
    if not subject_ids:
        return
    ids = list(subject_ids)
    session.execute(
        update(_SUBJECTS)
        .where(_SUBJECTS.c.id.in_(ids))
        .values(code_index=None, code_index_next=None, code_ct=None, erased_at=now)
    )
    entries = select(_ENTRY.c.id).where(_ENTRY.c.subject_id.in_(ids))
    session.execute(
        update(_OBJECTIONS)
        .where(_OBJECTIONS.c.entry_id.in_(entries))
        .values(objector_index=None, objector_index_next=None)
    )


_SET_ERASURE_INDEX = (
    update(_ENTRY)
    .where(_ENTRY.c.id == bindparam("entry"))
    .values(erasure_log_index=bindparam("log_index"))
)


def set_erasure_indexes(session: Session, pairs: Sequence[tuple[uuid.UUID, int]]) -> None:
    """Remember which log leaf records each entry's erasure (one executemany)."""
    if pairs:
        run(session, _SET_ERASURE_INDEX, [{"entry": e, "log_index": i} for e, i in pairs])
