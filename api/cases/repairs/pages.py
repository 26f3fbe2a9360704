"""Citizen pages for credit repair: applications, evidence upload, case histories and clocks.

Invariants:
- the same services as `/api/v1/me/repairs` (filing, my applications), scoped by the blind
  index of the signed-in citizen's verified code: another's entry or case does not exist
  here (404), and an evidence file is served only after the citizen's own view of the case
  lists it;
- a filing is refused before anything is written or rolls back with the request (routes
  commit only on success), so bad input changes nothing; evidence is read at most one
  byte past the limit and checked by the service exactly as the API checks it;
- a refusal (not yet eligible, retry too early, an open case, a wrong way, bad evidence)
  is shown on the form with its catalogued message, the dates its rule computed and the
  API's status — never a traceback, and never input except in the form's own fields;
- an entry is offered for repair only when a filing would be accepted today; the others
  are listed with the day they can be (core.cases.repairs.policy), without a form;
- URLs hold entry, case and file ids only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api import http
from api.cases import words
from api.deps import ContextDep, SettingsDep
from api.pages.common import (
    CitizenPageDep,
    CsrfDep,
    back_to,
    my_entry,
    parse_id,
    see_other,
)
from api.pages.i18n import translate
from api.pages.refusals import fill, invalid_fields, not_found_page, refusal_status
from api.pages.render import page_lang, render
from api.state import app_state
from core.cases.repairs import policy, service
from core.cases.repairs.policy import RepairOpening
from core.cases.repairs.schemas import RepairFiling, RepairView
from core.context import Context
from core.entries import service as record_service
from core.entries.schemas import EntryView
from core.errors import DomainError, NotFound
from core.identity.principal import Principal

router = APIRouter(prefix="/me", include_in_schema=False)
OPEN = ("filed", "accepted")
_FORM = "me/repair_form.html"
_MB = 1024 * 1024
# As long as the filing's `credential` field may be.
_CREDENTIAL_MAX = 8000


@dataclass
class RepairForm:
    """The repair form's fields as typed, to show them again after a refusal."""

    way: str = ""
    # The signed credential (pasted, or the text of the uploaded .json file).
    credential: str = ""
    commitment: str | None = None
    signed: bool = False


