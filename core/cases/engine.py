"""What objections and repairs share: a case key, sealed notes, the history, evidence files.

Invariants:
- Each case has its own data key; its free text and files are sealed under it with an
  AAD naming the table, column and row, and opened only after the caller's scope was
  checked by the service that owns the case.
- The history is append-only: events are inserted, never changed or deleted.
- An evidence file is accepted only if its declared type is allowed, its first bytes
  match that type, and it is within the size limit; a refused file changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session, col

from core.entries import store
from core.errors import InvalidInput
from core.ids import ordered_id
from core.keyring import Keyring
from core.models import CaseEvent, EvidenceFile
from crypto.envelope import DataKey, seal

# Allowed evidence types and the bytes each must start with.
MEDIA_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
MAX_NAME = 120


@dataclass(frozen=True, slots=True)
class Upload:
    """An evidence file as received: declared type, name and content."""

    media_type: str
    name: str
    content: bytes

    def __repr__(self) -> str:
        return f"Upload(media_type={self.media_type!r}, size={len(self.content)})"


class HistoryItem(BaseModel):
    """One line of a case's history as the citizen and the officer see it."""

    at: datetime
    actor: str
    event: str
    note: str | None = None


class EvidenceView(BaseModel):
    """An evidence file's metadata (the content is served separately)."""

    id: uuid.UUID
    media_type: str
    size: int
    name: str


def new_case_key(session: Session, keyring: Keyring, *, kind: str, now: datetime) -> DataKey:
    """A fresh data key for one case."""
    return store.new_key(session, keyring, owner=kind, now=now)


def seal_text(key: DataKey, text: str, table: str, column: str, row_id: uuid.UUID) -> bytes:
    """Seal one text field of one case row."""
    return seal(key, text.encode(), store.ctx(table, column, row_id))


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
    session.add(
        CaseEvent(
            id=event_id,
            case_kind=kind,
            case_id=case_id,
            at=now,
            actor=actor,
            event=event,
            note_ct=note_ct,
        )
    )


def history(session: Session, *, kind: str, case_id: uuid.UUID, key: DataKey) -> list[HistoryItem]:
    """A case's history, oldest first, notes opened."""
    stmt = (
        select(CaseEvent)
        .where(col(CaseEvent.case_kind) == kind, col(CaseEvent.case_id) == case_id)
        .order_by(col(CaseEvent.at), col(CaseEvent.id))
    )
    return [
        HistoryItem(
            at=e.at,
            actor=e.actor,
            event=e.event,
            note=None
            if e.note_ct is None
            else store.open_text(key, e.note_ct, "case_event", "note", e.id),
        )
        for e in session.execute(stmt).scalars()
    ]


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
        session.add(
            EvidenceFile(
                id=file_id,
                case_kind=kind,
                case_id=case_id,
                media_type=up.media_type,
                size=len(up.content),
                name_ct=seal_text(key, up.name, "evidence_file", "name", file_id),
                content_ct=seal(key, up.content, store.ctx("evidence_file", "content", file_id)),
                created_at=now,
            )
        )


def evidence_of(
    session: Session, *, kind: str, case_id: uuid.UUID, key: DataKey
) -> list[EvidenceView]:
    """The case's evidence files (metadata, names opened)."""
    stmt = (
        select(EvidenceFile)
        .where(col(EvidenceFile.case_kind) == kind, col(EvidenceFile.case_id) == case_id)
        .order_by(col(EvidenceFile.created_at), col(EvidenceFile.id))
    )
    return [
        EvidenceView(
            id=f.id,
            media_type=f.media_type,
            size=f.size,
            name=store.open_text(key, f.name_ct, "evidence_file", "name", f.id),
        )
        for f in session.execute(stmt).scalars()
    ]
