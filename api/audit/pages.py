"""Auditors' pages: the query log with filters and flags, and each query's inclusion proof.

Invariants:
- The log is read and flagged through the same services as `/api/v1/audit/...`; the
  proof page shows what the proof endpoints compute (a receipt against the latest stored
  checkpoint covering the query, else against a checkpoint signed now), so an auditor
  needs no bearer token in the browser.
- Filters are GET parameters because none of them is personal data (agency, time range,
  outcome, flag, a log index to page from); the subject's pseudonym is never rendered.
- A flag is a POST with a reason from the closed catalogue and a CSRF token; the reason
  select starts empty (nothing preselected), and a missing or unknown reason is refused in
  the page's language with nothing stored. Flagging asks first: the form posts to a
  confirmation page that says what will happen, and only its post flags. The way back to
  the list is rebuilt from the known filter names only, never echoed raw.
- Times are China Standard Time to the minute with the zone named (`when`); agencies are
  shown by their registered names (`org`), every vocabulary value by its words.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Final
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import ContextDep, SessionDep
from api.http import attachment
from api.pages.common import AuditorPageDep, CsrfDep, see_other
from api.pages.confirm import Confirmation, confirm_page, confirmed, repost
from api.pages.i18n import translate
from api.pages.render import page_lang, render
from api.params import LogIndexPath
from api.state import app_state
from core.audit import service as audit
from core.audit.rules import FLAG_REASONS, RULE_PREFIX
from core.clock import CST, clock
from core.context import Context
from core.directory import service as directory
from core.errors import Conflict, InvalidInput, NotFound
from core.queries.schemas import AuditedQuery, AuditFilter, QueryFlagView
from core.querylog import proofs

router = APIRouter(prefix="/audit", include_in_schema=False)

PAGE_SIZE: Final = 50
OUTCOMES: Final = ("answered", "empty", "refused")
FILTER_NAMES: Final = ("agency", "since", "until", "outcome", "flag", "before")
_TEXT_MAX: Final = 128


def _moment(value: str) -> datetime:
    """A `datetime-local` value, read as China Standard Time unless it names its zone."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CST)


def _filters(given: dict[str, str]) -> AuditFilter:
    """The service's filter from the page's parameters (blank ones mean "any")."""
    data: dict[str, object] = {"limit": PAGE_SIZE + 1}
    for name in ("agency", "outcome", "flag"):
        if given.get(name):
            data[name] = given[name]
    for name in ("since", "until"):
        if given.get(name):
            data[name] = _moment(given[name])
    if given.get("before"):
        data["before"] = int(given["before"])
    return AuditFilter.model_validate(data)


def _row(query: AuditedQuery) -> dict[str, Any]:
    """What the list and the proof page show of one query: no subject pseudonym."""
    leaf = query.leaf
    raw_at = leaf.get("at")
    at = datetime.fromisoformat(raw_at).astimezone(CST) if isinstance(raw_at, str) else None
    returned = leaf.get("returned")
    raw_sealed = leaf.get("sealed_until")
    # A seal lifts on its date: the last sealed day is the one before (含当日).
    sealed = (
        date.fromisoformat(raw_sealed) - timedelta(days=1) if isinstance(raw_sealed, str) else None
    )
    return {
        "index": query.log_index,
        "at": at,
        "agency": leaf.get("agency"),
        "purpose": leaf.get("purpose"),
        "basis": leaf.get("basis"),
        "legal_basis": leaf.get("legal_basis"),
        "authorization_id": leaf.get("authorization_id"),
        "outcome": leaf.get("outcome"),
        "refusal_rule": leaf.get("refusal_rule"),
        "entries": returned if isinstance(returned, int) else 0,
        "frozen": leaf.get("frozen") is True,
        "sealed_until": sealed,
        "flags": [_flag(f) for f in query.flags],
    }


def _flag(flag: QueryFlagView) -> dict[str, Any]:
    """A flag as the pages show it: a rule's flag names the rule, an auditor's the auditor."""
    by, _, who = flag.raised_by.partition(":")
    if flag.raised_by.startswith(RULE_PREFIX):
        by, who = "rule", ""
    elif by != "auditor":
        by, who = "other", flag.raised_by
    return {"reason": flag.reason, "by": by, "who": who, "at": flag.at}


def _given(values: dict[str, str | None]) -> dict[str, str]:
    return {k: v.strip()[:_TEXT_MAX] for k, v in values.items() if v and v.strip()}


