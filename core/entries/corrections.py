"""Correcting a recorded entry: one machine for a recorder's amendment and an upheld objection.

Invariants:
- New dates are checked against the display bounds of §4 and the validity rule before
  anything is written; a refusal is a `DomainError` with a stable rule and changes nothing.
- The new values of personal fields are sealed under the entry's own key (same table,
  column and row in the AAD); nothing personal is ever written in plain text.
- The old values are kept only as history: sealed into the `corrected` entry event under
  the same key, so they are erased with the entry when it is shredded.
- The correction is one lifecycle event: the state machine allows it (it never changes
  the status), the entry's version moves on by one, and the history line names the actor.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Final

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from core.entries import lifecycle, store
from core.entries import repository as repo
from core.entries import states as rules
from core.entries.display import resolve_display_until, retention_end
from core.entries.list_rules import check_validity
from core.errors import Conflict
from core.ids import ordered_id
from core.keyring import Keyring
from core.models import Entry
from crypto.envelope import DataKey, seal

# Sealed fields: their new values are ciphertexts, their old ones go sealed into the history.
SEALED: Final = ("facts", "public_summary")
DATES: Final = ("decided_on", "display_until", "valid_until")


@dataclass(frozen=True, slots=True)
class Changes:
    """New values for some of an entry's fields; None keeps a field as it is."""

    facts: str | None = None
    public_summary: str | None = None
    legal_basis: str | None = None
    decided_on: date | None = None
    display_until: date | None = None
    valid_until: date | None = None

    def __repr__(self) -> str:
        return f"Changes(fields={self.named()!r})"

    def named(self) -> list[str]:
        """The fields this change gives a value for."""
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


def _dates(entry: Entry, changes: Changes) -> dict[str, object]:
    """The dates to write, checked against the bounds of §4 and the validity rule."""
    if not any(getattr(changes, name) is not None for name in DATES):
        return {}
    decided_on = changes.decided_on or entry.decided_on
    valid_until = changes.valid_until or entry.valid_until
    requested = changes.display_until
    if requested is None:
        # An entry never displayed (a minor penalty) stays so when its decision date moves.
        requested = decided_on if entry.display_until == entry.decided_on else entry.display_until
    display_until = resolve_display_until(
        list_kind=entry.list_kind,
        severity=entry.severity,
        decided_on=decided_on,
        requested=requested,
    )
    check_validity(decided_on=decided_on, display_until=display_until, valid_until=valid_until)
    return {
        "decided_on": decided_on,
        "display_until": display_until,
        "valid_until": valid_until,
        "retain_until": retention_end(display_until=display_until, valid_until=valid_until),
    }


def checked(entry: Entry, changes: Changes) -> dict[str, object]:
    """The plain columns a change writes, after its rules; refused before any write."""
    values = _dates(entry, changes)
    if changes.legal_basis is not None:
        values["legal_basis"] = changes.legal_basis
    return values


def _sealed_text(key: DataKey, entry: Entry, column: str) -> str | None:
    blob: bytes | None = getattr(entry, f"{column}_ct")
    return None if blob is None else store.open_text(key, blob, "entry", column, entry.id)


def differs(session: Session, keyring: Keyring, entry: Entry, changes: Changes) -> list[str]:
    """The fields whose new value is not the one stored (dates as they would be written)."""
    key = store.entry_key(session, keyring, entry)
    values = checked(entry, changes)
    moved = [name for name, value in values.items() if getattr(entry, name) != value]
    opened = [
        name
        for name in SEALED
        if getattr(changes, name) is not None
        and getattr(changes, name) != _sealed_text(key, entry, name)
    ]
    return [*opened, *(m for m in moved if m != "retain_until")]


def correct(
    *,
    session: Session,
    keyring: Keyring,
    entry: Entry,
    changes: Changes,
    actor: str,
    now: datetime,
) -> None:
    """Write the changed fields as a new version; seal the old ones into the history event."""
    values = checked(entry, changes)
    key = store.entry_key(session, keyring, entry)
    old: dict[str, str | None] = {}
    for column in SEALED:
        new = getattr(changes, column)
        if new is None:
            continue
        old[column] = _sealed_text(key, entry, column)
        values[f"{column}_ct"] = seal(key, new.encode(), store.ctx("entry", column, entry.id))
    for name in (*DATES, "legal_basis"):
        if name in values and values[name] != getattr(entry, name):
            current = getattr(entry, name)
            old[name] = current.isoformat() if isinstance(current, date) else str(current)
    event_id = ordered_id()
    lifecycle.apply(
        session=session,
        entry=entry,
        event=rules.CORRECTED,
        actor=actor,
        now=now,
        reason_ct=seal(
            key,
            json.dumps({"previous": old}, ensure_ascii=False, sort_keys=True).encode(),
            store.ctx("entry_event", "reason", event_id),
        ),
        event_id=event_id,
    )
    if not repo.correct_entry(
        session, entry_id=entry.id, version=entry.version, values=values, now=now
    ):  # pragma: no cover - apply just moved this very row to this version
        raise Conflict("the entry changed meanwhile; read it again", rule="concurrent_change")
    for name, value in values.items():
        set_committed_value(entry, name, value)


def previous_fields(key: DataKey, event_id: uuid.UUID, reason_ct: bytes) -> list[str]:
    """Which fields a `corrected` history event changed (their old values stay sealed)."""
    text = store.open_text(key, reason_ct, "entry_event", "reason", event_id)
    previous = json.loads(text).get("previous", {})
    return sorted(previous) if isinstance(previous, dict) else []
