"""Entry pages: recorders add an entry or a batch; citizens see their record and state.

Invariants:
- The department comes from the verified token, never from a form; entries go through the
  same services as `POST /api/v1/records` and `POST /api/v1/records:batch` (idempotent by
  external id), so the same rules refuse the same input.
- The subject's code is personal data: it is posted in the form body only, never put in a
  URL, never rendered back — not on success, not on a refusal (the name, facts and public
  summary are not echoed either; the created entry shows the name masked). Batch results
  hold row numbers, external ids, outcomes and rule messages, never a code or a name.
- A refusal rolls back: nothing of a refused entry is stored. A batch file is size-limited
  (read at most one byte past the limit) and type-checked (extension, declared type and
  content) before anything is parsed.
- Every page here is sent with the page security headers and `Cache-Control: no-store`
  (`api.headers` covers `/recorder`).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Annotated, Any, Final

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from api.deps import ContextDep
from api.http import media_type, read_bounded
from api.pages.common import (
    CitizenPageDep,
    CsrfDep,
    RecorderPageDep,
    back_to,
    my_entry,
    parse_id,
    see_other,
)
from api.pages.i18n import translate
from api.pages.refusals import gone_page, not_found_page, refusal_message, refusal_status
from api.pages.render import page_lang, render
from core.context import Context
from core.entries import service
from core.entries import service as record_service
from core.entries.batches import submit_batch
from core.entries.schemas import BatchRequest, EntryCreate, EntryView, StatementPut
from core.errors import Conflict, DomainError, NotFound, Shredded
from core.identity.principal import Principal
from core.public.masking import mask_name
from core.vocabulary import DOMAINS, REPAIR_WAYS, SEVERITIES

router = APIRouter(prefix="/recorder", include_in_schema=False)

RECORDED_KINDS: Final = ("black", "red", "watch")
# The fields a CSV header may name: exactly those of the entry a recorder submits.
COLUMNS: Final = tuple(EntryCreate.model_fields)
MAX_BATCH_BYTES: Final = 1024 * 1024
MAX_BATCH_ITEMS: Final = 1000
_CSV_TYPES: Final = frozenset(
    {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel", ""}
)
_JSON_TYPES: Final = frozenset({"application/json", "text/json", "text/plain", ""})
_ANY_BINARY: Final = "application/octet-stream"
# Fields whose values are echoed back into the form after a refusal (none is personal).
_ECHOED: Final = (
    "external_id",
    "list_kind",
    "domain",
    "severity",
    "legal_basis",
    "decided_on",
    "display_until",
    "valid_until",
    "watch_months",
)


class EntryForm(BaseModel):
    """The add-entry form as posted: text as typed, checked boxes as `on`."""

    external_id: str = ""
    subject_code: str = ""
    subject_name: str = ""
    list_kind: str = ""
    domain: str = ""
    severity: str = ""
    facts: str = ""
    public_summary: str = ""
    legal_basis: str = ""
    decided_on: str = ""
    display_until: str = ""
    valid_until: str = ""
    watch_months: str = ""
    repairable: str = ""
    repair_ways: list[str] = []

    def __repr__(self) -> str:
        return "EntryForm(<personal>)"

    def submission(self) -> dict[str, object]:
        """The fields as `EntryCreate` reads them: blanks left out, so defaults apply."""
        text = self.model_dump(exclude={"repairable", "repair_ways"})
        data: dict[str, object] = {k: v.strip() for k, v in text.items() if v.strip()}
        data["repairable"] = self.repairable == "on"
        data["repair_ways"] = list(self.repair_ways)
        return data

    def echoed(self) -> dict[str, object]:
        """What may be filled in again after a refusal: nothing personal."""
        values: dict[str, object] = {k: getattr(self, k).strip() for k in _ECHOED}
        values["repairable"] = self.repairable == "on"
        values["repair_ways"] = [w for w in self.repair_ways if w in REPAIR_WAYS]
        return values


def _form(request: Request, status: int = 200, **extra: Any) -> HTMLResponse:
    context = {
        "kinds": RECORDED_KINDS,
        "domains": DOMAINS,
        "severities": SEVERITIES,
        "ways": REPAIR_WAYS,
        "values": extra.pop("values", {"list_kind": "black", "watch_months": "12"}),
        **extra,
    }
    return render(request, "recorder/index.html", context, status=status)


def _field_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """Which field broke which rule; pydantic is told not to include the input."""
    return [
        (".".join(str(p) for p in e["loc"]) or "-", e["msg"])
        for e in exc.errors(include_input=False, include_url=False)
    ]


@router.get("", response_class=HTMLResponse)
def landing(request: Request, principal: RecorderPageDep) -> HTMLResponse:
    """The add-entry form."""
    principal.own_department()
    return _form(request)


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
    try:
        payload = EntryCreate.model_validate(fields.submission())
    except ValidationError as exc:
        return _form(request, 422, values=fields.echoed(), errors=_field_errors(exc))
    try:
        view = service.create_entry(
            ctx, department=department, actor=principal.subject, payload=payload
        )
    except DomainError as exc:
        ctx.session.rollback()
        status = 409 if isinstance(exc, Conflict) else 422
        return _form(request, status, values=fields.echoed(), refusal=exc)
    ctx.session.commit()
    return see_other(request, f"/recorder/entries/{view.id}?created=1")


@router.get("/entries/{entry_id}", response_class=HTMLResponse)
def entry_page(
    entry_id: uuid.UUID,
    request: Request,
    principal: RecorderPageDep,
    ctx: ContextDep,
    created: Annotated[str | None, Query(max_length=1)] = None,
) -> HTMLResponse:
    """One entry of the department: its id, state and dates, the name masked, no code."""
    try:
        view = service.read_entry(ctx, department=principal.own_department(), entry_id=entry_id)
    except NotFound:
        return not_found_page(request)
    except Shredded:
        return gone_page(request)
    summary = {
        "id": view.id,
        "external_id": view.external_id,
        "public_ref": view.public_ref,
        "masked_name": mask_name(view.subject_name),
        "list_kind": view.list_kind,
        "domain": view.domain,
        "severity": view.severity,
        "state": view.state,
        "notice_until": view.notice_until,
        "notice_until_provisional": view.notice_until_provisional,
        "decided_on": view.decided_on,
        "display_until": view.display_until,
        "valid_until": view.valid_until,
        "repair_ways": view.repair_ways,
    }
    return render(request, "recorder/entry.html", {"entry": summary, "created": created == "1"})


# --- batches ---------------------------------------------------------------------------------


class BadFile(Exception):
    """A batch file refused before any row was read: which message, which status."""

    def __init__(self, message_key: str, status: int) -> None:
        super().__init__(message_key)
        self.message_key = message_key
        self.status = status


def _format(upload: UploadFile) -> str:
    """`csv` or `json`, by the file's name and declared type; anything else is refused."""
    name = (upload.filename or "").lower()
    declared = media_type(upload)
    if name.endswith(".csv") and (declared in _CSV_TYPES or declared == _ANY_BINARY):
        return "csv"
    if name.endswith(".json") and (declared in _JSON_TYPES or declared == _ANY_BINARY):
        return "json"
    raise BadFile("batch.error.type", 415)


