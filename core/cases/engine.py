"""The case engine: what objections and repairs share — scoped lookups and lists, guarded
decisions, escalation of overdue steps, sealed notes, the history and evidence files.

Invariants:
- Each case has its own data key; its free text and files are sealed under it with an
  AAD naming the table, column and row, and opened only after the caller's scope selected
  the case (its department for an officer, its owner for the one who filed it); a case out
  of scope does not exist (NotFound).
- A decision is one UPDATE conditioned on the version and status read: of two racing
  officers exactly one wins, the other gets a Conflict (`concurrent_decision`).
- Escalation flags an open case past a pending step's due date once, if it is still in the
  status scanned and still overdue, without touching the version.
- The history is append-only: events are inserted, never changed or deleted.
- An evidence file is accepted only if its declared type is allowed, its first bytes
  match that type, and it is within the size limit; a refused file changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlmodel import Session

from core.calendar.workdays import WorkCalendar
from core.cases import repository as repo
from core.cases.kind import CaseKind, CaseRow
from core.cases.schemas import (
    ActorRole,
    CaseFilter,
    EvidenceContent,
    EvidenceView,
    HistoryItem,
    Upload,
)
from core.context import Context
from core.entries import repository as record_repo
from core.entries import store
from core.errors import Conflict, InvalidInput, NotFound, Shredded
from core.ids import ordered_id
from core.keyring import Keyring
from core.models import CaseEvent, Entry, EvidenceFile
from core.ops import keys_repository as key_repo
from crypto.envelope import DataKey, open_field, seal

# Allowed evidence types and the bytes each must start with.
MEDIA_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
MAX_NAME = 120
SYSTEM = "system"
View = TypeVar("View")


# --- keys and sealing ------------------------------------------------------------------


def new_case_key(session: Session, keyring: Keyring, *, kind: str, now: datetime) -> DataKey:
    """A fresh data key for one case."""
    return store.new_key(session, keyring, owner=kind, now=now)


def case_key(session: Session, keyring: Keyring, row: CaseRow) -> DataKey | None:
    """The case's data key, or None once it was shredded."""
    key_row = key_repo.get_data_key(session, row.data_key_id)
    if key_row is None or key_row.wrapped is None:
        return None
    return keyring.data_key(key_row.id, key_row.wrapped)


def seal_text(key: DataKey, text: str, table: str, column: str, row_id: uuid.UUID) -> bytes:
    """Seal one text field of one case row."""
    return seal(key, text.encode(), store.ctx(table, column, row_id))


# --- lookups ------------------------------------------------------------------------------


def find_for_department(
    session: Session, kind: CaseKind[CaseRow], *, case_id: uuid.UUID, department: str
) -> CaseRow | None:
    """One case of the officer's department, or None."""
    return repo.for_department(session, kind, case_id=case_id, department=department)


def department_case(
    session: Session, kind: CaseKind[CaseRow], *, case_id: uuid.UUID, department: str
) -> CaseRow:
    """One case of the officer's department; another department's does not exist."""
    row = find_for_department(session, kind, case_id=case_id, department=department)
    if row is None:
        raise NotFound(kind.missing)
    return row


def department_view(
    ctx: Context,
    kind: CaseKind[CaseRow],
    view: Callable[[Session, Keyring, CaseRow, date, WorkCalendar], View],
    *,
    case_id: uuid.UUID,
    department: str,
) -> View:
    """One case of the officer's department as `view` opens it today (session, keyring, row)."""
    today = ctx.today()
    row = department_case(ctx.session, kind, case_id=case_id, department=department)
    return view(ctx.session, ctx.keyring, row, today, ctx.calendar)


def department_rows(
    ctx: Context,
    kind: CaseKind[CaseRow],
    *,
    department: str,
    filters: CaseFilter,
    today: date | None,
    order: Sequence[Any],
    offset: int | None = None,
) -> tuple[date, Sequence[CaseRow]]:
    """The day a department's list is drawn up for (today unless given), and its cases."""
    day = ctx.today() if today is None else today
    within = filters.due_within
    rows = repo.department_queue(
        ctx.session,
        kind,
        department=department,
        filters=filters,
        today=day,
        order=order,
        offset=offset,
        due_by=None if within is None else ctx.calendar.add_working_days(day, within),
    )
    return day, rows


