"""Entry pages: recorders record, list, search, amend and withdraw their department's entries
and upload batches; citizens see their record and state.

Invariants:
- The department comes from the verified token, never from a form; entries go through the
  same services as `/api/v1/records…`, so the same rules refuse the same input.
- The subject's code is personal data: it is posted in a form body only (the add-entry
  form, the search by code), never put in a URL or a redirect, never logged. After a
  refusal the form keeps what was typed — code, name, facts and summary too — in the
  response body only, which is sent `no-store`. Lists show names masked and no code.
- A refusal rolls back: nothing of a refused entry, amendment or withdrawal is stored,
  and the page says why in the page's language (`api.entries.forms`).
- A withdrawal is irreversible: its form posts to a confirmation page that says what will
  happen; only the confirmed post acts (`api.pages.confirm`).
- End dates on these pages are the last day of their period (含当日); times are China
  Standard Time to the minute with the zone named (`when`).
- Every page here is sent with the page security headers and `Cache-Control: no-store`
  (`api.headers` covers `/recorder` and `/me`).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Final, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import ContextDep
from api.entries.batch_files import COLUMNS, MAX_BATCH_ITEMS, BadFile, read_batch
from api.entries.forms import (
    AmendForm,
    EntryForm,
    error_words,
    last_day,
    refusal_words,
    validation_words,
)
from api.pages.common import (
    CitizenPageDep,
    CsrfDep,
    RecorderPageDep,
    back_to,
    my_entry,
    parse_id,
    see_other,
)
from api.pages.confirm import Confirmation, confirm_page, confirmed, repost
from api.pages.i18n import translate
from api.pages.refusals import gone_page, not_found_page, refusal_message, refusal_status
from api.pages.render import page_lang, render
from core.context import Context
from core.entries import recorder, service
from core.entries import service as record_service
from core.entries.batches import submit_batch
from core.entries.schemas import (
    DepartmentEntries,
    EntryAmend,
    EntryCreate,
    EntryFilter,
    EntrySearch,
    EntryStateFilter,
    EntryView,
    MyRecord,
    StatementPut,
    WithdrawRequest,
)
from core.errors import DomainError, InvalidInput, NotFound, Shredded
from core.identity.principal import Principal
from core.public.masking import mask_name
from core.vocabulary import DOMAINS, REPAIR_WAYS, SEVERITIES

router = APIRouter(prefix="/recorder", include_in_schema=False)

RECORDED_KINDS: Final = ("black", "red", "watch")
STATES: Final = get_args(EntryStateFilter)
WITHDRAW_KINDS: Final = ("withdrawn", "criteria_changed")
LIST_FILTERS: Final = ("list_kind", "state", "domain", "decided_from", "decided_to", "reference")
_TEXT_MAX: Final = 128
PAGE_SIZE: Final = 50
# The entry's states from which it may still be withdrawn, or amended.
_LIVE: Final = ("pending_notice", "displayed")
_AMENDABLE: Final = ("pending_notice", "displayed", "expired")


def _page(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """Render with `last`: an end date's last day, for `until()` (含当日)."""
    return render(request, template, {"last": last_day, **context}, status=status)


def _actor(principal: Principal) -> str:
    return recorder.actor_of("recorder", principal.subject)


# --- one entry: the add-entry form ------------------------------------------------------------


def _form(request: Request, status: int = 200, **extra: Any) -> HTMLResponse:
    context = {
        "kinds": RECORDED_KINDS,
        "domains": DOMAINS,
        "severities": SEVERITIES,
        "ways": REPAIR_WAYS,
        "values": extra.pop("values", {"list_kind": "black", "watch_months": "12"}),
        **extra,
    }
    return _page(request, "recorder/index.html", context, status=status)


@router.get("", response_class=HTMLResponse)
def landing(request: Request, principal: RecorderPageDep) -> HTMLResponse:
    """The add-entry form."""
    return _form(request, department=principal.own_department())


@router.post("/entries", response_model=None)
def add_entry(
    request: Request,
    principal: RecorderPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    fields: Annotated[EntryForm, Form()],
) -> Response:
    """Record one entry for the department; on success, on to the entry's page."""
    department = principal.own_department()
    lang = page_lang(request)
    try:
        payload = EntryCreate.model_validate(fields.submission())
    except ValidationError as exc:
        words = validation_words(exc, lang)
        return _form(request, 422, department=department, values=fields.typed(), errors=words)
    try:
        view = service.create_entry(
            ctx, department=department, actor=principal.subject, payload=payload
        )
    except DomainError as exc:
        ctx.session.rollback()
        return _form(
            request,
            refusal_status(exc),
            department=department,
            values=fields.typed(),
            refusal=exc,
            refusal_text=refusal_words(exc, lang),
        )
    ctx.session.commit()
    return see_other(request, f"/recorder/entries/{view.id}?created=1")


