"""Error pages for browsers: a refusal outside `/api/` that a browser asked for is a page.

Invariants: a request whose path is not under `/api/` and whose `Accept` prefers
`text/html` to JSON gets its 404, 405, 422, 429 or domain refusal as an HTML page in the
page's language, with the same status and headers (`Retry-After` kept, and said on the
page as seconds and as a labelled China Standard Time); every other request keeps the
problem+json answer of `api/problems.py`, whose handlers are wrapped, not replaced. The
page's text never quotes the request: no path, no parameter, no input value (only the
layout's language switch links back to the same path, as on every page).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.headers import CSP
from api.pages.i18n import translate
from api.pages.refusals import fill, refusal_message, refusal_status
from api.pages.render import page_lang, render
from api.pages.times import minute
from core.clock import clock
from core.errors import DomainError

Handler = Callable[[Request, Any], Response | Awaitable[Response]]

HTML: Final = "text/html"
JSON_TYPES: Final = ("application/json", "application/problem+json")
# The message of each status a page may be refused with; any other has the generic one.
MESSAGES: Final = {
    400: "error.bad_request",
    404: "error.not_found",
    405: "error.method",
    422: "error.bad_request",
    429: "error.too_many",
}
# A wait this long or longer is also said as the minute from which to try again.
SAY_MINUTE_FROM: Final = 60
# The headers every page carries (api/headers.py adds them under the page paths only; an
# error page can answer any path).
PAGE_HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _quality(accept: str, media: str) -> tuple[float, int]:
    """How much `accept` wants `media`: (q, how specific the matching range is: 0-2)."""
    kind = media.split("/", 1)[0]
    best = (0.0, -1)
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        given = fields[0].lower()
        if given == media:
            specific = 2
        elif given == f"{kind}/*":
            specific = 1
        elif given == "*/*":
            specific = 0
        else:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        # The most specific range that matches decides (RFC 9110 §12.5.1).
        if specific > best[1]:
            best = (q, specific)
    return best[0], best[1]


def wants_html(request: Request) -> bool:
    """Whether this is a browser asking for a page: not the API, and HTML named first."""
    path = request.url.path
    if path == "/api" or path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    html_q, html_specific = _quality(accept, HTML)
    json_q = max(_quality(accept, t)[0] for t in JSON_TYPES)
    # HTML must be named (not only `*/*`, which API clients send) and not wanted less.
    return html_specific == 2 and html_q > 0 and html_q >= json_q


def retry_seconds(headers: dict[str, str] | None) -> int | None:
    """The whole seconds of a `Retry-After` given in seconds, or None."""
    value = (headers or {}).get("Retry-After", "")
    return int(value) if value.isdigit() else None


def retry_from(seconds: int, now: datetime) -> datetime:
    """The minute from which trying again is allowed: now plus the wait, rounded up."""
    at = now + timedelta(seconds=seconds)
    whole = at.replace(second=0, microsecond=0)
    return whole if whole == at else whole + timedelta(minutes=1)


def retry_text(seconds: int, lang: str, now: datetime) -> str:
    """When to try again, in the page language: the seconds, and the minute when it is long."""
    if seconds < SAY_MINUTE_FROM:
        return fill(translate("error.retry_seconds", lang), {"seconds": seconds})
    return fill(
        translate("error.retry_at", lang),
        {"minutes": math.ceil(seconds / 60), "at": minute(retry_from(seconds, now), lang)},
    )


def error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """An error page with this status and message; the refusal's own headers kept."""
    lang = page_lang(request)
    seconds = retry_seconds(headers)
    context: dict[str, object] = {
        "message": message,
        "status": status,
        "retry": None if seconds is None else retry_text(seconds, lang, clock.now()),
    }
    response = render(request, "error.html", context, status=status)
    response.headers.update(PAGE_HEADERS)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


async def _answer(handler: Handler, request: Request, exc: Exception) -> Response:
    """The wrapped handler's answer, whether it is a coroutine or a plain function."""
    response = handler(request, exc)
    return await response if inspect.isawaitable(response) else response


def _status_message(status: int, lang: str) -> str:
    return translate(MESSAGES.get(status, "error.generic"), lang)


def install(app: FastAPI) -> None:
    """Wrap the problem+json handlers: a browser asking for a page gets an error page."""
    http_problem: Handler = app.exception_handlers[StarletteHTTPException]
    validation_problem: Handler = app.exception_handlers[RequestValidationError]
    domain_problem: Handler = app.exception_handlers[DomainError]

    async def http_error(request: Request, exc: Exception) -> Response:
        if not (isinstance(exc, StarletteHTTPException) and wants_html(request)):
            return await _answer(http_problem, request, exc)
        message = _status_message(exc.status_code, page_lang(request))
        return error_page(request, exc.status_code, message, getattr(exc, "headers", None))

    async def validation_error(request: Request, exc: Exception) -> Response:
        if not wants_html(request):
            return await _answer(validation_problem, request, exc)
        return error_page(request, 422, _status_message(422, page_lang(request)))

    async def domain_error(request: Request, exc: Exception) -> Response:
        if not (isinstance(exc, DomainError) and wants_html(request)):
            return await _answer(domain_problem, request, exc)
        status = refusal_status(exc)
        if status == 401 or status >= 500:
            # 401 keeps its Bearer challenge; busy or keys missing is the service's state,
            # not the request's, and its problem carries what to do.
            return await _answer(domain_problem, request, exc)
        return error_page(request, status, refusal_message(exc, page_lang(request)))

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(DomainError, domain_error)