def _text(content: bytes) -> str:
    if b"\x00" in content:  # a binary file under a text name
        raise BadFile("batch.error.type", 415)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadFile("batch.error.encoding", 422) from None


def _csv_value(column: str, value: str) -> object:
    if column == "repair_ways":
        return [w.strip() for w in value.replace("|", ";").split(";") if w.strip()]
    return value.strip()


def _csv_items(text: str) -> list[dict[str, object]]:
    """One item per data row: blank cells left out, repair ways split on `;`."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), restkey="unexpected_cells")
        header = reader.fieldnames or []
        if "external_id" not in header or not set(header) <= set(COLUMNS):
            raise BadFile("batch.error.columns", 422)
        items: list[dict[str, object]] = []
        for row in reader:
            item: dict[str, object] = {}
            for column, value in row.items():
                if isinstance(value, list):  # more cells than columns: refused row by row
                    item[column] = value
                elif value is not None and value.strip():
                    item[column] = _csv_value(column, value)
            items.append(item)
            if len(items) > MAX_BATCH_ITEMS:
                break
        return items
    except csv.Error:
        raise BadFile("batch.error.csv", 422) from None


def _json_items(text: str) -> list[dict[str, object]]:
    try:
        document = json.loads(text)
    except ValueError:
        raise BadFile("batch.error.json", 422) from None
    items = document.get("items") if isinstance(document, dict) else document
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadFile("batch.error.json", 422)
    return items


def read_batch(upload: UploadFile | None) -> list[dict[str, object]]:
    """The items of an uploaded batch file, or `BadFile` saying why it was refused."""
    if upload is None or not upload.filename:
        raise BadFile("batch.error.missing", 422)
    kind = _format(upload)
    content = read_bounded(upload, MAX_BATCH_BYTES)
    if len(content) > MAX_BATCH_BYTES:
        raise BadFile("batch.error.size", 413)
    text = _text(content)
    items = _csv_items(text) if kind == "csv" else _json_items(text)
    try:
        return BatchRequest.model_validate({"items": items}).items
    except ValidationError:
        raise BadFile("batch.error.count", 422) from None


def _batch_form(request: Request, status: int = 200, **extra: Any) -> HTMLResponse:
    context = {"columns": COLUMNS, "max_items": MAX_BATCH_ITEMS, **extra}
    return render(request, "recorder/batch.html", context, status=status)


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
    return _batch_form(request, result=result)


me_router = APIRouter(prefix="/me", include_in_schema=False)


@me_router.get("", response_class=HTMLResponse)
def my_record(
    request: Request,
    principal: CitizenPageDep,
    ctx: ContextDep,
) -> HTMLResponse:
    """All of my entries, with state, dates, marks, statement and who can still see them."""
    record = record_service.my_record(ctx, code_index=principal.own_code_index())
    return render(request, "me/record.html", {"record": record})


def _statement_form(
    request: Request, entry: EntryView, typed: str | None, error: str, status: int
) -> HTMLResponse:
    """The statement form alone, with what was typed and why it was refused."""
    return render(
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
