"""Recorder routes (§10): submit, batch-submit, list, search, read, amend and withdraw the
department's entries.

Invariants: the department comes from the token, never from a body or a query; the list's
filters are query parameters because none is personal data, and a search by subject code
is a POST whose body carries the code, so no code is ever in a URL or an access log.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import ContextDep
from api.params import CursorQuery, LimitQuery
from api.policy import CitizenDep, RecorderDep
from core import paging
from core.entries import recorder, service
from core.entries import service as record_service
from core.entries.batches import submit_batch
from core.entries.schemas import (
    BatchRequest,
    BatchResult,
    DepartmentEntries,
    EntryAmend,
    EntryCreate,
    EntryFilter,
    EntryHistory,
    EntrySearch,
    EntryView,
    MyRecord,
    StatementPut,
    WithdrawRequest,
)
from core.paging import PAGE_DEFAULT

router = APIRouter(prefix="/records", tags=["recorder"])


@router.post("", response_model=EntryView, status_code=status.HTTP_201_CREATED)
def create_record(
    payload: EntryCreate,
    principal: RecorderDep,
    ctx: ContextDep,
) -> EntryView:
    """Record one entry for the caller's department."""
    view = service.create_entry(
        ctx, department=principal.own_department(), actor=principal.subject, payload=payload
    )
    ctx.session.commit()
    return view


@router.post(":batch", response_model=BatchResult)
def create_batch(
    payload: BatchRequest,
    principal: RecorderDep,
    ctx: ContextDep,
) -> BatchResult:
    """Record up to 1,000 entries; idempotent by external id; one result per item."""
    result = submit_batch(
        ctx, department=principal.own_department(), actor=principal.subject, items=payload.items
    )
    ctx.session.commit()
    return result


@router.get("", response_model=DepartmentEntries)
def list_records(
    principal: RecorderDep,
    ctx: ContextDep,
    filters: Annotated[EntryFilter, Query()],
) -> DepartmentEntries:
    """The department's entries, newest decision first, filtered; cursor-paged (no codes)."""
    return recorder.list_entries(ctx, department=principal.own_department(), filters=filters)


@router.post(":search", response_model=DepartmentEntries)
def search_records(
    payload: EntrySearch,
    principal: RecorderDep,
    ctx: ContextDep,
) -> DepartmentEntries:
    """The department's entries about one subject, by code in the body; cursor-paged."""
    return recorder.search_by_code(ctx, department=principal.own_department(), search=payload)


@router.get("/{entry_id}", response_model=EntryView)
def get_record(
    entry_id: uuid.UUID,
    principal: RecorderDep,
    ctx: ContextDep,
) -> EntryView:
    """One entry of the caller's department."""
    return service.read_entry(ctx, department=principal.own_department(), entry_id=entry_id)


@router.get("/{entry_id}/history", response_model=EntryHistory)
def record_history(
    entry_id: uuid.UUID,
    principal: RecorderDep,
    ctx: ContextDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = PAGE_DEFAULT,
) -> EntryHistory:
    """The entry's history, oldest first: who (in which role) did what, and when."""
    lines = recorder.history_of(ctx, department=principal.own_department(), entry_id=entry_id)
    page = paging.sliced(lines, scope="entry-history", cursor=cursor, limit=limit)
    return EntryHistory(items=page.items, next_cursor=page.next_cursor)


@router.post("/{entry_id}/amend", response_model=EntryView)
def amend_record(
    entry_id: uuid.UUID,
    payload: EntryAmend,
    principal: RecorderDep,
    ctx: ContextDep,
) -> EntryView:
    """Correct facts, summary, legal basis or dates of an entry of the caller's department."""
    view = recorder.amend_entry(
        ctx,
        department=principal.own_department(),
        entry_id=entry_id,
        actor=recorder.actor_of("recorder", principal.subject),
        payload=payload,
    )
    ctx.session.commit()
    return view


@router.post("/{entry_id}/withdraw", response_model=EntryView)
def withdraw_record(
    entry_id: uuid.UUID,
    payload: WithdrawRequest,
    principal: RecorderDep,
    ctx: ContextDep,
) -> EntryView:
    """Withdraw an entry of the caller's department (reason required)."""
    view = service.withdraw_entry(
        ctx,
        department=principal.own_department(),
        entry_id=entry_id,
        reason=payload.reason,
        kind=payload.kind,
        actor=recorder.actor_of("recorder", principal.subject),
    )
    ctx.session.commit()
    return view


me_router = APIRouter(prefix="/me", tags=["citizen"])


@me_router.get("/record", response_model=MyRecord)
def my_record(principal: CitizenDep, ctx: ContextDep) -> MyRecord:
    """All of the caller's own entries."""
    return record_service.my_record(ctx, code_index=principal.own_code_index())


@me_router.put("/record/{entry_id}/statement", response_model=EntryView)
def put_statement(
    entry_id: uuid.UUID,
    payload: StatementPut,
    principal: CitizenDep,
    ctx: ContextDep,
) -> EntryView:
    """Attach a statement (≤ 200 characters) to one of the caller's entries."""
    view = record_service.set_statement(
        ctx, code_index=principal.own_code_index(), entry_id=entry_id, statement=payload.statement
    )
    ctx.session.commit()
    return view


@me_router.delete("/record/{entry_id}/statement", response_model=EntryView)
def delete_statement(entry_id: uuid.UUID, principal: CitizenDep, ctx: ContextDep) -> EntryView:
    """Remove the caller's statement from one of their entries."""
    view = record_service.set_statement(
        ctx, code_index=principal.own_code_index(), entry_id=entry_id, statement=None
    )
    ctx.session.commit()
    return view
