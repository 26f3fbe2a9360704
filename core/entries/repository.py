"""SQL for subjects, entries and entry history; reads are scoped by the caller's department."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, bindparam, exists, false, or_, select, true, update
from sqlmodel import Session, col

from core.db import index_match, insert_once
from core.models import DataKeyRow, Entry, EntryEvent, Subject, SubjectFreeze
from core.prepared import DriverStatement, table

_SUBJECT = table(Subject)
_ENTRY = table(Entry)
_KEY = table(DataKeyRow)
_FREEZE = table(SubjectFreeze)


def subject_by_index(session: Session, code_index: bytes) -> Subject | None:
    """The subject whose blind index matches."""
    match = index_match(col(Subject.code_index), col(Subject.code_index_next), code_index)
    stmt = select(Subject).where(match)
    return session.execute(stmt).scalar_one_or_none()


def insert_subject(session: Session, values: Mapping[str, object]) -> bool:
    """Insert a subject unless its blind index is taken; true if it went in."""
    return insert_once(session, Subject, values)


def entry_for_department(
    session: Session, *, entry_id: uuid.UUID, department: str
) -> tuple[Entry, Subject, DataKeyRow, DataKeyRow] | None:
    """One entry of one department, with its subject and both data key rows."""
    stmt = (
        select(Entry, Subject, DataKeyRow)
        .join(Subject, col(Subject.id) == col(Entry.subject_id))
        .join(DataKeyRow, col(DataKeyRow.id) == col(Entry.data_key_id))
        .where(col(Entry.id) == entry_id, col(Entry.department) == department)
    )
    row = session.execute(stmt).first()
    if row is None:
        return None
    entry, subject, entry_key = row
    subject_key = session.get(DataKeyRow, subject.data_key_id)
    if subject_key is None:
        return None
    return entry, subject, entry_key, subject_key


def entries_of_subject(
    session: Session, *, subject_id: uuid.UUID
) -> Sequence[tuple[Entry, DataKeyRow]]:
    """Every entry of one subject with its data key row, oldest decision first."""
    stmt = (
        select(Entry, DataKeyRow)
        .join(DataKeyRow, col(DataKeyRow.id) == col(Entry.data_key_id))
        .where(col(Entry.subject_id) == subject_id)
        .order_by(col(Entry.decided_on), col(Entry.id))
    )
    return [(e, k) for e, k in session.execute(stmt).all()]


def entry_by_external_id(session: Session, *, department: str, external_id: str) -> Entry | None:
    """The department's entry with this external id, if any."""
    stmt = select(Entry).where(
        col(Entry.department) == department,
        col(Entry.external_id) == external_id,
    )
    return session.execute(stmt).scalar_one_or_none()


def history(session: Session, *, entry_id: uuid.UUID) -> Sequence[EntryEvent]:
    """An entry's history, oldest first."""
    stmt = (
        select(EntryEvent)
        .where(col(EntryEvent.entry_id) == entry_id)
        .order_by(col(EntryEvent.at), col(EntryEvent.id))
    )
    return session.execute(stmt).scalars().all()


# --- the agency query's reads (prepared; SPEC §12) ----------------------------------------


@dataclass(frozen=True, slots=True)
class QuerySubject:
    """A subject as the query path needs it: its id, its own data key, whether it is frozen."""

    id: uuid.UUID
    key_id: uuid.UUID
    wrapped: bytes | None  # None when the key row is shredded (or missing)
    frozen: bool


@dataclass(slots=True)  # not frozen: `EntryDates` (visibility policy) has plain attributes
class QueryEntry:
    """An entry's columns the query path answers and decides display from, with its key."""

    id: uuid.UUID
    department: str
    list_kind: str
    domain: str
    severity: str
    subject_name_ct: bytes
    facts_ct: bytes
    statement_ct: bytes | None
    legal_basis: str
    decided_on: date
    display_until: date
    under_objection: bool
    status: str
    notice_until: date | None
    retain_until: date
    exit_reason: str | None
    key_id: uuid.UUID
    wrapped: bytes | None  # None once the entry's data key is shredded


_SUBJECT_KEY = _KEY.alias("subject_key")
_ENTRY_KEY = _KEY.alias("entry_key")
# One statement for the subject, its key, its freeze and every entry with its key (SPEC §12):
# a subject without entries is one row whose entry columns are NULL.
_SUBJECT_FOR_QUERY = (
    select(
        _SUBJECT.c.id.label("subject_id"),
        _SUBJECT.c.data_key_id.label("subject_key_id"),
        _SUBJECT_KEY.c.wrapped.label("subject_wrapped"),
        exists()
        .where(_FREEZE.c.subject_id == _SUBJECT.c.id, _FREEZE.c.lifted_at.is_(None))
        .label("frozen"),
        _ENTRY.c.id,
        _ENTRY.c.department,
        _ENTRY.c.list_kind,
        _ENTRY.c.domain,
        _ENTRY.c.severity,
        _ENTRY.c.subject_name_ct,
        _ENTRY.c.facts_ct,
        _ENTRY.c.statement_ct,
        _ENTRY.c.legal_basis,
        _ENTRY.c.decided_on,
        _ENTRY.c.display_until,
        _ENTRY.c.under_objection,
        _ENTRY.c.status,
        _ENTRY.c.notice_until,
        _ENTRY.c.retain_until,
        _ENTRY.c.exit_reason,
        _ENTRY_KEY.c.id.label("key_id"),
        _ENTRY_KEY.c.wrapped,
    )
    .select_from(
        _SUBJECT.outerjoin(_SUBJECT_KEY, _SUBJECT_KEY.c.id == _SUBJECT.c.data_key_id)
        .outerjoin(_ENTRY, _ENTRY.c.subject_id == _SUBJECT.c.id)
        .outerjoin(_ENTRY_KEY, _ENTRY_KEY.c.id == _ENTRY.c.data_key_id)
    )
    # While the index key rotates the next column matches too (never NULL = NULL).
    .where(
        (_SUBJECT.c.code_index == bindparam("code_index"))
        | (_SUBJECT.c.code_index_next == bindparam("code_index_next"))
    )
    .order_by(_ENTRY.c.decided_on, _ENTRY.c.id)
)
_ENTRY_FIELDS = 4  # the entry's columns start after the subject's
# Straight to the driver: about half the time of the Core statement through SQLAlchemy's
# result machinery (bench/README-queries.md, "Read side").
_SUBJECT_FOR_QUERY_ROWS = DriverStatement(_SUBJECT_FOR_QUERY)
_ENTRY_ID = _ENTRY_FIELDS
_KEY_ID = len(_SUBJECT_FOR_QUERY.selected_columns) - 2