# --- the department's list and the search by code ---------------------------------------------


def _given(values: dict[str, str | None]) -> dict[str, str]:
    return {k: v.strip()[:_TEXT_MAX] for k, v in values.items() if v and v.strip()}


def _list_page(
    request: Request,
    *,
    given: dict[str, str],
    page: DepartmentEntries | None,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "given": given,
        "kinds": RECORDED_KINDS,
        "states": STATES,
        "domains": DOMAINS,
        "page": page,
        **extra,
    }
    return _page(request, "recorder/entries.html", context, status=status)


@router.get("/entries", response_class=HTMLResponse)
def entry_list(
    request: Request,
    principal: RecorderPageDep,
    ctx: ContextDep,
    list_kind: Annotated[str | None, Query(max_length=16)] = None,
    state: Annotated[str | None, Query(max_length=16)] = None,
    domain: Annotated[str | None, Query(max_length=32)] = None,
    decided_from: Annotated[str | None, Query(max_length=10)] = None,
    decided_to: Annotated[str | None, Query(max_length=10)] = None,
    reference: Annotated[str | None, Query(max_length=_TEXT_MAX)] = None,
    cursor: Annotated[str | None, Query(max_length=256)] = None,
) -> HTMLResponse:
    """The department's entries, newest decision first, filtered, one page at a time."""
    department = principal.own_department()
    given = _given(
        {
            "list_kind": list_kind,
            "state": state,
            "domain": domain,
            "decided_from": decided_from,
            "decided_to": decided_to,
            "reference": reference,
        }
    )
    try:
        paging: dict[str, object] = {"limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
        filters = EntryFilter.model_validate({**given, **paging})
        page = recorder.list_entries(ctx, department=department, filters=filters)
    except (ValidationError, InvalidInput):
        return _list_page(
            request, given=given, page=None, status=422, invalid=True, department=department
        )
    return _list_page(
        request,
        department=department,
        given=given,
        page=page,
        paged=cursor is not None,
        first=urlencode(given),
        next_query=None
        if page.next_cursor is None
        else urlencode({**given, "cursor": page.next_cursor}),
    )


@router.post("/entries/search", response_model=None)
def search_by_code(
    request: Request,
    principal: RecorderPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    subject_code: Annotated[str, Form(max_length=64)] = "",
    cursor: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """The department's entries about one subject: the code is in the form body only."""
    department = principal.own_department()
    lang = page_lang(request)
    data: dict[str, object] = {"subject_code": subject_code, "limit": PAGE_SIZE}
    if cursor:
        data["cursor"] = cursor
    try:
        search = EntrySearch.model_validate(data)
        page = recorder.search_by_code(ctx, department=department, search=search)
    except ValidationError as exc:
        words = validation_words(exc, lang)
        return _list_page(
            request,
            given={},
            page=None,
            status=422,
            code=subject_code,
            code_errors=words,
            department=department,
        )
    except InvalidInput:
        return _list_page(
            request,
            given={},
            page=None,
            status=422,
            code=subject_code,
            invalid=True,
            department=department,
        )
    return _list_page(
        request, given={}, page=page, code=subject_code, code_search=True, department=department
    )


@router.get("/entries/search", response_model=None)
def search_target(request: Request, _: RecorderPageDep) -> Response:
    """The search's target opened directly (the language switch): the list."""
    return back_to(request, "/recorder/entries")


# --- one entry: its page, amendment and withdrawal -------------------------------------------


def _entry(
    request: Request, ctx: Context, principal: Principal, entry_id: uuid.UUID
) -> EntryView | HTMLResponse:
    """The entry of the department, or the page that says it is not there (404, 410)."""
    try:
        return service.read_entry(ctx, department=principal.own_department(), entry_id=entry_id)
    except NotFound:
        return not_found_page(request)
    except Shredded:
        return gone_page(request)


def _summary(view: EntryView) -> dict[str, Any]:
    """What the entry pages show of an entry: the name masked, never the code."""
    return {
        "id": view.id,
        "external_id": view.external_id,
        "public_ref": view.public_ref,
        "masked_name": mask_name(view.subject_name),
        "list_kind": view.list_kind,
        "domain": view.domain,
        "severity": view.severity,
        "state": view.state,
        "under_objection": view.under_objection,
        "exit_reason": view.exit_reason,
        "notice_until": view.notice_until,
        "notice_until_provisional": view.notice_until_provisional,
        "decided_on": view.decided_on,
        "display_until": view.display_until,
        "valid_until": view.valid_until,
        "retain_until": view.retain_until,
        "displayed": view.display_until > view.decided_on,
        "repair_ways": view.repair_ways,
        "facts": view.facts,
        "public_summary": view.public_summary,
        "legal_basis": view.legal_basis,
        "version": view.version,
        "amendable": view.state in _AMENDABLE,
        "withdrawable": view.state in _LIVE,
    }


@router.get("/entries/{entry_id}", response_class=HTMLResponse)
def entry_page(
    entry_id: uuid.UUID,
    request: Request,
    principal: RecorderPageDep,
    ctx: ContextDep,
    created: Annotated[str | None, Query(max_length=1)] = None,
    amended: Annotated[str | None, Query(max_length=1)] = None,
    withdrawn: Annotated[str | None, Query(max_length=1)] = None,
) -> HTMLResponse:
    """One entry of the department: its state, dates and facts, the name masked, no code;
    its history; the ways to amend or withdraw it."""
    view = _entry(request, ctx, principal, entry_id)
    if isinstance(view, HTMLResponse):
        return view
    history = recorder.history_of(ctx, department=principal.own_department(), entry_id=entry_id)
    flags = {"created": created, "amended": amended, "withdrawn": withdrawn}
    done = next((name for name, flag in flags.items() if flag == "1"), None)
    context = {"entry": _summary(view), "history": history, "done": done}
    return _page(request, "recorder/entry.html", context)


def _amend_values(view: EntryView) -> dict[str, object]:
    """The amend form filled in with what the entry holds now (end dates as last days)."""
    return {
        "facts": view.facts,
        "public_summary": view.public_summary or "",
        "legal_basis": view.legal_basis,
        "decided_on": view.decided_on.isoformat(),
        "display_until": _last_text(view.display_until)
        if view.display_until > view.decided_on
        else "",
        "valid_until": _last_text(view.valid_until),
        "version": str(view.version),
    }


def _last_text(day: date) -> str:
    last = last_day(day)
    return "" if last is None else last.isoformat()


def _amend_form(
    request: Request, view: EntryView, values: dict[str, object], status: int = 200, **extra: Any
) -> HTMLResponse:
    context = {"entry": _summary(view), "values": values, **extra}
    return _page(request, "recorder/amend.html", context, status=status)


@router.get("/entries/{entry_id}/amend", response_class=HTMLResponse)
def amend_form(
    entry_id: uuid.UUID, request: Request, principal: RecorderPageDep, ctx: ContextDep
) -> HTMLResponse:
    """The amend form, filled in with the entry as it is."""
    view = _entry(request, ctx, principal, entry_id)
    if isinstance(view, HTMLResponse):
        return view
    return _amend_form(request, view, _amend_values(view))


@router.post("/entries/{entry_id}/amend", response_model=None)
def amend_entry(
    entry_id: uuid.UUID,
    request: Request,
    principal: RecorderPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    fields: Annotated[AmendForm, Form()],
) -> Response:
    """Amend the entry; a refusal keeps what was typed and changes nothing."""
    view = _entry(request, ctx, principal, entry_id)
    if isinstance(view, HTMLResponse):
        return view
    lang = page_lang(request)
    try:
        payload = EntryAmend.model_validate(fields.submission())
    except ValidationError as exc:
        words = validation_words(exc, lang, whole="rec_field.amend")
        return _amend_form(request, view, fields.typed(), 422, errors=words)
    try:
        recorder.amend_entry(
            ctx,
            department=principal.own_department(),
            entry_id=entry_id,
            actor=_actor(principal),
            payload=payload,
        )
    except DomainError as exc:
        ctx.session.rollback()
        return _amend_form(
            request,
            view,
            fields.typed(),
            refusal_status(exc),
            refusal=exc,
            refusal_text=refusal_words(exc, lang),
        )
    ctx.session.commit()
    return see_other(request, f"/recorder/entries/{entry_id}?amended=1")


def _withdraw_form(
    request: Request, view: EntryView, status: int = 200, **extra: Any
) -> HTMLResponse:
    context = {
        "entry": _summary(view),
        "kinds": WITHDRAW_KINDS,
        "values": extra.pop("values", {"kind": "withdrawn", "reason": ""}),
        **extra,
    }
    return _page(request, "recorder/withdraw.html", context, status=status)


@router.get("/entries/{entry_id}/withdraw", response_class=HTMLResponse)
def withdraw_form(
    entry_id: uuid.UUID, request: Request, principal: RecorderPageDep, ctx: ContextDep
) -> HTMLResponse:
    """The withdrawal form: the kind and the reason; the next step asks to confirm."""
    view = _entry(request, ctx, principal, entry_id)
    if isinstance(view, HTMLResponse):
        return view
    return _withdraw_form(request, view)


@router.post("/entries/{entry_id}/withdraw", response_model=None)
def withdraw_entry(
    entry_id: uuid.UUID,
    request: Request,
    principal: RecorderPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    reason: Annotated[str, Form(max_length=4000)] = "",
    kind: Annotated[str, Form(max_length=32)] = "withdrawn",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Ask to confirm, then withdraw the entry: it exits its list at once."""
    view = _entry(request, ctx, principal, entry_id)
    if isinstance(view, HTMLResponse):
        return view
    lang = page_lang(request)
    typed = {"kind": kind if kind in WITHDRAW_KINDS else "withdrawn", "reason": reason}
    try:
        payload = WithdrawRequest.model_validate({"reason": reason, "kind": kind})
    except ValidationError:
        error = translate("rec_withdraw.reason_missing", lang)
        return _withdraw_form(request, view, 422, values=typed, error=error)
    if not confirmed(confirm):
        return confirm_page(
            request,
            Confirmation(
                action=f"/recorder/entries/{entry_id}/withdraw",
                back=f"/recorder/entries/{entry_id}",
                title_key="rec_withdraw.confirm_title",
                what_key="rec_withdraw.confirm_what",
                button_key="rec_withdraw.confirm_button",
                fields=repost([("kind", payload.kind), ("reason", reason)]),
                details=(
                    ("recorder.external_id", view.external_id),
                    ("recorder.public_ref", view.public_ref),
                    ("recorder.masked_name", mask_name(view.subject_name)),
                    ("rec_withdraw.kind", translate(f"rec_withdraw.kind.{payload.kind}", lang)),
                ),
            ),
        )
    try:
        service.withdraw_entry(
            ctx,
            department=principal.own_department(),
            entry_id=entry_id,
            reason=payload.reason,
            kind=payload.kind,
            actor=_actor(principal),
        )
    except DomainError as exc:
        ctx.session.rollback()
        return _withdraw_form(
            request,
            view,
            refusal_status(exc),
            values=typed,
            refusal=exc,
            refusal_text=refusal_words(exc, lang),
        )
    ctx.session.commit()
    return see_other(request, f"/recorder/entries/{entry_id}?withdrawn=1")


# --- batches ----------------------------------------------------------------------------------


def _batch_form(request: Request, status: int = 200, **extra: Any) -> HTMLResponse:
    context = {"columns": COLUMNS, "max_items": MAX_BATCH_ITEMS, **extra}
    return _page(request, "recorder/batch.html", context, status=status)


@router.get("/batch", response_class=HTMLResponse)
def batch_form(request: Request, principal: RecorderPageDep) -> HTMLResponse:
    """The batch upload form."""
    principal.own_department()
    return _batch_form(request)


@router.post("/batch", response_model=None)
def upload_batch(
    request: Request,
    principal: RecorderPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Record every new, valid item of the file; show one result per row."""
    department = principal.own_department()
    try:
        items = read_batch(file)
    except BadFile as bad:
        return _batch_form(request, bad.status, file_error=bad.message_key)
    result = submit_batch(ctx, department=department, actor=principal.subject, items=items)
    ctx.session.commit()
    lang = page_lang(request)
    words = {r.index: error_words([e.model_dump() for e in r.errors], lang) for r in result.items}
    return _batch_form(request, result=result, words=words)


me_router = APIRouter(prefix="/me", include_in_schema=False)


def repair_opens(entry: EntryView) -> date | None:
    """The first day a repair of this live, repairable entry may be applied for (§8): the end
    of its minimum display, and not before its prior notice ends."""
    if entry.repair_from is None or entry.state not in _LIVE:
        return None
    if entry.state == "pending_notice" and entry.notice_until is not None:
        return max(entry.repair_from, entry.notice_until)
    return entry.repair_from


def record_summary(record: MyRecord, today: date) -> dict[str, Any]:
    """What the record page says first: entries by list, and the next dates that matter."""
    shown = [e for e in record.entries if e.state != "shredded"]
    counts = {kind: sum(1 for e in shown if e.list_kind == kind) for kind in RECORDED_KINDS}
    pending = [e.notice_until for e in shown if e.state == "pending_notice" and e.notice_until]
    displayed = [e.display_until for e in shown if e.state == "displayed"]
    opens = {e.id: day for e in shown if (day := repair_opens(e)) is not None}
    repairable_now = any(
        e.state == "displayed" and opens.get(e.id, date.max) <= today for e in shown
    )
    kept = [e.retain_until for e in shown if e.state not in _LIVE]
    return {
        "counts": counts,
        "next_notice_end": min(pending, default=None),
        "next_display_end": min(displayed, default=None),
        "repairable_now": repairable_now,
        "next_repairable": min((d for d in opens.values() if d > today), default=None),
        "next_retention_end": min(kept, default=None),
        "opens": opens,
    }


@me_router.get("", response_class=HTMLResponse)
def my_record(
    request: Request,
    principal: CitizenPageDep,
    ctx: ContextDep,
) -> HTMLResponse:
    """All of my entries, after a summary: state, dates, marks, statement, who can see them."""
    record = record_service.my_record(ctx, code_index=principal.own_code_index())
    today = ctx.today()
    summary = record_summary(record, today)
    context = {
        "record": record,
        "summary": summary,
        "repair_opens": summary["opens"],
        "today": today,
    }
    return _page(request, "me/record.html", context)


def _statement_form(
    request: Request, entry: EntryView, typed: str | None, error: str, status: int
) -> HTMLResponse:
    """The statement form alone, with what was typed and why it was refused."""
    return _page(
        request,
        "me/statement_form.html",
        {"entry": entry, "typed": typed, "error": error},
        status=status,
    )


def _save_statement(
    request: Request,
    principal: Principal,
    ctx: Context,
    entry_id: str,
    statement: str | None,
    typed: str | None = None,
) -> Response:
    found = parse_id(entry_id)
    entry = my_entry(ctx, principal, found)
    if found is None or entry is None:
        return not_found_page(request)
    try:
        record_service.set_statement(
            ctx, code_index=principal.own_code_index(), entry_id=found, statement=statement
        )
    except DomainError as exc:
        ctx.session.rollback()
        return _statement_form(
            request, entry, typed, refusal_message(exc, page_lang(request)), refusal_status(exc)
        )
    ctx.session.commit()
    return see_other(request, f"/me#entry-{found}")


@me_router.post("/record/{entry_id}/statement", response_model=None)
def set_statement(
    entry_id: str,
    request: Request,
    principal: CitizenPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    statement: Annotated[str, Form()] = "",
) -> Response:
    """Set my statement (≤ 200 characters) on one of my entries."""
    try:
        text = StatementPut.model_validate({"statement": statement}).statement
    except ValidationError:
        entry = my_entry(ctx, principal, parse_id(entry_id))
        if entry is None:
            return not_found_page(request)
        error = translate("me_stmt.invalid", page_lang(request))
        return _statement_form(request, entry, statement, error, 422)
    return _save_statement(request, principal, ctx, entry_id, text, statement)


@me_router.post("/record/{entry_id}/statement/delete", response_model=None)
def delete_statement(
    entry_id: str,
    request: Request,
    principal: CitizenPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
) -> Response:
    """Delete my statement from one of my entries."""
    return _save_statement(request, principal, ctx, entry_id, None)


@me_router.get("/record/{entry_id}/statement", response_model=None)
def statement_target(entry_id: str, request: Request, _: CitizenPageDep) -> Response:
    """A statement form's target opened directly: my record."""
    return back_to(request, "/me")


@me_router.get("/record/{entry_id}/statement/delete", response_model=None)
def statement_delete_target(entry_id: str, request: Request, _: CitizenPageDep) -> Response:
    """A statement deletion's target opened directly: my record."""
    return back_to(request, "/me")
