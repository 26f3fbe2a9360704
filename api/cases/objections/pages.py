"""Objection officers' pages: the department's work list, a case, the decision form.

Invariants: the department comes from the verified token, never from the form; the
decision goes through the same service as `POST /api/v1/objections/{id}/decision`,
with the case version the officer read, so a case changed meanwhile is a conflict. A
decision that erases or corrects the entry is checked, then asked for again on a
confirmation page, and taken only when posted with `confirm=yes`; a refused form comes
back as typed. The work list's filters are closed values and a search of references.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Final, get_args

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError

from api import http
from api.cases import words
from api.cases import worklist as worklist_filters
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
from api.pages.confirm import Confirmation, confirm_page, confirmed, repost
from api.pages.i18n import translate
from api.pages.refusals import invalid_fields, not_found_page, refusal_status
from api.pages.render import page_lang, render
from core.cases.objections import service
from core.cases.objections.schemas import (
    Correction,
    DecisionRequest,
    ObjectionCase,
    ObjectionFilter,
    ObjectionStatus,
    Reasons,
)
from core.errors import DomainError, NotFound

router = APIRouter(prefix="/officer", include_in_schema=False)
STATUSES: Final = get_args(ObjectionStatus)
WORKLIST_LIMIT: Final = 200


def _page(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A case page, with the case templates' own helpers beside the shared ones."""
    return render(request, template, {**words.TEMPLATE_HELPERS, **context}, status=status)


@router.get("/objections", response_class=HTMLResponse)
def worklist(
    request: Request,
    principal: OfficerPageDep,
    ctx: ContextDep,
    status: Annotated[str | None, Query(max_length=32)] = None,
    deadline: Annotated[str | None, Query(max_length=16)] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=128)] = None,
) -> HTMLResponse:
    """The department's cases, filtered and searched: overdue first, then the oldest."""
    picked = worklist_filters.chosen(status, deadline, kind, q)
    context = {
        **worklist_filters.template_context(picked, STATUSES, "status"),
        "filter_action": "/officer/objections",
    }
    try:
        fields = worklist_filters.filters(picked, statuses=STATUSES)
        filters = ObjectionFilter.model_validate({**fields, "limit": WORKLIST_LIMIT})
    except (ValueError, ValidationError):
        context |= {"cases": [], "filter_error": True}
        return _page(request, "officer/worklist.html", context, status=422)
    cases = service.department_queue(ctx, department=principal.own_department(), filters=filters)
    return _page(request, "officer/worklist.html", {**context, "cases": cases})


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
    return _case_page(request, case)


def _case_page(
    request: Request,
    case: ObjectionCase,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The officer's case page; the decision form as typed after a refusal."""
    typed = {"apology": translate("case.apology_standard", page_lang(request)), **(form or {})}
    context = {"case": case, "officer": True, "form": typed, "error": error}
    return _page(request, "case.html", context, status=status)


def _confirmation(
    objection_id: uuid.UUID,
    case: ObjectionCase,
    payload: DecisionRequest,
    typed: dict[str, str],
    lang: str,
) -> Confirmation | None:
    """What an irreversible decision asks first (erasing or correcting the entry); else None."""
    if payload.decision not in ("uphold", "partly_uphold"):
        return None
    path = f"/officer/objections/{objection_id}"
    details: list[tuple[str, str]] = [
        ("case.confirm.entry", case.entry_public_ref),
        ("case.confirm.decision", translate(f"decision.{payload.decision}", lang)),
    ]
    if payload.reasons:
        details.append(("case.confirm.reasons", payload.reasons))
    if payload.erroneous:
        kind = "erase"
        details.append(("case.apology", typed.get("apology", "")))
    else:
        kind = "correct"
        fix = payload.correction
        if fix is not None and fix.facts is not None:
            details.append(("decision.facts", fix.facts))
        if fix is not None and fix.public_summary is not None:
            details.append(("decision.summary", fix.public_summary))
        if fix is not None and fix.display_until is not None:
            details.append(("decision.display_until", fix.display_until.isoformat()))
    return Confirmation(
        action=f"{path}/decision",
        back=path,
        title_key=f"decision.confirm.{kind}.title",
        what_key=f"decision.confirm.{kind}.what",
        button_key=f"decision.confirm.{kind}.button",
        fields=repost(typed.items()),
        details=details,
    )


def _decision(
    decision: str,
    reasons: str,
    erroneous: str,
    facts: str,
    public_summary: str,
    display_until: str,
    version: str,
    apology: str,
) -> DecisionRequest:
    correction = None
    if decision == "uphold" and erroneous == "on":
        # Erasing corrects nothing: what the correction fields hold is not part of it.
        facts = public_summary = display_until = ""
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
            # The apology goes only with an erroneous uphold (its box prefilled otherwise).
            "apology": (apology or None) if decision == "uphold" and erroneous == "on" else None,
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
    apology: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Accept, decline, uphold, partly uphold or reject; one that erases or corrects the
    entry asks first; back to the case page."""
    lang = page_lang(request)
    status = 422
    typed = {
        "decision": decision,
        "reasons": reasons,
        "erroneous": erroneous,
        "facts": facts,
        "public_summary": public_summary,
        "display_until": display_until,
        "version": version,
        "apology": apology,
    }
    case = officer_case(service.read_case, ctx, principal, objection_id)
    if case is None:
        return not_found_page(request)
    try:
        payload = _decision(
            decision, reasons, erroneous, facts, public_summary, display_until, version, apology
        )
    except ValidationError as exc:
        error = f"{words.rule_text('fields', lang)}{words.field_names(invalid_fields(exc), lang)}"
    except ValueError:
        error = f"{words.rule_text('fields', lang)}{words.field_names(['display_until'], lang)}"
    else:
        officer = http.officer(principal)
        try:
            ask = _confirmation(objection_id, case, payload, typed, lang)
            if ask is not None and not confirmed(confirm):
                service.check_decision(ctx, officer=officer, case_id=objection_id, payload=payload)
                return confirm_page(request, ask)
            service.decide(ctx, officer=officer, case_id=objection_id, payload=payload)
        except NotFound:
            ctx.session.rollback()
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
    return _case_page(request, case, form=typed, error=error, status=status)


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
    chose_files = any(f.filename for f in files or [])
    context = {"entry": found, "error": error, "reasons": reasons, "files_again": chose_files}
    return _page(request, "me/objection_form.html", context, status)


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