def subject_for_query(
    session: Session, code_index: bytes
) -> tuple[QuerySubject | None, list[QueryEntry]]:
    """The subject whose blind index matches, with its data key and freeze, and every entry
    of it with its data key, oldest decision first: all in one statement."""
    subject: QuerySubject | None = None
    entries: list[QueryEntry] = []
    params = {"code_index": bytes(code_index), "code_index_next": getattr(code_index, "next", None)}
    for row in _SUBJECT_FOR_QUERY_ROWS.rows(session, params):
        if subject is None:
            subject = QuerySubject(id=row[0], key_id=row[1], wrapped=row[2], frozen=bool(row[3]))
        # No entry (NULL id), or (never, with the foreign key) an entry without its key row.
        if row[_ENTRY_ID] is not None and row[_KEY_ID] is not None:
            entries.append(QueryEntry(*row[_ENTRY_FIELDS:]))
    return subject, entries


def entry_by_id(session: Session, entry_id: uuid.UUID) -> Entry | None:
    """One entry."""
    return session.get(Entry, entry_id)


def entries_by_id(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Entry]:
    """Entries by id."""
    if not ids:
        return {}
    stmt = select(Entry).where(col(Entry.id).in_(set(ids)))
    return {e.id: e for e in session.execute(stmt).scalars()}


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


# --- the department's list of its entries ------------------------------------------------


def _state_is(state: str, today: date) -> ColumnElement[bool]:
    """The read-time state of `core.entries.visibility.citizen_state`, as SQL on `today`."""
    status, notice = col(Entry.status), col(Entry.notice_until)
    display, held = col(Entry.display_until), col(Entry.under_objection)
    notice_over = and_(
        status == "pending_notice", notice.is_not(None), notice <= today, held.is_(False)
    )
    if state == "pending_notice":
        return and_(
            status == "pending_notice", or_(notice.is_(None), notice > today, held.is_(True))
        )
    if state == "displayed":
        return and_(or_(status == "displayed", notice_over), display > today)
    reason = col(Entry.exit_reason)
    if state == "expired":
        return or_(
            and_(or_(status == "displayed", notice_over), display <= today),
            status == "expired",
            and_(status == "retained", reason == "expired"),
        )
    if state == "exited":
        # A retained entry that ended any other way (a NULL reason too) shows as exited.
        retained_exit = and_(status == "retained", or_(reason.is_(None), reason != "expired"))
        return or_(status == "exited", retained_exit)
    if state == "shredded":
        return status == "shredded"
    return false()


@dataclass(frozen=True, slots=True)
class DepartmentQuery:
    """What a department lists of its entries; None means any."""

    department: str
    today: date
    limit: int
    list_kind: str | None = None
    state: str | None = None
    domain: str | None = None
    decided_from: date | None = None
    decided_to: date | None = None
    # An external id or a public reference, matched exactly.
    reference: str | None = None
    subject_id: uuid.UUID | None = None
    # The (decided_on, id) of the last row of the page before.
    after: tuple[date, uuid.UUID] | None = None


def department_entries(
    session: Session, query: DepartmentQuery
) -> Sequence[tuple[Entry, DataKeyRow]]:
    """The department's entries that match, newest decision first, with their data key rows."""
    where: list[ColumnElement[bool]] = [col(Entry.department) == query.department]
    if query.list_kind is not None:
        where.append(col(Entry.list_kind) == query.list_kind)
    if query.domain is not None:
        where.append(col(Entry.domain) == query.domain)
    if query.state is not None:
        where.append(_state_is(query.state, query.today))
    if query.decided_from is not None:
        where.append(col(Entry.decided_on) >= query.decided_from)
    if query.decided_to is not None:
        where.append(col(Entry.decided_on) <= query.decided_to)
    if query.reference is not None:
        where.append(
            or_(
                col(Entry.external_id) == query.reference,
                col(Entry.public_ref) == query.reference.upper(),
            )
        )
    if query.subject_id is not None:
        where.append(col(Entry.subject_id) == query.subject_id)
    if query.after is not None:
        day, last = query.after
        where.append(
            or_(
                col(Entry.decided_on) < day,
                and_(col(Entry.decided_on) == day, col(Entry.id) < last),
            )
        )
    stmt = (
        select(Entry, DataKeyRow)
        .join(DataKeyRow, col(DataKeyRow.id) == col(Entry.data_key_id))
        .where(and_(true(), *where))
        .order_by(col(Entry.decided_on).desc(), col(Entry.id).desc())
        .limit(query.limit)
    )
    return [(e, k) for e, k in session.execute(stmt).all()]
