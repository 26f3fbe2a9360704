"""The issued personal credit report (HTML and PDF), the download of all my data, and the
public page that verifies an issued report.

Invariants: the report pages are citizen pages only, read through the same services as
`/api/v1/me/report` and `/api/v1/me/export`, scoped by the blind index of the signed-in
citizen's verified code; each report page or PDF is issued — numbered, signed, its one
verification row stored — and shows only a masked identity, never the credit code (the
JSON export, a download for its owner, is the one place the code appears); downloads are
attachments, never cached, named by date only. The verification page needs no sign-in,
only reads, shows the number, generation time and signature of a report and nothing of
its content or person, and answers a malformed, unknown or failing code alike with a
"not verified" page (404) in the page's language.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ContextDep, ReadContextDep
from api.http import attachment
from api.pages.common import CitizenPageDep, PublicPageDep
from api.pages.render import page_lang, render
from api.reports import qr
from api.reports.endpoints import (
    ReportSignerDep,
    WriterSessionDep,
    download_name,
    export_document,
    issued_document,
)
from api.reports.pdf import render_pdf
from api.reports.words import ReportWords
from core.context import Context
from core.directory import service as directory
from core.errors import NotFound
from core.reports import issuance
from core.reports.schemas import PersonalReport
from core.reports.signing import ReportSigner

router = APIRouter(include_in_schema=False)
# Longer than any code written with dashes and spaces: the rest is not read at all.
CODE_MAX = 40


def _url(request: Request, report: PersonalReport) -> str:
    if report.issue is None:  # pragma: no cover - issued_document always sets it
        raise RuntimeError("the report was not issued")
    return qr.verify_url(str(request.base_url), report.issue.verification_code)


def _words(request: Request, ctx: Context) -> ReportWords:
    return ReportWords(page_lang(request), directory.names(ctx))


@router.get("/me/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    principal: CitizenPageDep,
    ctx: ContextDep,
    writer: WriterSessionDep,
    signer: ReportSignerDep,
) -> HTMLResponse:
    """My personal credit report, issued and printable, with links to the PDF and my data."""
    report = issued_document(ctx, writer=writer, principal=principal, signer=signer)
    url = _url(request, report)
    return render(
        request,
        "me/report.html",
        {
            "report": report,
            "w": _words(request, ctx),
            "verify_url": url,
            "qr_image": qr.svg_data_uri(url),
            "notes": ("source", "verify", "privacy", "times", "objection"),
        },
    )


@router.get("/me/report.pdf", response_model=None)
def report_pdf(
    request: Request,
    principal: CitizenPageDep,
    ctx: ContextDep,
    writer: WriterSessionDep,
    signer: ReportSignerDep,
) -> Response:
    """My personal credit report, issued, as a PDF download in the page language."""
    report = issued_document(ctx, writer=writer, principal=principal, signer=signer)
    return attachment(
        content=render_pdf(report, _words(request, ctx), _url(request, report)),
        media_type="application/pdf",
        filename=download_name("report", report.as_of, "pdf"),
    )


@router.get("/me/export.json", response_model=None)
def export_json(principal: CitizenPageDep, ctx: ContextDep) -> Response:
    """Everything held about me, decrypted, as a JSON download."""
    return export_document(ctx, principal=principal)


def _verification(request: Request, ctx: Context, signer: ReportSigner, code: str) -> HTMLResponse:
    try:
        found = issuance.verify_report(session=ctx.session, code=code[:CODE_MAX], signer=signer)
    except NotFound:
        return render(request, "verify/report.html", {"verified": None, "asked": True}, 404)
    return render(request, "verify/report.html", {"verified": found, "asked": True})


@router.get("/verify/report", response_class=HTMLResponse)
def verify_form(
    request: Request,
    _: PublicPageDep,
    ctx: ReadContextDep,
    signer: ReportSignerDep,
    code: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """The public report check: a form for the code, and its answer once one is given."""
    if code is None:
        return render(request, "verify/report.html", {"verified": None, "asked": False})
    return _verification(request, ctx, signer, code)


@router.get("/verify/report/{code}", response_class=HTMLResponse)
def verify_page(
    request: Request, code: str, _: PublicPageDep, ctx: ReadContextDep, signer: ReportSignerDep
) -> HTMLResponse:
    """The page a report's QR code opens: verified (number, time, signature) or not."""
    return _verification(request, ctx, signer, code)
