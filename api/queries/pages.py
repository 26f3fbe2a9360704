"""Citizen pages for queries of my record and my notifications (§6)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import ContextDep, SessionDep
from api.pages.common import (
    CitizenPageDep,
)
from api.pages.render import page_lang, render
from api.queries import messages as msg_verify
from api.state import app_state
from core.clock import clock
from core.queries.notices import citizen_notifications
from core.queries.service import opened_history

router = APIRouter(prefix="/me", include_in_schema=False)


@router.get("/queries", response_class=HTMLResponse)
def my_queries(request: Request, principal: CitizenPageDep, ctx: ContextDep) -> HTMLResponse:
    """Every query of my record, each with its receipt, its leaf and what opens it, and the
    in-browser verifier that rebuilds each leaf from what the row shows."""
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
            "items": items,
            "verify_messages": messages,
            # The verifier then accepts a checkpoint only with this quorum of cosignatures.
            "witness_quorum": settings.witness_quorum,
            "witness_keys": [w.vkey for w in settings.witnesses],
        },
    )


@router.get("/notifications", response_class=HTMLResponse)
def my_notifications(
    request: Request, principal: CitizenPageDep, session: SessionDep
) -> HTMLResponse:
    """My outbox: queries of my record and events of my entries."""
    items = citizen_notifications(
        session=session, code_index=principal.own_code_index(), now=clock.now(), limit=100
    )
    return render(request, "me/notifications.html", {"items": items})
