"""Citizen routes for the personal credit report and the export of all my data (SPEC §10).

Invariants: citizen role only, scoped by the blind index of the token's verified code;
both only read (the owner reading their own record is not an agency query and is not
logged as one); neither answer may be stored by a cache; the export is an attachment
whose file name holds a date and nothing personal. Issuing a report (what the pages and
the PDF do) stores its one verification row, on a writing session of its own, committed
before the answer is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Response
from sqlmodel import Session

from api.deps import ContextDep, RuntimeDep, SettingsDep
from api.http import attachment
from api.policy import CitizenDep
from core.clock import local_date
from core.context import Context
from core.identity.principal import Principal
from core.reports import export as export_service
from core.reports import issuance
from core.reports import service as report_service
from core.reports.schemas import DataExport, PersonalReport
from core.reports.signing import ReportSigner, signer_for_data_dir
from core.settings import Settings

router = APIRouter(prefix="/me", tags=["citizen"])
NO_STORE: Final = "no-store"


def report_key_name(settings: Settings) -> str:
    """The report key's signed-note name: the log origin's host, then `/report`."""
    return settings.log_origin.split("/", 1)[0] + "/report"


@cache
def _signer(data_dir: Path, name: str) -> ReportSigner:
    return signer_for_data_dir(data_dir, name=name)


def get_report_signer(settings: SettingsDep) -> ReportSigner:
    """The report signer, its key file made under the data directory on first use."""
    return _signer(settings.data_dir.resolve(), report_key_name(settings))


async def get_writer_session(runtime: RuntimeDep) -> AsyncIterator[Session]:
    """A session on the writing engine, for a GET that issues a report (one row)."""
    # As `api.deps.get_session`: nothing begins here; the route's first statement does.
    with Session(runtime.engine, expire_on_commit=False) as session:
        yield session


ReportSignerDep = Annotated[ReportSigner, Depends(get_report_signer)]
WriterSessionDep = Annotated[Session, Depends(get_writer_session)]


def download_name(kind: str, day: date, extension: str) -> str:
    """A download's file name: what it is and the day it was made, nothing personal."""
    return f"credence-{kind}-{day.isoformat()}.{extension}"


def report_document(ctx: Context, *, principal: Principal) -> PersonalReport:
    """The caller's personal credit report (shared by the API and the pages)."""
    return report_service.personal_report(ctx, code_index=principal.own_code_index())


def issued_document(
    ctx: Context, *, writer: Session, principal: Principal, signer: ReportSigner
) -> PersonalReport:
    """The caller's report, issued: numbered, signed, its verification row committed."""
    report = report_document(ctx, principal=principal)
    issued = issuance.issue_report(session=writer, report=report, signer=signer)
    writer.commit()
    return issued


def export_document(ctx: Context, *, principal: Principal) -> Response:
    """The caller's export as a JSON attachment (shared by the API and the pages)."""
    document = export_service.export_all(ctx, code_index=principal.own_code_index())
    return attachment(
        content=document.model_dump_json(indent=2).encode(),
        media_type="application/json",
        filename=download_name("export", local_date(document.generated_at), "json"),
    )


@router.get("/report", response_model=PersonalReport)
def my_report(
    principal: CitizenDep,
    ctx: ContextDep,
    response: Response,
) -> PersonalReport:
    """My personal credit report: entries, queries of my record, authorizations, cases."""
    response.headers["Cache-Control"] = NO_STORE
    return report_document(ctx, principal=principal)


@router.get(
    "/export",
    response_model=None,
    responses={
        200: {
            "description": "Everything held about me, as a JSON attachment.",
            "model": DataExport,
        }
    },
)
def my_export(principal: CitizenDep, ctx: ContextDep) -> Response:
    """Everything held about me, decrypted, as a JSON download."""
    return export_document(ctx, principal=principal)
