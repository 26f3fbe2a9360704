"""The printable personal credit report (HTML and PDF) and the download of all my data.

Invariants: citizen pages only, read through the same services as `/api/v1/me/report`
and `/api/v1/me/export`, scoped by the blind index of the signed-in citizen's verified
code; they only read; the credit code is never rendered (the JSON export, a download
for its owner, is the one place it appears); downloads are attachments, never cached,
named by date only.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ContextDep
from api.http import attachment
from api.pages.common import CitizenPageDep
from api.pages.render import page_lang, render
from api.reports.endpoints import download_name, export_document, report_document
from api.reports.pdf import ReportWords, render_pdf

router = APIRouter(prefix="/me", include_in_schema=False)


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request, principal: CitizenPageDep, ctx: ContextDep) -> HTMLResponse:
    """My personal credit report, printable, with links to the PDF and to all my data."""
    report = report_document(ctx, principal=principal)
    words = ReportWords(page_lang(request))
    return render(request, "me/report.html", {"report": report, "w": words})


@router.get("/report.pdf", response_model=None)
def report_pdf(request: Request, principal: CitizenPageDep, ctx: ContextDep) -> Response:
    """My personal credit report as a PDF download, in the page language."""
    report = report_document(ctx, principal=principal)
    return attachment(
        content=render_pdf(report, page_lang(request)),
        media_type="application/pdf",
        filename=download_name("report", report.as_of, "pdf"),
    )


@router.get("/export.json", response_model=None)
def export_json(principal: CitizenPageDep, ctx: ContextDep) -> Response:
    """Everything held about me, decrypted, as a JSON download."""
    return export_document(ctx, principal=principal)