def _page(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A repair page, with the case templates' own helpers beside the shared ones."""
    return render(request, template, {**words.TEMPLATE_HELPERS, **context}, status=status)


def _refused(request: Request, message: str, status: int) -> HTMLResponse:
    """A page that says why a repair action was refused, with the refusal's status."""
    return _page(request, "me/repair_refused.html", {"message": message}, status=status)


def _limits(terms: service.RepairTerms) -> dict[str, object]:
    return {"max_files": terms.evidence_max_files, "max_mb": terms.evidence_max_bytes // _MB}


def _eligible_from(entry: EntryView, today: date) -> date | None:
    """The end of the minimum display period, when it is still to come (the service decides)."""
    first = policy.first_day(entry.list_kind, entry.severity, entry.decided_on)
    return None if first is None or today >= first else first


def _openings(ctx: Context, principal: Principal) -> dict[uuid.UUID, RepairOpening]:
    """When each of my entries can be repaired (entries that cannot be are left out)."""
    found = service.openings(ctx, code_index=principal.own_code_index())
    return {o.entry_id: o for o in found}


def _opening_note(opening: RepairOpening, lang: str) -> str:
    """Why an entry cannot be repaired today, and from when it can."""
    if opening.from_day is None:
        return translate("me_repair.after_objection", lang)
    return fill(translate("me_repair.later_from", lang), {"day": opening.from_day.isoformat()})


def _form_page(
    request: Request,
    ctx: Context,
    entry: EntryView,
    *,
    form: RepairForm | None = None,
    error: str | None = None,
    error_fields: list[str] | None = None,
    status: int = 200,
    closed: str | None = None,
) -> HTMLResponse:
    terms = service.RepairTerms.from_settings(app_state(request).runtime.settings)
    lang = page_lang(request)
    typed = form or RepairForm()
    eligible = _eligible_from(entry, ctx.today())
    return _page(
        request,
        _FORM,
        {
            # Not repairable today: why and from when, and no form to fill in.
            "closed": closed,
            "entry": entry,
            "form": typed,
            "commitment": typed.commitment
            if typed.commitment is not None
            else translate("me_repair.f.commitment_text", lang),
            "needs_credential": any(
                w in ("donation", "training", "volunteering") for w in entry.repair_ways
            ),
            "files_label": fill(translate("me_repair.f.files", lang), _limits(terms)),
            "eligible_note": None
            if eligible is None
            else fill(
                translate("me_repair.eligible_from", lang), {"eligible_from": eligible.isoformat()}
            ),
            "error": error,
            "error_fields": error_fields or [],
        },
        status=status,
    )


@router.get("/repairs", response_class=HTMLResponse)
def my_repairs(
    request: Request,
    principal: CitizenPageDep,
    ctx: ContextDep,
) -> HTMLResponse:
    """My applications with state, legal clocks and overdue flags; the entries I can apply for."""
    index = principal.own_code_index()
    cases = service.my_repairs(ctx, code_index=index)
    record = record_service.my_record(ctx, code_index=index)
    openings = _openings(ctx, principal)
    lang = page_lang(request)
    return _page(
        request,
        "me/repairs.html",
        {
            "cases": cases,
            "entries": {e.id: e for e in record.entries},
            # Offered only when a filing is accepted today; the others with their day.
            "repairable": [e for e in record.entries if e.id in openings and openings[e.id].now],
            "later": [
                (e, _opening_note(openings[e.id], lang))
                for e in record.entries
                if e.id in openings and not openings[e.id].now
            ],
        },
    )


@router.get("/repairs/new", response_model=None)
def repair_form(
    request: Request,
    principal: CitizenPageDep,
    ctx: ContextDep,
    entry: str = "",
) -> Response:
    """The form to apply for the repair of one of my entries, by the ways it allows."""
    if not entry:
        # A language switch drops the query: the list of repairable entries is where to go.
        return back_to(request, "/me/repairs")
    found = my_entry(ctx, principal, parse_id(entry))
    if found is None:
        return not_found_page(request)
    lang = page_lang(request)
    if not found.repairable:
        return _refused(request, translate("me_err.not_repairable", lang), 422)
    opening = _openings(ctx, principal).get(found.id)
    if opening is None:
        busy = any(
            c.entry_id == found.id and c.status in OPEN
            for c in service.my_repairs(ctx, code_index=principal.own_code_index())
        )
        rule = "repair_open" if busy else "entry_not_displayed"
        return _refused(request, translate(f"me_err.{rule}", lang), 409)
    if not opening.now:
        return _form_page(request, ctx, found, closed=_opening_note(opening, lang))
    return _form_page(request, ctx, found)


def _filing(entry_id: uuid.UUID, form: RepairForm) -> RepairFiling:
    """The API's filing schema from the form (empty fields are absent, as in the API)."""
    data: dict[str, Any] = {
        "entry_id": entry_id,
        "way": form.way,
        "commitment": form.commitment or "",
        "credential": form.credential.strip() or None,
    }
    return RepairFiling.model_validate(data)


def _credential_text(pasted: str, upload: UploadFile | None) -> str:
    """The pasted credential, or else the uploaded file's text (read one byte past the limit)."""
    if pasted.strip() or upload is None or not upload.filename:
        return pasted
    raw = upload.file.read(_CREDENTIAL_MAX + 1)
    # Too long or not UTF-8: kept as a marker the filing schema refuses as the credential.
    if len(raw) > _CREDENTIAL_MAX:
        return "x" * (_CREDENTIAL_MAX + 1)
    return raw.decode("utf-8", errors="replace")


@router.post("/repairs", response_model=None)
def file_repair(
    request: Request,
    principal: CitizenPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    settings: SettingsDep,
    entry_id: Annotated[str, Form()] = "",
    way: Annotated[str, Form()] = "",
    commitment: Annotated[str, Form()] = "",
    signed: Annotated[str, Form()] = "",
    credential: Annotated[str, Form()] = "",
    credential_file: Annotated[UploadFile | None, File()] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """File a repair application with its signed commitment and evidence; back to the case."""
    found_id = parse_id(entry_id)
    entry = my_entry(ctx, principal, found_id)
    if found_id is None or entry is None:
        return not_found_page(request)
    form = RepairForm(
        way=way,
        credential=_credential_text(credential, credential_file),
        commitment=commitment,
        signed=signed == "on",
    )
    lang = page_lang(request)
    terms = service.RepairTerms.from_settings(settings)

    def refused(error: str, status: int = 422, fields: list[str] | None = None) -> HTMLResponse:
        """The form again, as typed, saying why it was refused."""
        return _form_page(
            request,
            ctx,
            entry,
            form=form,
            error=error,
            error_fields=fields,
            status=status,
        )

    if not form.signed:
        return refused(translate("me_repair.err.unsigned", lang), fields=["signed"])
    try:
        filing = _filing(found_id, form)
    except ValidationError as exc:
        return refused(translate("me_repair.err.fields", lang), fields=invalid_fields(exc))
    try:
        view = service.file_repair(
            ctx,
            code_index=principal.own_code_index(),
            filing=filing,
            uploads=http.read_evidence(files, settings, named_only=True),
            terms=terms,
        )
    except DomainError as exc:
        ctx.session.rollback()
        return refused(words.refusal(exc, lang, _limits(terms)), refusal_status(exc))
    ctx.session.commit()
    return see_other(request, f"/me/repairs/{view.id}?filed=1")


def _my_case(
    ctx: Context,
    principal: Principal,
    repair_id: str,
) -> RepairView | None:
    found = parse_id(repair_id)
    if found is None:
        return None
    try:
        return service.my_repair(ctx, code_index=principal.own_code_index(), case_id=found)
    except NotFound:
        return None


@router.get("/repairs/{repair_id}", response_model=None)
def my_repair(
    repair_id: str,
    request: Request,
    principal: CitizenPageDep,
    ctx: ContextDep,
) -> Response:
    """One of my applications: clocks, outcome, what I submitted, the full case history."""
    case = _my_case(ctx, principal, repair_id)
    if case is None:
        return not_found_page(request)
    return _page(
        request,
        "me/repair_case.html",
        {
            "case": case,
            "entry": my_entry(ctx, principal, case.entry_id),
            "filed": request.query_params.get("filed") == "1",
        },
    )


@router.get("/repairs/{repair_id}/evidence/{file_id}", response_model=None)
def my_evidence(
    repair_id: str,
    file_id: str,
    request: Request,
    principal: CitizenPageDep,
    ctx: ContextDep,
) -> Response:
    """One evidence file of one of my applications, as a download."""
    case = _my_case(ctx, principal, repair_id)
    wanted = parse_id(file_id)
    entry = None if case is None else my_entry(ctx, principal, case.entry_id)
    if case is None or entry is None or wanted is None or wanted not in {f.id for f in case.files}:
        return not_found_page(request)
    try:
        found = service.evidence_content(
            ctx, case_id=case.id, file_id=wanted, code_index=principal.own_code_index()
        )
    except NotFound:
        return not_found_page(request)
    except DomainError as exc:
        return _refused(request, words.refusal(exc, page_lang(request)), refusal_status(exc))
    return http.evidence_download(found, file_id=wanted)
