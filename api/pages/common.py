"""Shared pieces of the page routes: dependency aliases, the signed-in caller's own
entries and an officer's cases, ids from paths and forms, redirects, the minute a page
shows an instant at."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Protocol, TypeVar

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from api.pages.i18n import LANGS
from api.pages.session import (
    auditor_page,
    check_csrf,
    citizen_page,
    objection_officer_page,
    public_page,
    recorder_page,
    repair_officer_page,
)
from core.clock import CST
from core.context import Context
from core.entries import service as record_service
from core.entries.schemas import EntryView
from core.errors import NotFound
from core.identity.principal import Principal

PublicPageDep = Annotated[None, Depends(public_page)]
CitizenPageDep = Annotated[Principal, Depends(citizen_page)]
OfficerPageDep = Annotated[Principal, Depends(objection_officer_page)]
RepairOfficerPageDep = Annotated[Principal, Depends(repair_officer_page)]
RecorderPageDep = Annotated[Principal, Depends(recorder_page)]
AuditorPageDep = Annotated[Principal, Depends(auditor_page)]
CsrfDep = Annotated[None, Depends(check_csrf)]
Case = TypeVar("Case", covariant=True)


class CaseReader(Protocol[Case]):
    """A case service's `read_case`: one case of the officer's department."""

    def __call__(self, ctx: Context, *, department: str, case_id: uuid.UUID) -> Case: ...


def see_other(request: Request, path: str) -> RedirectResponse:
    """Post/redirect/get: 303 to a path of ours."""
    return RedirectResponse(path, status_code=303)


def local_minute(instant: datetime) -> str:
    """An instant as the pages and the PDF show it: China Standard Time, to the minute."""
    return instant.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def back_to(request: Request, path: str) -> Response:
    """Redirect a GET of a form's target (the language switch's link) to the page it serves.

    The chosen language goes along, so the switch still takes effect there.
    """
    lang = request.query_params.get("lang")
    return see_other(request, f"{path}?lang={lang}" if lang in LANGS else path)


def parse_id(value: str) -> uuid.UUID | None:
    """An id from a path or form, or None when it is not one."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def my_entry(ctx: Context, principal: Principal, entry_id: uuid.UUID | None) -> EntryView | None:
    """One entry of my record by id, or None (another's entry does not exist for me)."""
    if entry_id is None:
        return None
    record = record_service.my_record(ctx, code_index=principal.own_code_index())
    return next((e for e in record.entries if e.id == entry_id), None)


def officer_case(
    read: CaseReader[Case], ctx: Context, principal: Principal, case_id: uuid.UUID
) -> Case | None:
    """One case of the officer's department as `read` opens it; None when it is another's."""
    try:
        return read(ctx, department=principal.own_department(), case_id=case_id)
    except NotFound:
        return None
