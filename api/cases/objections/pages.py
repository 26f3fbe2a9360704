"""Objection officers' pages: the department's work list, a case, the decision form.

Invariants: the department comes from the verified token, never from the form; the
decision goes through the same service as `POST /api/v1/objections/{id}/decision`,
with the case version the officer read, so a case changed meanwhile is a conflict.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError

from api import http
from api.cases import words
from api.deps import ContextDep, SettingsDep
from api.pages.common import (
    CitizenPageDep,
    CsrfDep,
    OfficerPageDep,
    my_entry,
    officer_case,
    parse_id,
    see_other,
)
from api.pages.refusals import invalid_fields, not_found_page, refusal_status
from api.pages.render import page_lang, render
from core.cases.objections import service
from core.cases.objections.schemas import (
    Correction,
    DecisionRequest,
    ObjectionFilter,
    Reasons,
)
from core.errors import DomainError, NotFound

router = APIRouter(prefix="/officer", include_in_schema=False)


def _page(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A case page, with the case templates' own helpers beside the shared ones."""
    return render(request, template, {**words.TEMPLATE_HELPERS, **context}, status=status)


@router.get("/objections", response_class=HTMLResponse)
def worklist(request: Request, principal: OfficerPageDep, ctx: ContextDep) -> HTMLResponse:
    """The department's cases: overdue first, then the oldest; clocks visible."""
    cases = service.department_queue(
        ctx, department=principal.own_department(), filters=ObjectionFilter(limit=200)
    )
    return _page(request, "officer/worklist.html", {"cases": cases})


@router.get("/objections/{objection_id}", response_class=HTMLResponse)
def case_page(
    objection_id: uuid.UUID,
    request: Request,
    principal: OfficerPageDep,
    ctx: ContextDep,
) -> HTMLResponse:
    """One case: reasons, evidence, history, clocks and the decision form."""
    case = officer_case(service.read_case, ctx, principal, objection_id)
    if case is None:
        return not_found_page(request)
    return _page(request, "case.html", {"case": case, "officer": True})


def _decision(
    decision: str,
    reasons: str,
    erroneous: str,
    facts: str,
    public_summary: str,
    display_until: str,
    version: str,
) -> DecisionRequest:
    correction = None
    if facts.strip() or public_summary.strip() or display_until.strip():
        correction = Correction(
            facts=facts or None,
            public_summary=public_summary or None,
            display_until=date.fromisoformat(display_until) if display_until.strip() else None,
        )
    return DecisionRequest.model_validate(
        {
            "decision": decision,
            "reasons": reasons or None,
            "erroneous": erroneous == "on",
            "correction": correction,
            "version": int(version) if version.isdigit() else None,
        }
    )


