"""Agency routes besides the query itself: the outbox of corrections (§6)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from api.deps import SessionDep
from api.policy import AgencyDep
from core.errors import Forbidden
from core.queries.notice_schemas import AgencyNotification
from core.queries.notices import agency_notifications

router = APIRouter(prefix="/agency", tags=["agency"])


@router.get("/notifications", response_model=list[AgencyNotification])
def notifications(
    principal: AgencyDep,
    session: SessionDep,
    before: AwareDatetime | None = None,
    limit: int = Query(default=100, ge=1, le=500),
) -> list[AgencyNotification]:
    """Entries this agency received that were since corrected, withdrawn or erased."""
    if principal.agency is None:
        raise Forbidden("the token names no agency")
    return agency_notifications(
        session=session, agency=principal.agency, before=before, limit=limit
    )
