"""Shared pieces of the page routes: dependency aliases, a read-only session, downloads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.deps import RuntimeDep
from api.web.session import (
    auditor_page,
    check_csrf,
    citizen_page,
    objection_officer_page,
    public_page,
    recorder_page,
    repair_officer_page,
)
from core.auth.principal import Principal

PublicPageDep = Annotated[None, Depends(public_page)]
CitizenPageDep = Annotated[Principal, Depends(citizen_page)]
OfficerPageDep = Annotated[Principal, Depends(objection_officer_page)]
RepairOfficerPageDep = Annotated[Principal, Depends(repair_officer_page)]
RecorderPageDep = Annotated[Principal, Depends(recorder_page)]
AuditorPageDep = Annotated[Principal, Depends(auditor_page)]
CsrfDep = Annotated[None, Depends(check_csrf)]

_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def _read_session(runtime: RuntimeDep) -> Iterator[Session]:
    """A session that never writes (a POST form that only reads must not take the lock)."""
    with Session(runtime.engine, expire_on_commit=False) as session:
        yield session


ReadSessionDep = Annotated[Session, Depends(_read_session)]


def see_other(request: Request, path: str) -> RedirectResponse:
    """Post/redirect/get: 303 to a path of ours."""
    return RedirectResponse(path, status_code=303)


def download(*, content: bytes, media_type: str, name: str, file_id: str) -> Response:
    """An evidence file as an attachment, never rendered inline, never cached."""
    fallback = f"evidence-{file_id}.{_EXTENSIONS.get(media_type, 'bin')}"
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
            ),
            "Cache-Control": "no-store",
        },
    )