def find_for_owner(
    session: Session, kind: CaseKind[CaseRow], *, case_id: uuid.UUID, owner: bytes | uuid.UUID
) -> CaseRow | None:
    """One case filed by this owner (objector's blind index, applicant's subject), or None."""
    return repo.for_owner(session, kind, case_id=case_id, owner=owner)


def scoped_case(
    session: Session,
    kind: CaseKind[CaseRow],
    *,
    case_id: uuid.UUID,
    department: str | None,
    owner: bytes | uuid.UUID | None,
) -> CaseRow | None:
    """The case in the caller's scope: an officer's department, else its owner; else None."""
    if department is not None:
        return find_for_department(session, kind, case_id=case_id, department=department)
    if owner is not None:
        return find_for_owner(session, kind, case_id=case_id, owner=owner)
    return None


def entry_of(session: Session, kind: CaseKind[CaseRow], row: CaseRow) -> Entry:
    """The entry a case is about."""
    entry = record_repo.entry_by_id(session, row.entry_id)
    if entry is None:  # pragma: no cover - a case references its entry
        raise NotFound(kind.missing)
    return entry


# --- decisions and escalation ----------------------------------------------------------


def decide(
    session: Session, kind: CaseKind[CaseRow], row: CaseRow, values: Mapping[str, object]
) -> None:
    """Write a decision if the case is still at the version and status read; else Conflict."""
    if not repo.decide(
        session, kind, case_id=row.id, version=row.version, status=row.status, values=values
    ):
        raise Conflict(kind.lost, rule="concurrent_decision")


def escalate_overdue(
    session: Session,
    kind: CaseKind[CaseRow],
    *,
    today: date,
    now: datetime,
    event: Callable[[CaseRow], str],
) -> int:
    """Flag every open overdue case for its department's supervisor, once; count them."""
    count = 0
    for row in repo.overdue_unescalated(session, kind, today=today):
        if repo.mark_escalated(
            session, kind, case_id=row.id, status=row.status, today=today, now=now
        ):
            add_event(
                session, kind=kind.name, case_id=row.id, actor=SYSTEM, event=event(row), now=now
            )
            count += 1
    session.flush()
    return count


def count_overdue(session: Session, kind: CaseKind[CaseRow], *, today: date) -> int:
    """How many open cases are past a pending step's due date (for /metrics)."""
    return repo.count_overdue(session, kind, today=today)


# --- history ----------------------------------------------------------------------------


def add_event(
    session: Session,
    *,
    kind: str,
    case_id: uuid.UUID,
    actor: str,
    event: str,
    now: datetime,
    key: DataKey | None = None,
    note: str | None = None,
) -> None:
    """Append one history line; a note is sealed under the case key."""
    event_id = ordered_id()
    note_ct = None
    if note is not None:
        if key is None:
            raise ValueError("a note needs the case key")
        note_ct = seal_text(key, note, "case_event", "note", event_id)
    repo.add_event(
        session,
        CaseEvent(
            id=event_id,
            case_kind=kind,
            case_id=case_id,
            at=now,
            actor=actor,
            event=event,
            note_ct=note_ct,
        ),
    )


def actor_role(actor: str, *, filer: str | None) -> ActorRole:
    """Whom a history line is by: the case's filer, the service, else an officer."""
    if actor == SYSTEM:
        return "system"
    return "filer" if filer is not None and actor == filer else "officer"


def history(
    session: Session, *, kind: str, case_id: uuid.UUID, key: DataKey, filer: str | None = None
) -> list[HistoryItem]:
    """A case's history, oldest first, notes opened; `filer` is the actor the filer writes as."""
    return [
        HistoryItem(
            at=e.at,
            actor=e.actor,
            role=actor_role(e.actor, filer=filer),
            event=e.event,
            note=None
            if e.note_ct is None
            else store.open_text(key, e.note_ct, "case_event", "note", e.id),
        )
        for e in repo.events(session, kind=kind, case_id=case_id)
    ]


# --- evidence files -----------------------------------------------------------------------


