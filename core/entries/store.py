"""Sealing and opening an entry's personal fields; inserting an entry with its first event.

Invariants: each entry gets its own data key; every personal field is sealed under it
with an AAD naming the table, column and row, so a ciphertext moved to another row or
column does not open; a shredded key (no wrapped copy) is `Shredded`, never garbage.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from core.entries.display import retention_end
from core.errors import Shredded
from core.ids import ordered_id
from core.keyring import Keyring
from core.models import DataKeyRow, Entry, EntryEvent, Subject
from core.ops import keys_repository as key_repo
from crypto.envelope import DataKey, FieldContext, open_field, seal


@dataclass(frozen=True, slots=True)
class EntryFields:
    """Everything an entry is made of, as the services decide it (not as submitted)."""

    external_id: str
    list_kind: str
    domain: str
    severity: str
    subject_name: str
    facts: str
    public_summary: str | None
    legal_basis: str
    decided_on: date
    display_until: date
    valid_until: date
    repairable: bool
    repair_ways: list[str]
    status: str
    notice_until: date | None
    watch_months: int
    # Working days of a prior notice counted on the provisional calendar (None: official).
    notice_provisional_days: int | None = None

    def __repr__(self) -> str:
        return f"EntryFields(external_id={self.external_id!r}, list_kind={self.list_kind!r})"


# Letters only (no digits, no I/O): a public reference can never contain a run of a code.
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_REF_LENGTH = 14  # 24**14 ≈ 2**64


def public_ref() -> str:
    """A random public reference, unrelated to the code, the row id or anything else."""
    return "".join(secrets.choice(_REF_ALPHABET) for _ in range(_REF_LENGTH))


def ctx(table: str, column: str, row_id: uuid.UUID) -> FieldContext:
    """The AAD context of one field of one row."""
    return FieldContext(table=table, column=column, row_key=str(row_id))


def new_key(session: Session, keyring: Keyring, *, owner: str, now: datetime) -> DataKey:
    """A fresh data key, stored wrapped under the current master key."""
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


def live_key(keyring: Keyring, row: DataKeyRow) -> DataKey:
    """The unwrapped key of a row, or `Shredded` if it was destroyed."""
    if row.wrapped is None:
        raise Shredded("this entry was erased and can no longer be read")
    return keyring.data_key(row.id, row.wrapped)


def entry_key(session: Session, keyring: Keyring, entry: Entry) -> DataKey:
    """The entry's own data key."""
    row = key_repo.get_data_key(session, entry.data_key_id)
    if row is None:
        raise Shredded("this entry was erased and can no longer be read")
    return live_key(keyring, row)


def open_text(key: DataKey, blob: bytes, table: str, column: str, row_id: uuid.UUID) -> str:
    """Open one sealed text field."""
    return open_field(key, blob, ctx(table, column, row_id)).decode()


def insert_entry(
    *,
    session: Session,
    keyring: Keyring,
    subject: Subject,
    department: str,
    fields: EntryFields,
    actor: str,
    event: str,
    now: datetime,
) -> tuple[Entry, DataKey]:
    """Seal and insert one entry with its first history event."""
    made = add_entry(
        session=session,
        keyring=keyring,
        subject_id=subject.id,
        department=department,
        fields=fields,
        actor=actor,
        event=event,
        now=now,
    )
    session.flush()
    return made


def add_entry(
    *,
    session: Session,
    keyring: Keyring,
    subject_id: uuid.UUID,
    department: str,
    fields: EntryFields,
    actor: str,
    event: str,
    now: datetime,
) -> tuple[Entry, DataKey]:
    """Seal one entry and add it with its first history event, flushed with the next flush
    (so a batch of them goes in one executemany per table)."""
    key = new_key(session, keyring, owner="entry", now=now)
    entry_id = uuid.uuid4()
    summary = fields.public_summary
    entry = Entry(
        id=entry_id,
        subject_id=subject_id,
        data_key_id=key.id,
        department=department,
        external_id=fields.external_id,
        public_ref=public_ref(),
        list_kind=fields.list_kind,
        domain=fields.domain,
        severity=fields.severity,
        subject_name_ct=seal(
            key, fields.subject_name.encode(), ctx("entry", "subject_name", entry_id)
        ),
        facts_ct=seal(key, fields.facts.encode(), ctx("entry", "facts", entry_id)),
        public_summary_ct=None
        if summary is None
        else seal(key, summary.encode(), ctx("entry", "public_summary", entry_id)),
        legal_basis=fields.legal_basis,
        decided_on=fields.decided_on,
        display_until=fields.display_until,
        valid_until=fields.valid_until,
        retain_until=retention_end(
            display_until=fields.display_until, valid_until=fields.valid_until
        ),
        repairable=fields.repairable,
        repair_ways=list(fields.repair_ways),
        status=fields.status,
        notice_until=fields.notice_until,
        notice_provisional_days=fields.notice_provisional_days,
        watch_months=fields.watch_months,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    session.add(EntryEvent(id=ordered_id(), entry_id=entry_id, at=now, actor=actor, event=event))
    return entry, key