@router.get("/queries", response_class=HTMLResponse)
def query_log(
    request: Request,
    principal: AuditorPageDep,
    ctx: ContextDep,
    agency: Annotated[str | None, Query(max_length=_TEXT_MAX)] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    outcome: Annotated[str | None, Query(max_length=16)] = None,
    flag: Annotated[str | None, Query(max_length=32)] = None,
    before: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """The query log, newest first, filtered, one page at a time, with a flag form per row."""
    given = _given(
        {
            "agency": agency,
            "since": since,
            "until": until,
            "outcome": outcome,
            "flag": flag,
            "before": before,
        }
    )
    context: dict[str, Any] = {
        "given": given,
        "agencies": directory.agencies(ctx),
        "outcomes": OUTCOMES,
        "reasons": FLAG_REASONS,
        "rows": [],
        "back": urlencode(given),
    }
    try:
        filters = _filters(given)
    except (ValidationError, ValueError):
        return render(request, "audit/queries.html", {**context, "invalid": True}, status=422)
    found = audit.search_queries(session=ctx.session, filters=filters)
    rows = [_row(q) for q in found[:PAGE_SIZE]]
    without_page = {k: v for k, v in given.items() if k != "before"}
    if len(found) > PAGE_SIZE:
        context["older"] = urlencode({**without_page, "before": str(rows[-1]["index"])})
    if "before" in given:
        context["newest"] = urlencode(without_page)
    context["rows"] = rows
    return render(request, "audit/queries.html", context)


def _back(raw: str) -> str:
    """The list's query string rebuilt from known filter names only."""
    pairs = parse_qsl(raw[:1024], keep_blank_values=False)
    kept = {k: v[:_TEXT_MAX] for k, v in pairs if k in FILTER_NAMES}
    return urlencode(kept)


def _one(session: SessionDep, index: int) -> AuditedQuery | None:
    found = audit.search_queries(session=session, filters=AuditFilter(before=index + 1, limit=1))
    return found[0] if found and found[0].log_index == index else None


def _receipt(request: Request, session: SessionDep, index: int) -> dict[str, object]:
    """The receipt of one query: against a stored checkpoint if one covers it, else a new one."""
    try:
        return proofs.receipt(session=session, index=index)
    except (NotFound, InvalidInput):
        return proofs.fresh_receipt(
            session=session, signer=app_state(request).log_signer, index=index
        )


def _query_page(
    request: Request, session: SessionDep, index: int, status: int = 200, **extra: Any
) -> HTMLResponse:
    query = _one(session, index)
    if query is None:
        return render(request, "error.html", {"message_key": "audit.not_found"}, status=404)
    context = {
        "row": _row(query),
        "receipt": _receipt(request, session, index),
        "reasons": FLAG_REASONS,
        "back": "",
        **extra,
    }
    return render(request, "audit/query.html", context, status=status)


@router.get("/queries/{index}", response_class=HTMLResponse)
def query_page(
    index: LogIndexPath, request: Request, principal: AuditorPageDep, session: SessionDep
) -> HTMLResponse:
    """One query: its log entry (no pseudonym), flags, and its inclusion proof."""
    return _query_page(request, session, index)


@router.get("/queries/{index}/receipt", response_model=None)
def receipt_download(
    index: LogIndexPath, request: Request, principal: AuditorPageDep, session: SessionDep
) -> Response:
    """The query's receipt (leaf hash, inclusion proof, signed checkpoint) as a JSON file."""
    if _one(session, index) is None:
        return render(request, "error.html", {"message_key": "audit.not_found"}, status=404)
    body = json.dumps(_receipt(request, session, index), ensure_ascii=False, indent=2)
    return attachment(
        content=body.encode(), media_type="application/json", filename=f"receipt-{index}.json"
    )


@router.post("/queries/{index}/flags", response_model=None)
def flag_query(
    index: LogIndexPath,
    request: Request,
    principal: AuditorPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    reason: Annotated[str, Form(max_length=64)] = "",
    back: Annotated[str, Form(max_length=1024)] = "",
    to_query: Annotated[str, Form(max_length=1)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Flag one query with a reason from the catalogue, after a confirmation step; then back
    to the list where it was (or to the query's page)."""
    session = ctx.session
    if reason not in FLAG_REASONS:
        return _query_page(request, session, index, status=422, reason_missing=True)
    query = _one(session, index)
    if query is None:
        return render(request, "error.html", {"message_key": "audit.not_found"}, status=404)
    if not confirmed(confirm):
        row = _row(query)
        lang = page_lang(request)
        return confirm_page(
            request,
            Confirmation(
                action=f"/audit/queries/{index}/flags",
                back=f"/audit/queries/{index}",
                title_key="audit.confirm_title",
                what_key="audit.confirm_what",
                button_key="audit.confirm_button",
                fields=repost(
                    [("reason", reason), ("back", _back(back)), ("to_query", to_query[:1])]
                ),
                details=(
                    ("audit.col.index", str(index)),
                    ("audit.col.agency", _agency_name(ctx, lang, row["agency"])),
                    ("audit.flag_reason", translate(f"audit.reason.{reason}", lang)),
                ),
            ),
        )
    try:
        audit.flag_query(
            session=session,
            index=index,
            reason=reason,
            auditor=f"auditor:{principal.subject}",
            now=clock.now(),
        )
    except NotFound:
        session.rollback()
        return render(request, "error.html", {"message_key": "audit.not_found"}, status=404)
    except Conflict as exc:
        session.rollback()
        return _query_page(request, session, index, status=409, refusal=exc)
    session.commit()
    if to_query == "1":
        return see_other(request, f"/audit/queries/{index}")
    query_string = _back(back)
    return see_other(
        request,
        f"/audit/queries?{query_string}#q-{index}" if query_string else f"/audit/queries#q-{index}",
    )


def _agency_name(ctx: Context, lang: str, slug: object) -> str:
    """An agency's registered name in the page's language (its id when unregistered)."""
    return directory.names(ctx).of(slug if isinstance(slug, str) else None, lang)
