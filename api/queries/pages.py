"""Citizen pages for queries of my record and my notifications (§6).

Invariants: every time shown is China Standard Time to the minute with its zone label,
every agency by its registered name, every purpose, basis, outcome and event word in the
page language; what the in-browser verifier rebuilds a leaf from stays in attributes and
JSON data blocks (the values the leaf holds), never in the text a person reads; a receipt
is downloadable as the JSON file it is, one of the caller's own queries at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ContextDep
from api.pages.common import CitizenPageDep
from api.pages.refusals import not_found_page
from api.pages.render import page_lang, render
from api.params import LogIndexPath
from api.queries import messages as msg_verify
from api.state import app_state
from core.bounds import DB_INT_MAX
from core.clock import clock
from core.queries.notices import citizen_notifications
from core.queries.schemas import QueryHistoryItem
from core.queries.service import opened_history

router = APIRouter(prefix="/me", include_in_schema=False)


@dataclass(frozen=True)
class QueryRow:
    """One query of my record as the page lists it: the history item and when it was asked."""

    item: QueryHistoryItem
    at: datetime


@router.get("/queries", response_class=HTMLResponse)
def my_queries(request: Request, principal: CitizenPageDep, ctx: ContextDep) -> HTMLResponse:
    """Every query of my record, each with its receipt, its leaf and what opens it, and the
    in-browser verifier that rebuilds each leaf from what the row holds."""
    runtime = app_state(request).runtime
    items = opened_history(
        ctx, code_index=principal.own_code_index(), limit=100, witnesses=runtime.witnesses
    )
    messages = msg_verify.script_messages(page_lang(request))
    settings = runtime.settings
    return render(
        request,
        "me/queries.html",
        {
            "items": [QueryRow(item=q, at=datetime.fromisoformat(q.at)) for q in items],
            "any_receipt": any(q.receipt is not None for q in items),
            "verify_messages": messages,
            # The verifier then accepts a checkpoint only with this quorum of cosignatures.
            "witness_quorum": settings.witness_quorum,
            "witness_keys": [w.vkey for w in settings.witnesses],
        },
    )


@router.get("/queries/{log_index}/receipt", response_model=None)
def my_receipt(
    log_index: LogIndexPath, request: Request, principal: CitizenPageDep, ctx: ContextDep
) -> Response:
    """One of my queries' receipts as a JSON file, to keep or to verify offline."""
    if log_index == DB_INT_MAX:  # no query has it; and `before` must stay in range
        return not_found_page(request)
    runtime = app_state(request).runtime
    (found,) = opened_history(
        ctx,
        code_index=principal.own_code_index(),
        before=log_index + 1,
        limit=1,
        witnesses=runtime.witnesses,
    ) or (None,)
    if found is None or found.log_index != log_index or found.receipt is None:
        return not_found_page(request)
    body = json.dumps(found.receipt, ensure_ascii=False, indent=2) + "\n"
    return Response(
        body.encode(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="receipt-{log_index}.json"'},
    )


@router.get("/notifications", response_class=HTMLResponse)
def my_notifications(request: Request, principal: CitizenPageDep, ctx: ContextDep) -> HTMLResponse:
    """My outbox: queries of my record and events of my entries."""
    items = citizen_notifications(
        ctx,
        code_index=principal.own_code_index(),
        now=clock.now(),
        limit=100,
    )
    return render(request, "me/notifications.html", {"items": items})
