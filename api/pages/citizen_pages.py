"""Citizen pages: my record, queries of it, notifications, objections and their cases.

Invariants: every page reads through the same services as `/api/v1/me/...`, scoped by
the blind index of the signed-in citizen's verified code; the code itself is never
rendered; entry and case ids are the only identifiers in URLs.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError

from api.deps import KeyringDep, RuntimeDep, SessionDep
from api.pages.common import (
    CitizenPageDep,
    CsrfDep,
    download,
    my_entry,
    own_index,
    parse_id,
    read_uploads,
    see_other,
)
from api.pages.messages import verify as msg_verify
from api.pages.refusals import not_found_page
from api.pages.render import page_lang, render
from core.cases.objections import service as objection_service
from core.cases.objections.schemas import Reasons
from core.clock import clock
from core.entries import service as record_service
from core.errors import Conflict, InvalidInput, NotFound
from core.queries.notices import citizen_notifications
from core.queries.service import query_history

router = APIRouter(prefix="/me", include_in_schema=False)
_REASONS: TypeAdapter[str] = TypeAdapter(Reasons)


@router.get("", response_class=HTMLResponse)
def my_record(
    request: Request,
    principal: CitizenPageDep,
    session: SessionDep,
    keyring: KeyringDep,
    runtime: RuntimeDep,
) -> HTMLResponse:
    """All of my entries, with state, dates, marks, statement and who can still see them."""
    record = record_service.my_record(
        session=session,
        keyring=keyring,
        code_index=own_index(principal),
        today=clock.today(),
        calendar=runtime.calendar,
    )
    return render(request, "me/record.html", {"record": record})


@router.get("/queries", response_class=HTMLResponse)
def my_queries(request: Request, principal: CitizenPageDep, session: SessionDep) -> HTMLResponse:
    """Every query of my record, each with its receipt and the in-browser verifier."""
    items = query_history(
        session=session, code_index=own_index(principal), now=clock.now(), limit=100
    )
    messages = msg_verify.script_messages(page_lang(request))
    return render(request, "me/queries.html", {"items": items, "verify_messages": messages})


@router.get("/notifications", response_class=HTMLResponse)
def my_notifications(
    request: Request, principal: CitizenPageDep, session: SessionDep
) -> HTMLResponse:
    """My outbox: queries of my record and events of my entries."""
    items = citizen_notifications(
        session=session, code_index=own_index(principal), now=clock.now(), limit=100
    )
    return render(request, "me/notifications.html", {"items": items})


@router.get("/objections", response_class=HTMLResponse)
def my_objections(
    request: Request,
    principal: CitizenPageDep,
    session: SessionDep,
    keyring: KeyringDep,
    runtime: RuntimeDep,
) -> HTMLResponse:
    """My objections, newest first, with their clocks."""
    cases = objection_service.my_objections(
        session=session,
        keyring=keyring,
        code_index=own_index(principal),
        today=clock.today(),
        calendar=runtime.calendar,
    )
    return render(request, "me/objections.html", {"cases": cases})


@router.get("/objections/new", response_class=HTMLResponse)
def objection_form(
    request: Request,
    principal: CitizenPageDep,
    session: SessionDep,
    keyring: KeyringDep,
    entry: uuid.UUID,
) -> HTMLResponse:
    """The form to object to one of my entries."""
    found = my_entry(session, keyring, principal, entry)
    if found is None:
        return not_found_page(request)
    return render(request, "me/objection_form.html", {"entry": found})


@router.post("/objections", response_model=None)
def file_objection(
    request: Request,
    principal: CitizenPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    keyring: KeyringDep,
    runtime: RuntimeDep,
    entry_id: Annotated[str, Form()] = "",
    reasons: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """File an objection with evidence; the entry is marked at once."""
    settings = runtime.settings
    entry_uuid = parse_id(entry_id)
    found = my_entry(session, keyring, principal, entry_uuid)
    if entry_uuid is None or found is None:
        return not_found_page(request)
    error: str | None = None
    try:
        text = _REASONS.validate_python(reasons)
    except ValidationError:
        error = "reasons"
    if error is None:
        uploads = read_uploads(
            files, max_files=settings.evidence_max_files, max_bytes=settings.evidence_max_bytes
        )
        try:
            view = objection_service.file_objection(
                session=session,
                keyring=keyring,
                code_index=own_index(principal),
                entry_id=entry_uuid,
                reasons=text,
                uploads=uploads,
                settings=settings,
                calendar=runtime.calendar,
                now=clock.now(),
            )
        except (InvalidInput, Conflict) as exc:
            session.rollback()
            error = exc.detail
        else:
            session.commit()
            return see_other(request, f"/me/objections/{view.id}")
    return render(request, "me/objection_form.html", {"entry": found, "error": error}, status=422)


@router.get("/objections/{objection_id}", response_class=HTMLResponse)
def my_objection(
    objection_id: uuid.UUID,
    request: Request,
    principal: CitizenPageDep,
    session: SessionDep,
    keyring: KeyringDep,
    runtime: RuntimeDep,
) -> HTMLResponse:
    """One of my cases: clocks, evidence, history, decision."""
    try:
        case = objection_service.my_objection(
            session=session,
            keyring=keyring,
            code_index=own_index(principal),
            objection_id=objection_id,
            today=clock.today(),
            calendar=runtime.calendar,
        )
    except NotFound:
        return not_found_page(request)
    return render(request, "case.html", {"case": case, "officer": False})


@router.get("/objections/{objection_id}/evidence/{file_id}", response_model=None)
def my_evidence(
    objection_id: uuid.UUID,
    file_id: uuid.UUID,
    principal: CitizenPageDep,
    session: SessionDep,
    keyring: KeyringDep,
) -> Response:
    """One of my evidence files, as a download."""
    found = objection_service.evidence_content(
        session=session,
        keyring=keyring,
        objection_id=objection_id,
        file_id=file_id,
        objector_index=own_index(principal),
    )
    return download(found, file_id=file_id)
