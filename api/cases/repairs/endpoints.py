"""Repairs (§8): the citizen's side under /me, the officer's side at the top level."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status

from api import http
from api.deps import ContextDep, SettingsDep
from api.params import CursorQuery, LimitQuery
from api.policy import CitizenDep, RepairOfficerDep
from core import paging
from core.cases.repairs import service
from core.cases.repairs.schemas import (
    RepairCase,
    RepairDecision,
    RepairFiling,
    RepairFilter,
    RepairStatus,
    RepairSummary,
    RepairView,
)
from core.paging import PAGE_DEFAULT, Page

router = APIRouter(tags=["repairs"])


@router.post("/me/repairs", response_model=RepairView, status_code=status.HTTP_201_CREATED)
def file_repair(
    filing: Annotated[RepairFiling, Form()],
    principal: CitizenDep,
    ctx: ContextDep,
    settings: SettingsDep,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies defaults
) -> RepairView:
    """Apply to repair one of the caller's entries (multipart: fields, and `files` as evidence)."""
    terms = service.RepairTerms.from_settings(settings)
    view = service.file_repair(
        ctx,
        code_index=principal.own_code_index(),
        filing=filing,
        uploads=http.read_evidence(files, settings),
        terms=terms,
    )
    ctx.session.commit()
    return view


@router.get("/me/repairs", response_model=Page[RepairView])
def my_repairs(
    principal: CitizenDep,
    ctx: ContextDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = PAGE_DEFAULT,
) -> Page[RepairView]:
    """The caller's repair applications with their clocks, evidence and history."""
    views = service.my_repairs(ctx, code_index=principal.own_code_index())
    return paging.sliced(views, scope="my-repairs", cursor=cursor, limit=limit)


@router.get("/repairs", response_model=Page[RepairSummary])
def department_repairs(
    principal: RepairOfficerDep,
    ctx: ContextDep,
    status_: Annotated[RepairStatus | None, Query(alias="status")] = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = PAGE_DEFAULT,
) -> Page[RepairSummary]:
    """The department's repair cases, overdue first; filter by status, overdue, escalated."""

    def fetch(offset: int, count: int) -> list[RepairSummary]:
        filters = RepairFilter(status=status_, overdue=overdue, escalated=escalated, limit=count)
        return service.department_queue(
            ctx, department=principal.own_department(), filters=filters, offset=offset
        )

    # The order is computed (overdue first), so a page resumes by count.
    return paging.by_offset(fetch, scope="repairs", cursor=cursor, limit=limit)


@router.get("/repairs/{repair_id}", response_model=RepairCase)
def read_repair(
    repair_id: uuid.UUID,
    principal: RepairOfficerDep,
    ctx: ContextDep,
) -> RepairCase:
    """One case of the department in full: the entry, evidence, commitment and history."""
    return service.read_case(ctx, department=principal.own_department(), case_id=repair_id)


@router.get(
    "/repairs/{repair_id}/evidence/{file_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def repair_evidence(
    repair_id: uuid.UUID,
    file_id: uuid.UUID,
    principal: RepairOfficerDep,
    ctx: ContextDep,
) -> Response:
    """One evidence file of a case, as an attachment (never rendered inline)."""
    found = service.evidence_content(
        ctx, department=principal.own_department(), case_id=repair_id, file_id=file_id
    )
    return http.evidence_download(found)


@router.post("/repairs/{repair_id}/decision", response_model=RepairCase)
def decide_repair(
    repair_id: uuid.UUID,
    payload: RepairDecision,
    principal: RepairOfficerDep,
    ctx: ContextDep,
    settings: SettingsDep,
) -> RepairCase:
    """Accept or decline a filed case; approve or reject an accepted one (reasons to refuse)."""
    view = service.decide(
        ctx,
        officer=http.officer(principal),
        case_id=repair_id,
        payload=payload,
        terms=service.RepairTerms.from_settings(settings),
    )
    ctx.session.commit()
    return view