@router.post("/objections/{objection_id}/decision", response_model=None)
def decide(
    objection_id: uuid.UUID,
    request: Request,
    principal: OfficerPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    decision: Annotated[str, Form()] = "",
    reasons: Annotated[str, Form()] = "",
    erroneous: Annotated[str, Form()] = "",
    facts: Annotated[str, Form()] = "",
    public_summary: Annotated[str, Form()] = "",
    display_until: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    """Accept, decline, uphold, partly uphold or reject; back to the case page."""
    lang = page_lang(request)
    status = 422
    try:
        payload = _decision(
            decision, reasons, erroneous, facts, public_summary, display_until, version
        )
    except ValidationError as exc:
        error = f"{words.rule_text('fields', lang)}{words.field_names(invalid_fields(exc), lang)}"
    except ValueError:
        error = f"{words.rule_text('fields', lang)}{words.field_names(['display_until'], lang)}"
    else:
        try:
            service.decide(
                ctx,
                officer=http.officer(principal),
                case_id=objection_id,
                payload=payload,
            )
        except NotFound:
            return not_found_page(request)
        except DomainError as exc:
            ctx.session.rollback()
            error, status = words.refusal(exc, lang, officer=True), refusal_status(exc)
        else:
            ctx.session.commit()
            return see_other(request, f"/officer/objections/{objection_id}")
    case = officer_case(service.read_case, ctx, principal, objection_id)
    if case is None:
        return not_found_page(request)
    return _page(request, "case.html", {"case": case, "officer": True, "error": error}, status)


@router.get("/objections/{objection_id}/evidence/{file_id}", response_model=None)
def evidence(
    objection_id: uuid.UUID,
    file_id: uuid.UUID,
    principal: OfficerPageDep,
    ctx: ContextDep,
) -> Response:
    """One evidence file of a department case, as a download."""
    return http.case_evidence(service.evidence_content, ctx, principal, objection_id, file_id)


citizen_router = APIRouter(prefix="/me", include_in_schema=False)

_REASONS: TypeAdapter[str] = TypeAdapter(Reasons)


@citizen_router.get("/objections", response_class=HTMLResponse)
def my_objections(
    request: Request,
    principal: CitizenPageDep,
    ctx: ContextDep,
) -> HTMLResponse:
    """My objections, newest first, with their clocks."""
    cases = service.my_objections(ctx, code_index=principal.own_code_index())
    return _page(request, "me/objections.html", {"cases": cases})


@citizen_router.get("/objections/new", response_class=HTMLResponse)
def objection_form(
    request: Request,
    principal: CitizenPageDep,
    ctx: ContextDep,
    entry: uuid.UUID,
) -> HTMLResponse:
    """The form to object to one of my entries."""
    found = my_entry(ctx, principal, entry)
    if found is None:
        return not_found_page(request)
    return _page(request, "me/objection_form.html", {"entry": found})


@citizen_router.post("/objections", response_model=None)
def file_objection(
    request: Request,
    principal: CitizenPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    settings: SettingsDep,
    entry_id: Annotated[str, Form()] = "",
    reasons: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """File an objection with evidence; the entry is marked at once."""
    entry_uuid = parse_id(entry_id)
    found = my_entry(ctx, principal, entry_uuid)
    if entry_uuid is None or found is None:
        return not_found_page(request)
    lang = page_lang(request)
    status = 422
    try:
        text = _REASONS.validate_python(reasons)
    except ValidationError:
        error = words.rule_text("reasons", lang)
    else:
        uploads = http.read_evidence(files, settings, named_only=True)
        try:
            view = service.file_objection(
                ctx,
                code_index=principal.own_code_index(),
                entry_id=entry_uuid,
                reasons=text,
                uploads=uploads,
                settings=settings,
            )
        except NotFound:
            ctx.session.rollback()
            return not_found_page(request)
        except DomainError as exc:
            ctx.session.rollback()
            limits = words.evidence_limits(settings.evidence_max_files, settings.evidence_max_bytes)
            error, status = words.refusal(exc, lang, limits), refusal_status(exc)
        else:
            ctx.session.commit()
            return see_other(request, f"/me/objections/{view.id}")
    return _page(request, "me/objection_form.html", {"entry": found, "error": error}, status)


@citizen_router.get("/objections/{objection_id}", response_class=HTMLResponse)
def my_objection(
    objection_id: uuid.UUID,
    request: Request,
    principal: CitizenPageDep,
    ctx: ContextDep,
) -> HTMLResponse:
    """One of my cases: clocks, evidence, history, decision."""
    try:
        case = service.my_objection(
            ctx, code_index=principal.own_code_index(), case_id=objection_id
        )
    except NotFound:
        return not_found_page(request)
    return _page(request, "case.html", {"case": case, "officer": False})


@citizen_router.get("/objections/{objection_id}/evidence/{file_id}", response_model=None)
def my_evidence(
    objection_id: uuid.UUID,
    file_id: uuid.UUID,
    principal: CitizenPageDep,
    ctx: ContextDep,
) -> Response:
    """One of my evidence files, as a download."""
    return http.case_evidence(service.evidence_content, ctx, principal, objection_id, file_id)
