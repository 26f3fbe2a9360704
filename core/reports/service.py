"""The citizen's personal credit report (§1, §10), built from the services that own each part.

Invariants:
- Everything is selected by the blind index of the caller's own code: their subject's
  entries, the visible queries of their record, their authorizations, the objections
  they filed and the repairs of their entries. Nothing else can appear.
- Decryption happens in the owning services (records, objections, repairs), after this
  scope selected the rows; the report never holds the credit code.
- States, audiences and clocks are computed for one instant (`now`) at read time.
- Reading writes nothing: no query-log leaf (the owner reading their own record is not
  an agency query), no notice, no row of any kind (issuing a report is `issuance`'s).
- The code is opened only to be masked: the report carries its first and last two
  characters, never the code.
- An objection case erased at the end of retention shows as erased with its dates; it
  never makes the whole report fail.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Final

from sqlmodel import Session

from core.calendar.workdays import WorkCalendar
from core.cases import repository as case_repo
from core.cases.objections import service as objections
from core.cases.objections.schemas import OPEN_STATUSES as OPEN_OBJECTION
from core.cases.objections.schemas import ObjectionView
from core.cases.repairs import service as repairs
from core.cases.repairs.schemas import RepairView
from core.clock import local_date
from core.consents import service as consents
from core.context import Context
from core.entries import service as records
from core.entries import store
from core.entries.schemas import EntryView
from core.entries.subjects import subject_by_index
from core.errors import NotFound, Shredded
from core.keyring import Keyring
from core.models import Entry, Objection, Subject
from core.ops import keys_repository as key_repo
from core.queries.schemas import QueryHistoryItem
from core.queries.service import query_history
from core.reports.policy import mask_code, masked_name
from core.reports.schemas import (
    PersonalReport,
    ReportAuthorization,
    ReportEntry,
    ReportObjection,
    ReportQuery,
    ReportRepair,
    ReportSummary,
)

PAGE: Final = 200
OPEN_REPAIR: Final = ("filed", "accepted")


def all_queries(
    *,
    session: Session,
    code_index: bytes,
    now: datetime,
    with_receipts: bool,
    keyring: Keyring | None = None,
) -> list[QueryHistoryItem]:
    """Every query of the record visible now, newest first (paged through, not truncated)."""
    items: list[QueryHistoryItem] = []
    before: int | None = None
    while True:
        page = query_history(
            session=session,
            keyring=keyring,
            code_index=code_index,
            now=now,
            before=before,
            limit=PAGE,
            with_receipts=with_receipts,
        )
        items.extend(page)
        if len(page) < PAGE:
            return items
        before = page[-1].log_index


def filed_objections(
    ctx: Context, *, code_index: bytes
) -> list[tuple[Objection, ObjectionView | None]]:
    """Every objection the caller filed, newest first, opened; None where the case was erased."""
    found: list[tuple[Objection, ObjectionView | None]] = []
    for row in case_repo.by_owner(ctx.session, objections.CASES, owner=code_index):
        try:
            view: ObjectionView | None = objections.my_objection(
                ctx, code_index=code_index, case_id=row.id
            )
        except Shredded:
            view = None
        found.append((row, view))
    return found


def subject_code(session: Session, keyring: Keyring, subject: Subject) -> str | None:
    """The subject's credit code, opened; None once its key was destroyed."""
    row = key_repo.get_data_key(session, subject.data_key_id)
    if row is None or row.wrapped is None or subject.code_ct is None:
        return None
    key = store.live_key(keyring, row)
    return store.open_text(key, subject.code_ct, "subject", "code", subject.id)


def _entry(view: EntryView) -> ReportEntry:
    return ReportEntry.model_validate(view.model_dump(include=set(ReportEntry.model_fields)))


def _query(item: QueryHistoryItem) -> ReportQuery:
    return ReportQuery(
        log_index=item.log_index,
        at=datetime.fromisoformat(item.at),
        agency=item.agency,
        purpose=item.purpose,
        basis=item.basis,
        legal_basis=item.legal_basis,
        outcome=item.outcome,
        entries_returned=item.entries_returned,
    )


