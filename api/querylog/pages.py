"""The query log's public page: the latest signed checkpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import LogSignerDep, SessionDep
from api.pages.common import PublicPageDep
from api.pages.render import render
from core.errors import NotFound
from core.querylog import checkpoints

router = APIRouter(include_in_schema=False)


@router.get("/checkpoint", response_class=HTMLResponse)
def checkpoint(
    request: Request, _: PublicPageDep, session: SessionDep, signer: LogSignerDep
) -> HTMLResponse:
    """The latest signed checkpoint and the key that verifies it."""
    try:
        note: str | None = checkpoints.latest_checkpoint_note(session=session)
    except NotFound:
        note = None
    return render(request, "checkpoint.html", {"note": note, "key": signer.verifier_key()})
