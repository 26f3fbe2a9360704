"""Objections (§7): the citizen's side under /me, the officer's side at the top level."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile, status

from api.cases.common import EXTENSIONS, evidence_download, fallback_name, read_uploads
from api.deps import KeyringDep, RuntimeDep, SessionDep
from api.params import DbIntQuery
from api.policy import CitizenDep, ObjectionOfficerDep, Policy
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
from core.clock import clock
from core.identity.principal import Principal

router = APIRouter(tags=["objections"])

# Evidence is served to the case's objector or to an officer of its department.
objector_or_officer = Policy("citizen", "objection_officer")
ObjectorOrOfficerDep = Annotated[Principal, Depends(objector_or_officer)]


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
    session: SessionDep,
    keyring: KeyringDep,
    runtime: RuntimeDep,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> ObjectionView:
    """Object to an entry (multipart: entry_id, reasons, files); it is marked at once."""
    settings = runtime.settings
    view = service.file_objection(
        session=session,
        keyring=keyring,
        code_index=principal.own_code_index(),
        entry_id=entry_id,
        reasons=reasons,
        uploads=read_uploads(
            files, max_bytes=settings.evidence_max_bytes, max_files=settings.evidence_max_files
        ),
        settings=settings,
        calendar=runtime.calendar,
        now=clock.now(),
    )
    session.commit()
    return view


@router.get("/me/objections", response_model=list[ObjectionView], tags=["citizen"])
def my_objections(
    principal: CitizenDep, session: SessionDep, keyring: KeyringDep, runtime: RuntimeDep
) -> list[ObjectionView]:
    """The caller's objections, newest first, each with its legal clocks and history."""
    return service.my_objections(
        session=session,
        keyring=keyring,
        code_index=principal.own_code_index(),
        today=clock.today(),
        calendar=runtime.calendar,
    )


@router.get("/me/objections/{objection_id}", response_model=ObjectionView, tags=["citizen"])
def my_objection(
    objection_id: uuid.UUID,
    principal: CitizenDep,
    session: SessionDep,
    keyring: KeyringDep,
    runtime: RuntimeDep,
) -> ObjectionView:
    """One of the caller's objections."""
    return service.my_objection(
        session=session,
        keyring=keyring,
        code_index=principal.own_code_index(),
        case_id=objection_id,
        today=clock.today(),
        calendar=runtime.calendar,
    )


@router.get("/objections", response_model=list[ObjectionSummary])
def department_queue(
    principal: ObjectionOfficerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    status_: Annotated[ObjectionStatus | None, Query(alias="status")] = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: DbIntQuery = 0,
) -> list[ObjectionSummary]:
    """The department's cases: overdue first, then the oldest; each with its clocks."""
    return service.department_queue(
        session=session,
        department=principal.own_department(),
        filters=ObjectionFilter(
            status=status_, overdue=overdue, escalated=escalated, limit=limit, offset=offset
        ),
        today=clock.today(),
        calendar=runtime.calendar,
    )


@router.get("/objections/{objection_id}", response_model=ObjectionCase)
def case_page(
    objection_id: uuid.UUID,
    principal: ObjectionOfficerDep,
    session: SessionDep,
    keyring: KeyringDep,
    runtime: RuntimeDep,
) -> ObjectionCase:
    """One case of the department: reasons, evidence, history and clocks."""
    return service.read_case(
        session=session,
        keyring=keyring,
        department=principal.own_department(),
        case_id=objection_id,
        today=clock.today(),
        calendar=runtime.calendar,
    )


@router.get(
    "/objections/{objection_id}/evidence/{file_id}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in EXTENSIONS}}},
)
def evidence_file(
    objection_id: uuid.UUID,
    file_id: uuid.UUID,
    principal: ObjectorOrOfficerDep,
    session: SessionDep,
    keyring: KeyringDep,
) -> Response:
    """One evidence file, to the case's objector or an officer of its department."""
    officer = principal.role == "objection_officer"
    found = service.evidence_content(
        session=session,
        keyring=keyring,
        case_id=objection_id,
        file_id=file_id,
        department=principal.own_department() if officer else None,
        code_index=None if officer else principal.own_code_index(),
    )
    return evidence_download(found, fallback=fallback_name(file_id, found.media_type))


@router.post("/objections/{objection_id}/decision", response_model=ObjectionCase)
def decide(
    objection_id: uuid.UUID,
    payload: DecisionRequest,
    principal: ObjectionOfficerDep,
    session: SessionDep,
    keyring: KeyringDep,
    runtime: RuntimeDep,
) -> ObjectionCase:
    """Accept or decline a filed case; uphold, partly uphold or reject an accepted one."""
    view = service.decide(
        session=session,
        keyring=keyring,
        department=principal.own_department(),
        case_id=objection_id,
        payload=payload,
        actor=principal.subject,
        now=clock.now(),
        calendar=runtime.calendar,
    )
    session.commit()
    return view
