"""Server-rendered pages for the public, citizens and officers (issue #8).

`install(app)` mounts the page routers and static files, adds the security headers,
and renders sign-in, forbidden and CSRF refusals as pages (401 keeps its Bearer
challenge, so API clients and the authorization matrix see the usual answer).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.web import (
    auditor_pages,
    citizen_consent_pages,
    citizen_pages,
    citizen_repair_pages,
    officer_pages,
    oidc_signin,
    public_pages,
    recorder_pages,
    repair_officer_pages,
    report_pages,
    signin,
)
from api.web.headers import SecurityHeaders
from api.web.render import STATIC_DIR, render
from api.web.session import CsrfFailed, PageForbidden, SignInRequired, WebState

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
