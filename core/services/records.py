"""Creating, reading and shredding list entries.

Invariants: personal fields (code, name, facts, public summary) are sealed
before they reach the session and opened only here, after the caller's scope
has selected the row; each entry has its own data key and each subject its own,
so shredding an entry erases that entry and nothing else; the display state is
computed from the project clock at read time.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime

from sqlmodel import Session

from core.clock import local_date
from core.errors import Conflict, NotFound, Shredded
from core.keyring import Keyring
from core.models import DataKeyRow, Entry, EntryEvent, Subject
from core.policies.display import resolve_display_until, retention_end, state_at
from core.repositories import keys as key_repo
from core.repositories import records as repo
from core.schemas.records import EntryCreate, EntryView
from core.services.subjects import subject_for
from crypto.envelope import DataKey, FieldContext, open_field, seal


def _ctx(table: str, column: str, row_id: uuid.UUID) -> FieldContext:
    return FieldContext(table=table, column=column, row_key=str(row_id))


def _new_key(session: Session, keyring: Keyring, *, owner: str, now: datetime) -> DataKey:
    key, wrapped, version = keyring.new_data_key()
    key_repo.add_data_key(
        session,
        key_id=key.id,
        owner=owner,
        suite=keyring.suite.name,
        wrapped=wrapped,
        version=version,
        now=now,
    )
    return key


def create_entry(
    *,
    session: Session,
    keyring: Keyring,
    department: str,
    actor: str,
    payload: EntryCreate,
    now: datetime,
) -> EntryView:
    """Record one entry for a department; its external id must be new to the department."""
    if (
        repo.entry_by_external_id(session, department=department, external_id=payload.external_id)
        is not None
    ):
        raise Conflict(
            "this external_id is already recorded by the department", rule="duplicate_external_id"
        )
    display_until = resolve_display_until(
        list_kind=payload.list_kind,
        severity=payload.severity,
        decided_on=payload.decided_on,
        requested=payload.display_until,
    )
    subject = subject_for(session=session, keyring=keyring, code=payload.subject_code, now=now)
    key = _new_key(session, keyring, owner="entry", now=now)
    entry_id = uuid.uuid4()
    summary = payload.public_summary
    entry = Entry(
        id=entry_id,
        subject_id=subject.id,
        data_key_id=key.id,
        department=department,
        external_id=payload.external_id,
        public_ref=secrets.token_hex(8),
        list_kind=payload.list_kind,
        domain=payload.domain,
        severity=payload.severity,
        subject_name_ct=seal(
            key, payload.subject_name.encode(), _ctx("entry", "subject_name", entry_id)
        ),
        facts_ct=seal(key, payload.facts.encode(), _ctx("entry", "facts", entry_id)),
        public_summary_ct=None
        if summary is None
        else seal(key, summary.encode(), _ctx("entry", "public_summary", entry_id)),
        legal_basis=payload.legal_basis,
        decided_on=payload.decided_on,
        display_until=display_until,
        valid_until=payload.valid_until,
        retain_until=retention_end(display_until=display_until, valid_until=payload.valid_until),
        repairable=payload.repairable,
        repair_ways=list(payload.repair_ways),
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    session.add(
        EntryEvent(id=uuid.uuid4(), entry_id=entry_id, at=now, actor=actor, event="recorded")
    )
    session.flush()
    return _view(entry, payload.subject_code, key, today=local_date(now))


def _open(key: DataKey, blob: bytes, column: str, entry_id: uuid.UUID) -> str:
    return open_field(key, blob, _ctx("entry", column, entry_id)).decode()


def _view(entry: Entry, code: str, key: DataKey, *, today: date) -> EntryView:
    summary = entry.public_summary_ct
    return EntryView(
        id=entry.id,
        external_id=entry.external_id,
        public_ref=entry.public_ref,
        department=entry.department,
        subject_code=code,
        subject_name=_open(key, entry.subject_name_ct, "subject_name", entry.id),
        list_kind=entry.list_kind,
        domain=entry.domain,
        severity=entry.severity,
        facts=_open(key, entry.facts_ct, "facts", entry.id),
        public_summary=None if summary is None else _open(key, summary, "public_summary", entry.id),
        legal_basis=entry.legal_basis,
        decided_on=entry.decided_on,
        display_until=entry.display_until,
        valid_until=entry.valid_until,
        retain_until=entry.retain_until,
        repairable=entry.repairable,
        repair_ways=entry.repair_ways,
        state=state_at(status=entry.status, display_until=entry.display_until, today=today),
        version=entry.version,
        created_at=entry.created_at,
    )


def _live_key(keyring: Keyring, row: DataKeyRow) -> DataKey:
    if row.wrapped is None:
        raise Shredded("this entry was erased and can no longer be read")
    return keyring.data_key(row.id, row.wrapped)


def _department_entry(
    session: Session, department: str, entry_id: uuid.UUID
) -> tuple[Entry, Subject, DataKeyRow, DataKeyRow]:
    found = repo.entry_for_department(session, entry_id=entry_id, department=department)
    if found is None:
        raise NotFound("no such entry")
    return found


def _subject_code(keyring: Keyring, subject: Subject, key_row: DataKeyRow) -> str:
    blob = subject.code_ct
    return open_field(
        _live_key(keyring, key_row), blob, _ctx("subject", "code", subject.id)
    ).decode()


def read_entry(
    *, session: Session, keyring: Keyring, department: str, entry_id: uuid.UUID, today: date
) -> EntryView:
    """One entry of the caller's department, decrypted; other departments' entries do not exist."""
    entry, subject, entry_key, subject_key = _department_entry(session, department, entry_id)
    code = _subject_code(keyring, subject, subject_key)
    return _view(entry, code, _live_key(keyring, entry_key), today=today)


def shred_entry(
    *,
    session: Session,
    keyring: Keyring,
    department: str,
    entry_id: uuid.UUID,
    actor: str,
    now: datetime,
) -> None:
    """Crypto-shred one entry: its data key is destroyed, its ciphertexts become noise."""
    entry, _subject, entry_key, _skey = _department_entry(session, department, entry_id)
    if not key_repo.shred_data_key(session, key_id=entry_key.id, now=now):
        raise Conflict("this entry is already erased", rule="already_shredded")
    entry.status = "shredded"
    entry.updated_at = now
    session.add(entry)
    session.add(
        EntryEvent(id=uuid.uuid4(), entry_id=entry.id, at=now, actor=actor, event="shredded")
    )
    session.flush()
    keyring.forget(entry_key.id)


def withdraw_entry(
    *,
    session: Session,
    keyring: Keyring,
    department: str,
    entry_id: uuid.UUID,
    reason: str,
    actor: str,
    now: datetime,
) -> EntryView:
    """Withdraw an active entry of the caller's department; the reason is kept sealed."""
    entry, subject, entry_key, subject_key = _department_entry(session, department, entry_id)
    if entry.status != "active":
        raise Conflict(f"the entry is already {entry.status}", rule="not_active")
    key = _live_key(keyring, entry_key)
    event_id = uuid.uuid4()
    entry.status = "withdrawn"
    entry.updated_at = now
    session.add(entry)
    session.add(
        EntryEvent(
            id=event_id,
            entry_id=entry.id,
            at=now,
            actor=actor,
            event="withdrawn",
            reason_ct=seal(key, reason.encode(), _ctx("entry_event", "reason", event_id)),
        )
    )
    session.flush()
    return _view(entry, _subject_code(keyring, subject, subject_key), key, today=local_date(now))


def record_of(
    *, session: Session, keyring: Keyring, code_index: bytes, today: date
) -> list[EntryView]:
    """Every readable entry of the subject with this blind index, decrypted (the owner's view)."""
    subject = repo.subject_by_index(session, code_index)
    if subject is None:
        return []
    skey_row = key_repo.get_data_key(session, subject.data_key_id)
    if skey_row is None:
        return []
    code = _subject_code(keyring, subject, skey_row)
    return [
        _view(entry, code, _live_key(keyring, key_row), today=today)
        for entry, key_row in repo.entries_of_subject(session, subject_id=subject.id)
        if key_row.wrapped is not None
    ]
