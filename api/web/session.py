"""Browser sessions, CSRF tokens and the page policy.

Invariants:
- The session cookie holds only a random id (256 bits); the access token (which, for a
  citizen, carries the credit code claim) stays in this process's memory, never in a
  cookie, a URL or a page. Sessions end with their token and are bounded in number.
  (Production needs the OIDC authorization-code flow and a shared session store: this
  store is per process, so several workers would not share sign-ins.)
- Every visitor gets a session id cookie, signed in or not, so every form — the public
  ones too — carries a CSRF token: HMAC-SHA256 of the session id under a per-process
  secret, checked in constant time on every POST. Signing in rotates the id.
- Cookies are HttpOnly and SameSite=Strict, and Secure except on plain http to a
  loopback host (local development, where a browser would otherwise drop them).
- A page is admitted by a `PagePolicy` (a `Policy`, so the authorization-matrix test
  reads it): the principal comes from a Bearer header if one is sent, else from the
  session; it is verified by the same authenticator as the API on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from fastapi import Request

from api.policy import PUBLIC, Policy
from core.auth.authenticator import Authenticator
from core.auth.principal import Principal
from core.auth.tokens import is_loopback
from core.clock import clock
from core.errors import Forbidden, Unauthenticated

SID_COOKIE: Final = "credence_sid"
LANG_COOKIE: Final = "credence_lang"
CSRF_FIELD: Final = "csrf_token"
MAX_SESSIONS: Final = 10_000


class SignInRequired(Unauthenticated):
    """A page needs a signed-in session and there is none."""


class PageForbidden(Forbidden):
    """The signed-in role may not see this page."""


class CsrfFailed(Exception):
    """A POST without a valid CSRF token for its session."""


@dataclass
class WebSession:
    """One signed-in browser: its token (server-side only) and what the header shows."""

    token: str = field(repr=False)
    role: str
    label: str
    expires_at: datetime


class SessionStore:
    """In-memory sessions by random id, bounded, dropped when their token expires."""

    def __init__(self, max_sessions: int = MAX_SESSIONS) -> None:
        self._max = max_sessions
        self._items: OrderedDict[str, WebSession] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SessionStore({len(self._items)} sessions)"

    def put(self, sid: str, session: WebSession) -> None:
        """Keep a session under a fresh id, evicting the oldest beyond the bound."""
        with self._lock:
            self._items[sid] = session
            while len(self._items) > self._max:
                self._items.popitem(last=False)

    def get(self, sid: str | None) -> WebSession | None:
        """The live session under `sid`, or None (an expired one is dropped)."""
        if not sid:
            return None
        with self._lock:
            found = self._items.get(sid)
            if found is not None and found.expires_at <= clock.now():
                del self._items[sid]
                return None
            return found

    def drop(self, sid: str | None) -> None:
        """Forget a session (sign-out)."""
        if sid:
            with self._lock:
                self._items.pop(sid, None)


class WebState:
    """What the pages keep per process: the sessions and the CSRF secret."""

    def __init__(self) -> None:
        self.sessions = SessionStore()
        self._secret = secrets.token_bytes(32)

    def __repr__(self) -> str:
        return "WebState(<secret>)"

    def csrf_token(self, sid: str) -> str:
        """The CSRF token bound to one session id."""
        return hmac.new(self._secret, b"csrf:" + sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, sid: str | None, token: object) -> bool:
        """Whether a submitted token belongs to this session id."""
        if not sid or not isinstance(token, str):
            return False
        return hmac.compare_digest(self.csrf_token(sid), token)


def new_sid() -> str:
    """A fresh random session id."""
    return secrets.token_urlsafe(32)


def web_state(request: Request) -> WebState:
    """The process's page state."""
    state: WebState = request.app.state.web
    return state


def request_sid(request: Request) -> str:
    """This request's session id: the cookie's, or a new one the response will set."""
    sid = getattr(request.state, "sid", None)
    if isinstance(sid, str):
        return sid
    cookie = request.cookies.get(SID_COOKIE)
    if cookie and 20 <= len(cookie) <= 64 and cookie.replace("-", "").replace("_", "").isalnum():
        request.state.sid = cookie
        request.state.sid_is_new = False
        return cookie
    fresh = new_sid()
    request.state.sid = fresh
    request.state.sid_is_new = True
    return fresh


def current_session(request: Request) -> WebSession | None:
    """The signed-in session of this request, if any."""
    return web_state(request).sessions.get(request.cookies.get(SID_COOKIE))


def cookie_secure(request: Request) -> bool:
    """Secure cookies everywhere but plain http to a loopback host (local development)."""
    if request.url.scheme == "https":
        return True
    return not is_loopback(request.url.hostname or "")


async def check_csrf(request: Request) -> None:
    """Refuse a POST whose form lacks the token bound to its session cookie."""
    form = await request.form()
    sid = request.cookies.get(SID_COOKIE)
    if not web_state(request).csrf_ok(sid, form.get(CSRF_FIELD)):
        raise CsrfFailed


class PagePolicy(Policy):
    """A page route's policy: the roles admitted, the principal from Bearer or session."""

    def __call__(self, request: Request) -> Principal | None:
        """Admit the caller or refuse (401 page to sign in, 403 page for another role)."""
        if PUBLIC in self.roles:
            return None
        authenticator: Authenticator = request.app.state.authenticator
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("a bearer access token is required")
            principal = authenticator.authenticate(token.strip())
        else:
            session = current_session(request)
            if session is None:
                raise SignInRequired("sign in to see this page")
            try:
                principal = authenticator.authenticate(session.token)
            except Unauthenticated:
                raise SignInRequired("the session has ended; sign in again") from None
        if principal.role not in self.roles:
            raise PageForbidden("this role may not see this page")
        return principal


public_page = PagePolicy(PUBLIC)
citizen_page = PagePolicy("citizen")
objection_officer_page = PagePolicy("objection_officer")
repair_officer_page = PagePolicy("repair_officer")
recorder_page = PagePolicy("recorder")
auditor_page = PagePolicy("auditor")
