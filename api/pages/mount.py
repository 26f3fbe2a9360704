"""Server-rendered pages for the public, citizens and officers (issue #8).

`install(app)` mounts the page routers and static files, adds the security headers,
and renders sign-in, forbidden and CSRF refusals as pages (401 keeps its Bearer
challenge, so API clients and the authorization matrix see the usual answer).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.audit import pages as auditor_pages
from api.cases.objections import pages as officer_pages
from api.cases.repairs import officer_pages as repair_officer_pages
from api.cases.repairs import pages as citizen_repair_pages
from api.consents import pages as citizen_consent_pages
from api.entries import pages as recorder_pages
from api.headers import SecurityHeaders
from api.identity import oidc_pages as oidc_signin
from api.identity import signin_pages as signin
from api.pages import citizen_pages
from api.pages.render import STATIC_DIR, render
from api.pages.session import CsrfFailed, PageForbidden, SignInRequired, WebState
from api.public import pages as public_pages
from api.reports import pages as report_pages

CHALLENGE = 'Bearer realm="credence"'


async def _sign_in_required(request: Request, exc: Exception) -> HTMLResponse:
    response = render(
        request, "error.html", {"message_key": "signin.required", "signin": True}, 401
    )
    response.headers["WWW-Authenticate"] = CHALLENGE
    return response


async def _forbidden(request: Request, exc: Exception) -> HTMLResponse:
    return render(request, "error.html", {"message_key": "error.forbidden"}, 403)


async def _csrf_failed(request: Request, exc: Exception) -> HTMLResponse:
    # 400, not 403: the caller may be allowed; the form is what is wrong.
    return render(request, "error.html", {"message_key": "error.csrf"}, 400)


def install(app: FastAPI) -> None:
    """Add the pages to the app."""
    app.state.web = WebState()
    app.include_router(public_pages.router)
    app.include_router(signin.router)
    app.include_router(citizen_pages.router)
    app.include_router(oidc_signin.router)
    app.include_router(citizen_consent_pages.router)
    app.include_router(citizen_repair_pages.router)
    app.include_router(report_pages.router)
    app.include_router(officer_pages.router)
    app.include_router(repair_officer_pages.router)
    app.include_router(recorder_pages.router)
    app.include_router(auditor_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CsrfFailed, _csrf_failed)
    app.add_middleware(SecurityHeaders)
