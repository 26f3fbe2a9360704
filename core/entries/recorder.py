"""A recording department's work on its own entries (§1): list, search, amend, read history.

Invariants:
- Every read and write is scoped to the caller's department, in the repository's WHERE:
  another department's entry does not exist for it (NotFound, no existence oracle).
- A list shows no code and no facts: the name is masked, and only opened for an entry
  whose key still exists. Filters hold no personal data; a search by code goes through
  the blind index, never by the code itself, and the code is never returned.
- The state a filter selects is the read-time state (`visibility.citizen_state`), in SQL.
- A page's cursor is opaque and holds only a decision date and a row id; one that does
  not parse exactly is `InvalidInput` (rule `bad_cursor`), never a traceback.
- An amendment goes through `corrections.correct` (checked first, sealed, the old values
  sealed into the history, the version moved on), is refused when it changes nothing,
  and tells the subject and every agency that received the entry in the last six months;
  an entry that exited the list (withdrawn, repaired, removed) is no longer amended.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Final

from core.context import Context
from core.entries import corrections, lifecycle, store
from core.entries import lifecycle_repository as lifecycle_repo
from core.entries import repository as repo
from core.entries.schemas import (
    DepartmentEntries,
    DepartmentEntry,
    EntryAmend,
    EntryFilter,
    EntrySearch,
    EntryView,
    HistoryLine,
)
from core.entries.service import read_entry
from core.entries.states import CORRECTED, CRITERIA_CHANGED, WITHDRAWN
from core.entries.visibility import citizen_state
from core.errors import Conflict, InvalidInput, NotFound
from core.identity.principal import ROLES
from core.models import DataKeyRow, Entry
from core.public.masking import mask_name

_CURSOR_VERSION: Final = "r1"
# Bytes written as two letters each (a-p for 0-f): an opaque string without digits.
_TO_LETTERS: Final = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
_FROM_LETTERS: Final = str.maketrans("abcdefghijklmnop", "0123456789abcdef")
_CURSOR_TEXT: Final = re.compile(r"(?:[a-p]{2}){1,128}")
# Who wrote a history line when it names no role: the system's own workers and the subject.
_KNOWN_ACTORS: Final = {"system": "system", "sweeper": "system", "subject": "citizen"}
_OBJECTOR: Final = "objector"


def actor_of(role: str, subject: str) -> str:
    """How a history line names a staff member: their role, then who they are."""
    return f"{role}:{subject}"[:128]


def role_of(actor: str) -> str | None:
    """The role a history line's actor acted in, when the line says it."""
    if actor in _KNOWN_ACTORS:
        return _KNOWN_ACTORS[actor]
    if actor == _OBJECTOR:
        return _OBJECTOR
    return next((part for part in actor.split(":") if part in ROLES), None)


def _bad_cursor() -> InvalidInput:
    return InvalidInput("the cursor is not one this listing gave out", rule="bad_cursor")


def write_cursor(day: date, entry_id: uuid.UUID) -> str:
    """The cursor after one row: its decision date and id, opaque."""
    text = f"{_CURSOR_VERSION}|{day.isoformat()}|{entry_id.hex}"
    return text.encode("ascii").hex().translate(_TO_LETTERS)


def read_cursor(cursor: str) -> tuple[date, uuid.UUID]:
    """The (decision date, id) a cursor names; `InvalidInput` unless it parses exactly."""
    if not _CURSOR_TEXT.fullmatch(cursor):
        raise _bad_cursor()
    try:
        version, day, ident = (
            bytes.fromhex(cursor.translate(_FROM_LETTERS)).decode("ascii").split("|")
        )
        if version != _CURSOR_VERSION or len(ident) != 32:
            raise ValueError(version)
        return date.fromisoformat(day), uuid.UUID(hex=ident)
    except ValueError:
        raise _bad_cursor() from None


def _row(ctx: Context, entry: Entry, key_row: DataKeyRow, today: date) -> DepartmentEntry:
    name = None
    if key_row.wrapped is not None:
        key = store.live_key(ctx.keyring, key_row)
        name = mask_name(
            store.open_text(key, entry.subject_name_ct, "entry", "subject_name", entry.id)
        )
    return DepartmentEntry(
        id=entry.id,
        external_id=entry.external_id,
        public_ref=entry.public_ref,
        masked_name=name,
        list_kind=entry.list_kind,
        domain=entry.domain,
        severity=entry.severity,
        state=citizen_state(entry, today),
        decided_on=entry.decided_on,
        display_until=entry.display_until,
        valid_until=entry.valid_until,
        under_objection=entry.under_objection,
        version=entry.version,
    )