def _objection(
    session: Session,
    row: Objection,
    view: ObjectionView | None,
    *,
    now: datetime,
    calendar: WorkCalendar,
) -> ReportObjection:
    if view is not None:
        return ReportObjection.model_validate(
            view.model_dump(include=set(ReportObjection.model_fields))
        )
    # Erased at the end of retention with its entry: the workflow dates are all that is left.
    entry = session.get(Entry, row.entry_id)
    if entry is None:  # pragma: no cover - a case references its entry (foreign key)
        raise NotFound("no such objection")
    clocks = objections.clocks(row, today=local_date(now), calendar=calendar)
    accept = objections.accept_due(row, calendar)
    return ReportObjection.model_validate(
        {
            "id": row.id,
            "entry_id": row.entry_id,
            "list_kind": entry.list_kind,
            "department": row.department,
            "status": row.status,
            "filed_on": row.filed_on,
            "accept_due": accept.day,
            "accept_due_provisional": accept.provisional,
            "resolve_due": row.resolve_due,
            "clocks": clocks,
            "overdue": any(c.overdue for c in clocks),
            "escalated": row.escalated,
            "erased": True,
        }
    )


def _repair(view: RepairView) -> ReportRepair:
    return ReportRepair.model_validate(view.model_dump(include=set(ReportRepair.model_fields)))


def personal_report(ctx: Context, *, code_index: bytes) -> PersonalReport:
    """The caller's report: entries, queries, authorizations, objections and repairs."""
    now = ctx.now()
    today = local_date(now)
    record = records.my_record(ctx, code_index=code_index)
    entries = sorted(
        (_entry(e) for e in record.entries), key=lambda e: (e.decided_on, e.id), reverse=True
    )
    latest = max(record.entries, key=lambda e: (e.decided_on, e.created_at), default=None)
    queries = [
        _query(q)
        for q in all_queries(
            session=ctx.session, code_index=code_index, now=now, with_receipts=False
        )
    ]
    grants = [
        ReportAuthorization.model_validate(
            a.model_dump(include=set(ReportAuthorization.model_fields))
        )
        for a in consents.list_authorizations(ctx, code_index=code_index, now=now)
    ]
    cases = [
        _objection(ctx.session, row, view, now=now, calendar=ctx.calendar)
        for row, view in filed_objections(ctx, code_index=code_index)
    ]
    applications = [_repair(r) for r in repairs.my_repairs(ctx, code_index=code_index)]
    subject = subject_by_index(session=ctx.session, code_index=code_index)
    frozen = subject is not None and consents.is_frozen(session=ctx.session, subject_id=subject.id)
    code = None if subject is None else subject_code(ctx.session, ctx.keyring, subject)
    name = None if latest is None else latest.subject_name
    return PersonalReport(
        generated_at=now,
        as_of=today,
        subject_name=name,
        masked_name=masked_name(name),
        masked_code=None if code is None else mask_code(code),
        warning_list=record.warning_list,
        frozen=frozen,
        summary=ReportSummary(
            entries=len(entries),
            by_kind=dict(Counter(e.list_kind for e in entries)),
            displayed=sum(e.state == "displayed" for e in entries),
            under_objection=sum(e.under_objection for e in entries),
            queries=len(queries),
            active_authorizations=sum(a.state == "active" for a in grants),
            open_objections=sum(c.status in OPEN_OBJECTION for c in cases),
            open_repairs=sum(r.status in OPEN_REPAIR for r in applications),
            provisional_deadlines=sum(e.notice_until_provisional for e in entries)
            + sum(c.accept_due_provisional + sum(k.provisional for k in c.clocks) for c in cases)
            + sum(sum(k.provisional for k in r.clocks) for r in applications),
        ),
        entries=entries,
        queries=queries,
        authorizations=grants,
        objections=cases,
        repairs=applications,
    )
