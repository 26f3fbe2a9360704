"""Security headers on every page and static response.

Invariants: every response under a page path gets the strict Content-Security-Policy
(no inline script or style, nothing from another origin, no framing, forms only to
us), `nosniff` and `Referrer-Policy: no-referrer`; pages of signed-in users are never
stored by caches. The interactive API reference (/docs, /redoc and their assets) and the
problem type pages are pages too; API routes and the OpenAPI document are left as they are.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
PAGE_PREFIXES: Final = (
    "/static",
    "/lists",
    "/announcements",
    "/lookup",
    "/verify",
    "/checkpoint",
    "/signin",
    "/signout",
    "/me",
    "/officer",
    "/recorder",
    "/audit",
    "/docs",
    "/redoc",
    "/problems",
)
PRIVATE_PREFIXES: Final = (
    "/me",
    "/officer",
    "/recorder",
    "/audit",
    "/signin",
    "/signout",
    "/lookup",
)


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def is_page_path(path: str) -> bool:
    """Whether a path belongs to the pages (not the API, not the docs)."""
    return path == "/" or _under(path, PAGE_PREFIXES)


class SecurityHeaders:
    """Pure ASGI middleware adding the page security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to page responses; pass everything else through untouched."""
        if scope["type"] != "http" or not is_page_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        private = _under(scope["path"], PRIVATE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