def _page(
    ctx: Context, department: str, filters: EntryFilter, subject_id: uuid.UUID | None = None
) -> DepartmentEntries:
    today = ctx.today()
    rows = repo.department_entries(
        ctx.session,
        repo.DepartmentQuery(
            department=department,
            today=today,
            limit=filters.limit + 1,
            list_kind=filters.list_kind,
            state=filters.state,
            domain=filters.domain,
            decided_from=filters.decided_from,
            decided_to=filters.decided_to,
            reference=filters.reference,
            subject_id=subject_id,
            after=None if filters.cursor is None else read_cursor(filters.cursor),
        ),
    )
    shown = rows[: filters.limit]
    more = len(rows) > filters.limit
    last = shown[-1][0] if shown else None
    return DepartmentEntries(
        items=[_row(ctx, entry, key_row, today) for entry, key_row in shown],
        next_cursor=write_cursor(last.decided_on, last.id) if more and last else None,
    )


def list_entries(ctx: Context, *, department: str, filters: EntryFilter) -> DepartmentEntries:
    """One page of the department's entries that match the filters, newest decision first."""
    return _page(ctx, department, filters)


def search_by_code(ctx: Context, *, department: str, search: EntrySearch) -> DepartmentEntries:
    """The department's entries about the subject with this code (found by its blind index)."""
    subject = repo.subject_by_index(ctx.session, ctx.keyring.blind_index(search.subject_code))
    if subject is None:
        if search.cursor is not None:
            read_cursor(search.cursor)  # a bad cursor is refused either way
        return DepartmentEntries(items=[])
    return _page(ctx, department, search, subject_id=subject.id)


def amend_entry(
    ctx: Context, *, department: str, entry_id: uuid.UUID, actor: str, payload: EntryAmend
) -> EntryView:
    """Correct facts, summary, basis or dates of one of the department's entries."""
    now = ctx.now()
    found = repo.entry_for_department(ctx.session, entry_id=entry_id, department=department)
    if found is None:
        raise NotFound("no such entry")
    entry, _subject, entry_key, _subject_key = found
    if entry_key.wrapped is None or entry.status == "shredded":
        raise Conflict("this entry is already erased", rule="already_shredded")
    if citizen_state(entry, ctx.today()) == "exited":
        # Its period closed when it left the list: the record stands as it was then.
        raise Conflict("an entry that exited the list is no longer amended", rule="entry_exited")
    if payload.version is not None and payload.version != entry.version:
        raise Conflict(
            f"the entry is at version {entry.version}, not {payload.version}; read it again",
            rule="stale_version",
        )
    changes = corrections.Changes(
        facts=payload.facts,
        public_summary=payload.public_summary,
        legal_basis=payload.legal_basis,
        decided_on=payload.decided_on,
        display_until=payload.display_until,
        valid_until=payload.valid_until,
    )
    if not corrections.differs(ctx.session, ctx.keyring, entry, changes):
        raise InvalidInput(
            "the amendment gives every field the value it already has", rule="nothing_to_amend"
        )
    corrections.correct(
        session=ctx.session, keyring=ctx.keyring, entry=entry, changes=changes, actor=actor, now=now
    )
    lifecycle.notify_agencies(session=ctx.session, entry=entry, kind="corrected", now=now)
    lifecycle_repo.add_entry_notice(
        ctx.session, subject_id=entry.subject_id, entry_id=entry.id, kind="corrected", now=now
    )
    ctx.session.flush()
    return read_entry(ctx, department=department, entry_id=entry_id)


def history_of(ctx: Context, *, department: str, entry_id: uuid.UUID) -> list[HistoryLine]:
    """The entry's history, oldest first: who did what and when, what a correction changed."""
    found = repo.entry_for_department(ctx.session, entry_id=entry_id, department=department)
    if found is None:
        raise NotFound("no such entry")
    _entry, _subject, key_row, _skey = found
    key = None if key_row.wrapped is None else store.live_key(ctx.keyring, key_row)
    lines: list[HistoryLine] = []
    for event in repo.history(ctx.session, entry_id=entry_id):
        changed: list[str] = []
        reason = None
        if key is not None and event.reason_ct is not None:
            if event.event == CORRECTED:
                changed = corrections.previous_fields(key, event.id, event.reason_ct)
            elif event.event in (WITHDRAWN, CRITERIA_CHANGED):
                reason = store.open_text(key, event.reason_ct, "entry_event", "reason", event.id)
        lines.append(
            HistoryLine(
                at=event.at,
                event=event.event,
                actor=event.actor,
                role=role_of(event.actor),
                changed=changed,
                reason=reason,
            )
        )
    return lines
