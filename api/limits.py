"""Bounds on request bodies, enforced before the app reads them (pure ASGI).

Invariants:
- A body sent (POST, PUT, PATCH, DELETE) to an endpoint that needs credentials, with none
  at all (no Authorization header, no session cookie), is refused 401 before any of it
  is read. Reading methods are passed through untouched: no route reads their body.
- A body over its cap is refused 413: at once when Content-Length says so, and as soon
  as the count passes the cap while a chunked body streams. Caps are settings: public
  endpoints small, batches large, evidence uploads sized from the evidence limits so
  that their own per-file refusals still judge every upload they could accept.
- A JSON body whose objects repeat a member name is refused 422 `duplicate-key`,
  naming the member's path and never a value.
- Every refusal made before the body is read closes the connection, so unread bytes
  are never taken for the next request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.json_keys import repeated_member
from api.pages.session import SID_COOKIE
from api.problems import problem
from api.state import state_of
from core.settings import Settings

# Endpoints that take a body from anyone (each stays capped small).
PUBLIC_BODY_PATHS: Final = frozenset(
    {"/oauth/token", "/api/v1/public/lookup", "/lookup", "/signin", "/signout"}
)
BATCH_PATHS: Final = frozenset({"/api/v1/records:batch", "/recorder/batch"})
UPLOAD_PATHS: Final = frozenset(
    {"/api/v1/me/objections", "/api/v1/me/repairs", "/me/objections", "/me/repairs"}
)
_NO_BODY_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_CLOSE: Final = {"Connection": "close"}
_CHALLENGE: Final = 'Bearer realm="credence"'
_SID: Final = SID_COOKIE.encode() + b"="


@dataclass(frozen=True)
class Caps:
    """The most bytes a body may have, by kind of endpoint."""

    default: int
    public: int
    batch: int
    upload: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Caps:
        """The caps the settings give; uploads get room for one file past each limit."""
        per_case = (settings.evidence_max_files + 1) * (settings.evidence_max_bytes + 1)
        return cls(
            default=settings.body_max_bytes,
            public=settings.body_public_max_bytes,
            batch=settings.body_batch_max_bytes,
            upload=per_case + settings.body_max_bytes,
        )

    def for_path(self, path: str) -> int:
        """The cap of a request path."""
        if path in PUBLIC_BODY_PATHS:
            return self.public
        if path in BATCH_PATHS:
            return self.batch
        if path in UPLOAD_PATHS:
            return self.upload
        return self.default


class BodyTooLarge(HTTPException):
    """A streamed body passed its cap while the app was reading it."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, "Request body too large", headers=_CLOSE)
        self.cap = cap


def too_large(cap: int) -> JSONResponse:
    """The 413 problem for a body over `cap` bytes."""
    return problem(
        413,
        "body-too-large",
        "Request body too large",
        "The request body is larger than this endpoint accepts; nothing was changed.",
        headers=_CLOSE,
        max_bytes=cap,
    )


def _unauthenticated() -> JSONResponse:
    return problem(
        401,
        "unauthenticated",
        "Authentication required",
        "This endpoint needs a bearer access token or a signed-in session.",
        headers={**_CLOSE, "WWW-Authenticate": _CHALLENGE},
    )


def _duplicate(path: list[str | int]) -> JSONResponse:
    return problem(
        422,
        "duplicate-key",
        "Duplicate member in JSON body",
        "A JSON object names the same member twice; send each member once.",
        errors=[
            {"loc": ["body", *map(str, path)], "msg": "repeated member", "type": "duplicate_key"}
        ],
    )


@dataclass(frozen=True)
class _Head:
    """What the request's headers say about its body and credentials."""

    length: int | None
    chunked: bool
    credentials: bool
    json: bool

    @classmethod
    def of(cls, scope: Scope) -> _Head:
        length: int | None = None
        chunked = credentials = False
        content_type = b""
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.strip().isdigit():
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = True
            elif (name == b"authorization" and value.strip()) or (
                name == b"cookie" and _SID in value
            ):
                credentials = True
            elif name == b"content-type":
                content_type = value.split(b";")[0].strip().lower()
        is_json = content_type in (b"", b"application/json") or content_type.endswith(b"+json")
        return cls(length=length, chunked=chunked, credentials=credentials, json=is_json)

    @property
    def has_body(self) -> bool:
        return self.chunked or bool(self.length)


async def _read_capped(receive: Receive, cap: int) -> bytes | None:
    """The whole body, or None once it passes `cap` (or the client goes away)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class BodyLimits:
    """Refuses unauthenticated, oversized and ambiguous bodies before the app sees them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the head, then either answer at once or pass a counted body on."""
        # Reading methods take no body here: the app never reads one, so it is not judged.
        if scope["type"] != "http" or scope["method"] in _NO_BODY_METHODS:
            await self.app(scope, receive, send)
            return
        head = _Head.of(scope)
        if not head.has_body:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not head.credentials and path not in PUBLIC_BODY_PATHS:
            await _unauthenticated()(scope, receive, send)
            return
        cap = Caps.from_settings(state_of(scope["app"]).runtime.settings).for_path(path)
        if head.length is not None and head.length > cap:
            await too_large(cap)(scope, receive, send)
            return
        if head.json and path not in UPLOAD_PATHS:
            await self._json(scope, receive, send, cap)
        else:
            await self._streamed(scope, receive, send, cap)

    async def _json(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        body = await _read_capped(receive, cap)
        if body is None:
            await too_large(cap)(scope, receive, send)
            return
        repeated = repeated_member(body)
        if repeated is not None:
            await _duplicate(repeated)(scope, receive, send)
            return
        given = False

        async def replay() -> Message:
            nonlocal given
            if given:
                return await receive()
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge(cap)
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracking)
        except BodyTooLarge:
            # Read outside the routes' error handling (none do today): answer here.
            if started:
                raise
            await too_large(cap)(scope, receive, send)


async def _body_too_large(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BodyTooLarge)  # noqa: S101 - registered for this type only
    return too_large(exc.cap)


def install(app: FastAPI) -> None:
    """Add the middleware, and the 413 problem for a body that outgrew its cap mid-read."""
    handler: Callable[[Request, Exception], Awaitable[JSONResponse]] = _body_too_large
    app.add_exception_handler(BodyTooLarge, handler)
    app.add_middleware(BodyLimits)
