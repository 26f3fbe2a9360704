"""The export of everything held about the citizen (§1, §10: "an export of all their data").

Invariants:
- Scoped strictly by the blind index of the caller's own code: the subject it names,
  that subject's entries, histories, notices, authorizations, freezes and repairs, the
  visible queries of the record, and the objections this caller filed. Nothing of
  another person can be reached: every row is selected through that index.
- Decrypted late, here or in the owning services, only after that scope selected the
  rows; the result is the only place the plaintext exists, and it is never logged.
- Evidence files are described (name, type, size), never included.
- Entries and cases whose keys were shredded are listed with what was never personal.
- Reading writes nothing (no query-log leaf, no notice, no row of any kind).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlmodel import Session

from core.cases.repairs import service as repairs
from core.clock import local_date
from core.consents import repository as consent_repo
from core.consents import service as consents
from core.context import Context
from core.entries import repository as record_repo
from core.entries import service as records
from core.entries import store
from core.entries.schemas import EntryView
from core.entries.visibility import citizen_state
from core.keyring import Keyring
from core.models import DataKeyRow, Entry, Subject
from core.queries.notices import citizen_notifications
from core.querylog import repository as log_repo
from core.reports.schemas import (
    DataExport,
    ErasedCase,
    ErasedEntry,
    ExportEntry,
    ExportQuery,
    ExportSubject,
    FreezePeriod,
    FreezeState,
    HistoryLine,
)
from core.reports.service import all_queries, filed_objections, subject_code
from crypto.envelope import DataKey

# The outbox is read whole: far beyond any person's notices in the years they are kept.
ALL_NOTIFICATIONS: Final = 1_000_000


def _history(session: Session, entry: Entry, key: DataKey | None) -> list[HistoryLine]:
    """The entry's history, oldest first; reasons opened while the entry's key exists."""
    return [
        HistoryLine(
            at=event.at,
            actor=event.actor,
            event=event.event,
            reason=None
            if key is None or event.reason_ct is None
            else store.open_text(key, event.reason_ct, "entry_event", "reason", event.id),
        )
        for event in record_repo.history(session, entry_id=entry.id)
    ]


def _entries(
    session: Session,
    keyring: Keyring,
    rows: Sequence[tuple[Entry, DataKeyRow]],
    views: dict[uuid.UUID, EntryView],
    *,
    now: datetime,
) -> tuple[list[ExportEntry], list[ErasedEntry]]:
    readable: list[ExportEntry] = []
    erased: list[ErasedEntry] = []
    today = local_date(now)
    for entry, key_row in rows:
        view = views.get(entry.id)
        if key_row.wrapped is None or view is None:
            erased.append(
                ErasedEntry.model_validate(
                    {
                        **entry.model_dump(include=set(ErasedEntry.model_fields)),
                        "state": citizen_state(entry, today),
                        "history": _history(session, entry, None),
                    }
                )
            )
            continue
        key = store.live_key(keyring, key_row)
        readable.append(
            ExportEntry.model_validate(
                {
                    **view.model_dump(),
                    "exited_on": entry.exited_on,
                    "watch_months": entry.watch_months,
                    "updated_at": entry.updated_at,
                    "history": _history(session, entry, key),
                }
            )
        )
    return readable, erased


def _subject(session: Session, keyring: Keyring, subject: Subject) -> ExportSubject | None:
    code = subject_code(session, keyring, subject)
    if code is None:
        return None
    return ExportSubject(
        code=code,
        code_kind=subject.code_kind,
        first_recorded_at=subject.created_at,
    )


def _queries(
    session: Session, keyring: Keyring, code_index: bytes, now: datetime
) -> list[ExportQuery]:
    items = all_queries(
        session=session, keyring=keyring, code_index=code_index, now=now, with_receipts=True
    )
    bodies = log_repo.leaf_bodies(session, [q.log_index for q in items])
    return [
        ExportQuery.model_validate({**q.model_dump(), "leaf_body": bodies[q.log_index].decode()})
        for q in items
    ]


def _freeze(session: Session, subject: Subject | None) -> FreezeState:
    if subject is None:
        return FreezeState(frozen=False, periods=[])
    periods = [
        FreezePeriod(frozen_at=f.frozen_at, lifted_at=f.lifted_at)
        for f in consent_repo.freezes_of(session, subject_id=subject.id)
    ]
    return FreezeState(frozen=any(p.lifted_at is None for p in periods), periods=periods)


def export_all(ctx: Context, *, code_index: bytes) -> DataExport:
    """Everything held about the caller, decrypted, as one JSON-serialisable document."""
    now = ctx.now()
    subject = record_repo.subject_by_index(ctx.session, code_index)
    record = records.my_record(ctx, code_index=code_index)
    rows = (
        ()
        if subject is None
        else record_repo.entries_of_subject(ctx.session, subject_id=subject.id)
    )
    entries, erased = _entries(
        ctx.session, ctx.keyring, rows, {v.id: v for v in record.entries}, now=now
    )
    cases = filed_objections(ctx, code_index=code_index)
    return DataExport(
        generated_at=now,
        subject=None if subject is None else _subject(ctx.session, ctx.keyring, subject),
        warning_list=record.warning_list,
        entries=entries,
        erased_entries=erased,
        queries=_queries(ctx.session, ctx.keyring, code_index, now),
        notifications=citizen_notifications(
            ctx,
            code_index=code_index,
            now=now,
            limit=ALL_NOTIFICATIONS,
        ),
        authorizations=consents.list_authorizations(ctx, code_index=code_index, now=now),
        freeze=_freeze(ctx.session, subject),
        objections=[view for _row, view in cases if view is not None],
        erased_objections=[
            ErasedCase.model_validate(row.model_dump(include=set(ErasedCase.model_fields)))
            for row, view in cases
            if view is None
        ],
        repairs=repairs.my_repairs(ctx, code_index=code_index),
    )
