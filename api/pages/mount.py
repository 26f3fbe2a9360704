"""Server-rendered pages for the public, citizens and officers (issue #8).

`install(app)` mounts the page routers and static files, adds the security headers,
and renders sign-in, forbidden and CSRF refusals as pages (401 keeps its Bearer
challenge, so API clients and the authorization matrix see the usual answer); a browser
asking for a page outside `/api/` gets 404, 405, 422 and 429 as pages too (api/pages/errors.py).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.audit import pages as audit
from api.cases.objections import pages as objections
from api.cases.repairs import officer_pages as repair_officers
from api.cases.repairs import pages as repairs
from api.consents import pages as consents
from api.entries import pages as entries
from api.headers import SecurityHeaders
from api.identity import oidc_pages, signin_pages
from api.pages import errors
from api.pages.render import STATIC_DIR, render
from api.pages.session import CsrfFailed, PageForbidden, SignInRequired
from api.public import pages as public
from api.queries import pages as queries
from api.querylog import pages as querylog
from api.reports import pages as reports

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
    app.include_router(public.router)
    app.include_router(querylog.router)
    app.include_router(signin_pages.router)
    app.include_router(entries.me_router)
    app.include_router(queries.router)
    app.include_router(objections.citizen_router)
    app.include_router(oidc_pages.router)
    app.include_router(consents.router)
    app.include_router(repairs.router)
    app.include_router(reports.router)
    app.include_router(objections.router)
    app.include_router(repair_officers.router)
    app.include_router(entries.router)
    app.include_router(audit.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CsrfFailed, _csrf_failed)
    # After api/problems.py's handlers, which these wrap: a browser gets a page instead.
    errors.install(app)
    app.add_middleware(SecurityHeaders)
