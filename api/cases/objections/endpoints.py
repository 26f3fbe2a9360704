"""Objections (§7): the citizen's side under /me, the officer's side at the top level."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status

from api import http
from api.deps import ContextDep, SettingsDep
from api.params import CursorQuery, LimitQuery
from api.policy import CitizenDep, ObjectionOfficerDep, ObjectorOrOfficerDep
from core import paging
from core.cases.objections import service
from core.cases.objections.schemas import (
    DecisionRequest,
    ObjectionCase,
    ObjectionFilter,
    ObjectionStatus,
    ObjectionSummary,
    ObjectionView,
    Reasons,
)
from core.paging import PAGE_DEFAULT, Page

router = APIRouter(tags=["objections"])


@router.post(
    "/me/objections",
    response_model=ObjectionView,
    status_code=status.HTTP_201_CREATED,
    tags=["citizen"],
)
def file_objection(
    entry_id: Annotated[uuid.UUID, Form()],
    reasons: Annotated[Reasons, Form()],
    principal: CitizenDep,
    ctx: ContextDep,
    settings: SettingsDep,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> ObjectionView:
    """Object to an entry (multipart: entry_id, reasons, files); it is marked at once."""
    view = service.file_objection(
        ctx,
        code_index=principal.own_code_index(),
        entry_id=entry_id,
        reasons=reasons,
        uploads=http.read_evidence(files, settings),
        settings=settings,
    )
    ctx.session.commit()
    return view


@router.get("/me/objections", response_model=Page[ObjectionView], tags=["citizen"])
def my_objections(
    principal: CitizenDep,
    ctx: ContextDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = PAGE_DEFAULT,
) -> Page[ObjectionView]:
    """The caller's objections, newest first, each with its legal clocks and history."""
    views = service.my_objections(ctx, code_index=principal.own_code_index())
    return paging.sliced(views, scope="my-objections", cursor=cursor, limit=limit)


@router.get("/me/objections/{objection_id}", response_model=ObjectionView, tags=["citizen"])
def my_objection(
    objection_id: uuid.UUID,
    principal: CitizenDep,
    ctx: ContextDep,
) -> ObjectionView:
    """One of the caller's objections."""
    return service.my_objection(ctx, code_index=principal.own_code_index(), case_id=objection_id)


@router.get("/objections", response_model=Page[ObjectionSummary])
def department_queue(
    principal: ObjectionOfficerDep,
    ctx: ContextDep,
    status_: Annotated[ObjectionStatus | None, Query(alias="status")] = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = PAGE_DEFAULT,
) -> Page[ObjectionSummary]:
    """The department's cases: overdue first, then the oldest; each with its clocks."""

    def fetch(offset: int, count: int) -> list[ObjectionSummary]:
        filters = ObjectionFilter(
            status=status_, overdue=overdue, escalated=escalated, limit=count, offset=offset
        )
        return service.department_queue(ctx, department=principal.own_department(), filters=filters)

    # The order is computed (overdue first), so a page resumes by count.
    return paging.by_offset(fetch, scope="objections", cursor=cursor, limit=limit)


@router.get("/objections/{objection_id}", response_model=ObjectionCase)
def case_page(
    objection_id: uuid.UUID,
    principal: ObjectionOfficerDep,
    ctx: ContextDep,
) -> ObjectionCase:
    """One case of the department: reasons, evidence, history and clocks."""
    return service.read_case(ctx, department=principal.own_department(), case_id=objection_id)


@router.get(
    "/objections/{objection_id}/evidence/{file_id}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in http.EVIDENCE_EXTENSIONS}}},
)
def evidence_file(
    objection_id: uuid.UUID,
    file_id: uuid.UUID,
    principal: ObjectorOrOfficerDep,
    ctx: ContextDep,
) -> Response:
    """One evidence file, to the case's objector or an officer of its department."""
    return http.case_evidence(service.evidence_content, ctx, principal, objection_id, file_id)


@router.post("/objections/{objection_id}/decision", response_model=ObjectionCase)
def decide(
    objection_id: uuid.UUID,
    payload: DecisionRequest,
    principal: ObjectionOfficerDep,
    ctx: ContextDep,
) -> ObjectionCase:
    """Accept or decline a filed case; uphold, partly uphold or reject an accepted one."""
    view = service.decide(
        ctx,
        officer=http.officer(principal),
        case_id=objection_id,
        payload=payload,
    )
    ctx.session.commit()
    return view
