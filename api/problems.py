"""RFC 9457 problem+json for every error; bodies never echo input or carry a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.db import is_busy
from core.errors import (
    Conflict,
    DatabaseBusy,
    DomainError,
    Forbidden,
    InvalidInput,
    KeysUnavailable,
    NotFound,
    Shredded,
    Unauthenticated,
)
from core.queries.refusals import Refused

log = logging.getLogger("credence.api")
PROBLEM = "application/problem+json"
# A relative reference (RFC 9457 §3.1.1): it resolves on the service that answered, where
# /problems/<slug> says what the type means (api/reference/pages.py).
TYPE_BASE = "/problems/"

STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    Shredded: 410,
    KeysUnavailable: 503,
    DatabaseBusy: 503,
    Unauthenticated: 401,
    Forbidden: 403,
    Refused: 403,
}
_CHALLENGE = 'Bearer realm="credence", error="invalid_token"'


def refusal_headers(exc: DomainError, status: int) -> dict[str, str] | None:
    """The headers a refusal carries: a bearer challenge on 401, Retry-After when busy."""
    if status == 401:
        return {"WWW-Authenticate": _CHALLENGE}
    if isinstance(exc, DatabaseBusy):
        return {"Retry-After": str(exc.retry_after_seconds)}
    return None


def busy_problem() -> JSONResponse:
    """503 for a database that could not be had in time: come back shortly, nothing changed."""
    exc = DatabaseBusy("the database is busy; nothing was changed, try again shortly")
    return problem(503, exc.type_slug, exc.title, exc.detail, headers=refusal_headers(exc, 503))


def status_of(exc: DomainError) -> int:
    """The HTTP status of a domain refusal (the API's and the pages' one mapping)."""
    return next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {"type": TYPE_BASE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _safe_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Pydantic puts the offending input (and sometimes it again in ctx) into each error:
    # keep only where and which rule, so no personal value comes back or reaches a log.
    return [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "msg": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]


def install(app: FastAPI) -> None:
    """Register the handlers once for the whole app."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(
            422,
            "validation",
            "Request body or parameters are invalid",
            "One or more fields break a rule; see errors.",
            errors=_safe_errors(exc),
        )

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        status = status_of(exc)
        headers = refusal_headers(exc, status)
        # Extra fields are values the rule computed (a date to come back on), never input.
        extra = getattr(exc, "extra", None) or {}
        return problem(
            status, exc.type_slug, exc.title, exc.detail, headers=headers, rule=exc.rule, **extra
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {
            404: "not-found",
            405: "method-not-allowed",
            401: "unauthenticated",
            403: "forbidden",
            429: "rate-limited",
        }.get(exc.status_code, "http-error")
        return problem(
            exc.status_code, slug, str(exc.detail), headers=getattr(exc, "headers", None)
        )

    app.add_middleware(ContainErrors)


class ContainErrors:
    """Turn any unhandled exception into a bare 500 problem and never re-raise it.

    Starlette's own handler re-raises after answering, so the server would log the
    traceback, whose message may hold decrypted values; here only the type is logged.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through; on an exception, answer 500 if nothing was sent yet."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if is_busy(exc):
                # A lock or pool wait ran out: a 503 to retry, not a fault of the service.
                log.warning("database busy: %s", type(exc).__name__)
                if not started:
                    await busy_problem()(scope, receive, send)
                return
            log.error("unhandled error: %s", type(exc).__name__)
            if not started:
                response = problem(
                    500, "internal", "Internal error", "The request failed; nothing was changed."
                )
                await response(scope, receive, send)
