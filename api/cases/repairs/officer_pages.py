"""Repair officers' pages: the department's work list, a case, the decision form.

Invariants: the department comes from the verified token, never from a form or a URL; the
pages read and decide through the same service as `/api/v1/repairs`, so the same rules and
the same department scoping apply. The decision form carries the status the officer read:
a repair's version moves only with its status (filed → accepted | declined, accepted →
approved | rejected), so that status is the version read, and a case whose status moved
meanwhile is answered with a 409 conflict page showing the case as it is now — nothing is
decided on a stale page. Approval, which ends the entry's display for good, is checked,
then asked for again on a confirmation page, and taken only when posted with `confirm=yes`.
Evidence is served as a no-store attachment; ids are the only identifiers in URLs.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api import http
from api.cases import words
from api.cases import worklist as worklist_filters
from api.deps import ContextDep, SettingsDep
from api.pages.common import CsrfDep, RepairOfficerPageDep, officer_case, see_other
from api.pages.confirm import Confirmation, confirm_page, confirmed, repost
from api.pages.i18n import translate
from api.pages.refusals import gone_page, not_found_page, refusal_status
from api.pages.render import page_lang, render
from api.state import app_state
from core.cases.repairs import service
from core.cases.repairs.schemas import RepairCase, RepairDecision, RepairFilter
from core.context import Context
from core.errors import DomainError, NotFound, Shredded

router = APIRouter(prefix="/officer", include_in_schema=False)
WORKLIST_LIMIT = 200
STATUSES = ("filed", "accepted", "declined", "approved", "rejected")
# Which decisions the form offers in each status (the service checks the order again).
_CHOICES: dict[str, tuple[str, ...]] = {
    "filed": ("accept", "decline"),
    "accepted": ("approve", "reject"),
}


@router.get("/repairs", response_class=HTMLResponse)
def worklist(
    request: Request,
    principal: RepairOfficerPageDep,
    ctx: ContextDep,
    status: Annotated[str | None, Query(max_length=32)] = None,
    deadline: Annotated[str | None, Query(max_length=16)] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=128)] = None,
) -> HTMLResponse:
    """The department's repair cases, filtered and searched: overdue first; clocks shown."""
    picked = worklist_filters.chosen(status, deadline, kind, q)
    context = {
        **words.TEMPLATE_HELPERS,
        **worklist_filters.template_context(picked, STATUSES, "staff.rstatus"),
        "filter_action": "/officer/repairs",
    }
    try:
        fields = worklist_filters.filters(picked, statuses=STATUSES)
        filters = RepairFilter.model_validate({**fields, "limit": WORKLIST_LIMIT})
    except (ValueError, ValidationError):
        context |= {"cases": [], "filter_error": True}
        return render(request, "officer/repair_worklist.html", context, status=422)
    cases = service.department_queue(ctx, department=principal.own_department(), filters=filters)
    return render(request, "officer/repair_worklist.html", {**context, "cases": cases})


def _case_page(
    request: Request, case: RepairCase, ctx: Context, status: int = 200, **extra: Any
) -> HTMLResponse:
    terms = service.RepairTerms.from_settings(app_state(request).runtime.settings)
    lang = page_lang(request)
    refused = extra.pop("refusal", None)
    invalid = extra.pop("invalid", None)
    typed = extra.pop("form", None) or {}
    context = {
        "form": typed,
        **words.TEMPLATE_HELPERS,
        "refusal": None if refused is None else words.refusal(refused, lang, officer=True),
        "refusal_rule": None if refused is None else refused.rule,
        "invalid": None if not invalid else words.field_names(invalid, lang),
        "case": case,
        "choices": _CHOICES.get(case.status, ()),
        "retry_days": terms.retry_days,
        **extra,
    }
    return render(request, "officer/repair_case.html", context, status=status)


@router.get("/repairs/{repair_id}", response_class=HTMLResponse)
def case_page(
    repair_id: uuid.UUID,
    request: Request,
    principal: RepairOfficerPageDep,
    ctx: ContextDep,
) -> HTMLResponse:
    """One case: the entry, the evidence and commitment, the history and the decision form."""
    case = officer_case(service.read_case, ctx, principal, repair_id)
    if case is None:
        return not_found_page(request)
    return _case_page(request, case, ctx)


@router.post("/repairs/{repair_id}/decision", response_model=None)
def decide(
    repair_id: uuid.UUID,
    request: Request,
    principal: RepairOfficerPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    settings: SettingsDep,
    decision: Annotated[str, Form()] = "",
    reasons: Annotated[str, Form()] = "",
    read_status: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Accept or decline, then approve (asked first) or reject; a stale form is a conflict."""
    current = officer_case(service.read_case, ctx, principal, repair_id)
    if current is None:
        return not_found_page(request)
    typed = {"decision": decision, "reasons": reasons, "read_status": read_status}
    if read_status not in STATUSES:
        return _case_page(request, current, ctx, status=422, invalid=["read_status"], form=typed)
    if read_status != current.status:
        return _case_page(request, current, ctx, status=409, conflict=True, form=typed)
    try:
        payload = RepairDecision.model_validate(
            {"decision": decision, "reasons": reasons.strip() or None}
        )
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
        return _case_page(request, current, ctx, status=422, invalid=fields, form=typed)
    officer = http.officer(principal)
    try:
        if payload.decision == "approve" and not confirmed(confirm):
            service.check_decision(ctx, officer=officer, case_id=repair_id, payload=payload)
            return confirm_page(request, _confirmation(request, current, payload, typed))
        service.decide(
            ctx,
            officer=officer,
            case_id=repair_id,
            payload=payload,
            terms=service.RepairTerms.from_settings(settings),
        )
    except NotFound:
        ctx.session.rollback()
        return not_found_page(request)
    except DomainError as exc:
        ctx.session.rollback()
        case = service.read_case(ctx, department=principal.own_department(), case_id=repair_id)
        return _case_page(request, case, ctx, status=refusal_status(exc), refusal=exc, form=typed)
    ctx.session.commit()
    return see_other(request, f"/officer/repairs/{repair_id}")


def _confirmation(
    request: Request, case: RepairCase, payload: RepairDecision, typed: dict[str, str]
) -> Confirmation:
    """What approving asks first: the entry leaves its list at once, for good."""
    path = f"/officer/repairs/{case.id}"
    details = [
        ("case.confirm.entry", case.entry_public_ref),
        ("case.confirm.decision", translate("rdecision.approve", page_lang(request))),
    ]
    if payload.reasons:
        details.append(("case.confirm.reasons", payload.reasons))
    return Confirmation(
        action=f"{path}/decision",
        back=path,
        title_key="rdecision.confirm.approve.title",
        what_key="rdecision.confirm.approve.what",
        button_key="rdecision.confirm.approve.button",
        fields=repost(typed.items()),
        details=details,
    )


@router.get("/repairs/{repair_id}/evidence/{file_id}", response_model=None)
def evidence(
    repair_id: uuid.UUID,
    file_id: uuid.UUID,
    request: Request,
    principal: RepairOfficerPageDep,
    ctx: ContextDep,
) -> Response:
    """One evidence file of a department case, as a no-store attachment."""
    try:
        found = service.evidence_content(
            ctx, department=principal.own_department(), case_id=repair_id, file_id=file_id
        )
    except NotFound:
        return not_found_page(request)
    except Shredded:
        return gone_page(request)
    return http.evidence_download(found, file_id=file_id)