def check_uploads(uploads: list[Upload], *, max_bytes: int, max_files: int) -> None:
    """Refuse the whole set if any file is too large, of a forbidden type, or misnamed."""
    if len(uploads) > max_files:
        raise InvalidInput(f"at most {max_files} evidence files", rule="too_many_files")
    for n, up in enumerate(uploads):
        magic = MEDIA_TYPES.get(up.media_type)
        if magic is None:
            raise InvalidInput(
                f"evidence file {n} has a forbidden type; allowed: {', '.join(MEDIA_TYPES)}",
                rule="evidence_type",
            )
        if not up.content.startswith(magic):
            raise InvalidInput(
                f"evidence file {n} is not the type it claims", rule="evidence_type_mismatch"
            )
        if len(up.content) > max_bytes:
            raise InvalidInput(
                f"evidence file {n} exceeds {max_bytes} bytes", rule="evidence_too_large"
            )
        if not up.name or len(up.name) > MAX_NAME or any(ord(c) < 0x20 for c in up.name):
            raise InvalidInput(f"evidence file {n} has an invalid name", rule="evidence_name")


def store_uploads(
    session: Session,
    *,
    kind: str,
    case_id: uuid.UUID,
    key: DataKey,
    uploads: list[Upload],
    now: datetime,
) -> None:
    """Seal and store checked evidence files under the case key."""
    for up in uploads:
        file_id = uuid.uuid4()
        repo.add_evidence(
            session,
            EvidenceFile(
                id=file_id,
                case_kind=kind,
                case_id=case_id,
                media_type=up.media_type,
                size=len(up.content),
                name_ct=seal_text(key, up.name, "evidence_file", "name", file_id),
                content_ct=seal(key, up.content, store.ctx("evidence_file", "content", file_id)),
                created_at=now,
            ),
        )


def evidence_of(
    session: Session, *, kind: str, case_id: uuid.UUID, key: DataKey
) -> list[EvidenceView]:
    """The case's evidence files (metadata, names opened)."""
    return [
        EvidenceView(
            id=f.id,
            media_type=f.media_type,
            size=f.size,
            name=store.open_text(key, f.name_ct, "evidence_file", "name", f.id),
        )
        for f in repo.evidence_files(session, kind=kind, case_id=case_id)
    ]


def evidence_file(
    session: Session, *, kind: str, case_id: uuid.UUID, file_id: uuid.UUID
) -> EvidenceFile:
    """One evidence file of a case already selected in the caller's scope."""
    found = repo.evidence_file(session, kind=kind, case_id=case_id, file_id=file_id)
    if found is None:
        raise NotFound("no such evidence file")
    return found


def open_evidence(key: DataKey, found: EvidenceFile) -> EvidenceContent:
    """An evidence file's name and content, opened under the case key."""
    return EvidenceContent(
        media_type=found.media_type,
        name=store.open_text(key, found.name_ct, "evidence_file", "name", found.id),
        content=open_field(key, found.content_ct, store.ctx("evidence_file", "content", found.id)),
    )


@dataclass(frozen=True)
class EvidenceReader(Generic[CaseRow]):
    """A kind's `evidence_content`: what it tells a caller refused, how it finds a filer."""

    kind: CaseKind[CaseRow]
    # What a caller is told when the case is out of their scope, or its key was shredded.
    missing: str
    erased: str
    # The owner column's value for a filer's blind index (None: they filed nothing).
    owner_of: Callable[[Session, bytes], bytes | uuid.UUID | None]

    def __call__(
        self,
        ctx: Context,
        *,
        case_id: uuid.UUID,
        file_id: uuid.UUID,
        department: str | None = None,
        code_index: bytes | None = None,
    ) -> EvidenceContent:
        """One evidence file, for an officer of the case's department or for its filer, opened."""
        owner = None if code_index is None else self.owner_of(ctx.session, code_index)
        row = scoped_case(
            ctx.session, self.kind, case_id=case_id, department=department, owner=owner
        )
        if row is None:
            raise NotFound(self.missing)
        found = evidence_file(ctx.session, kind=self.kind.name, case_id=row.id, file_id=file_id)
        key = case_key(ctx.session, ctx.keyring, row)
        if key is None:
            raise Shredded(self.erased)
        return open_evidence(key, found)
