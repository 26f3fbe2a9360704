"""Browser sessions, CSRF tokens and the page policy.

Invariants:
- The session cookie holds only a random id (256 bits). Sessions live in the database
  (`core.identity.web_sessions`), so every worker behind a load balancer sees every
  sign-in: stored under a SHA-256 of the id, the access token (which, for a citizen,
  carries the credit code claim) sealed under the master key — never in a cookie, a URL
  or a page. A session ends with its token, on sign-out, or when its row is purged.
- Every visitor gets a session id cookie, signed in or not, so every form — the public
  ones too — carries a CSRF token: HMAC-SHA256 of the session id under a key derived
  from the master key (the same in every worker), checked in constant time on every
  POST. Signing in rotates the id.
- Cookies are HttpOnly and SameSite=Strict, and Secure except on plain http to a
  loopback host (local development, where a browser would otherwise drop them).
- A page is admitted by a `PagePolicy` (a `Policy` built from the same audience table,
  so the authorization-matrix test reads it): the principal comes from a Bearer header
  if one is sent, else from the session; it is verified by the same authenticator as
  the API on every request.
- Each store call is its own short transaction. Reading an expired session deletes it
  (a write), so a page route names its page policy before `SessionDep`: on SQLite a
  request already holding the write lock would otherwise wait out the busy timeout.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from fastapi import Request
from sqlalchemy import Engine
from sqlmodel import Session

from api.policy import Policy, authenticate, policies
from api.state import app_state
from core.clock import clock
from core.db import reader
from core.errors import Forbidden, Unauthenticated
from core.identity import web_sessions as store
from core.identity.principal import Principal
from core.identity.tokens import is_loopback
from core.identity.web_sessions import PendingLogin
from core.keyring import Keyring
from core.runtime import Runtime

SID_COOKIE: Final = "credence_sid"
LANG_COOKIE: Final = "credence_lang"
CSRF_FIELD: Final = "csrf_token"


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
    """Sessions and pending sign-ins by random id, in the database every worker shares.

    Each call is its own short transaction, committed before it returns.
    """

    def __init__(self, engine: Engine, keyring: Keyring) -> None:
        self._engine = engine
        self._keyring = keyring

    def __repr__(self) -> str:
        return "SessionStore(database)"

    def _writer(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def put(self, sid: str, session: WebSession) -> None:
        """Keep a session under a fresh id."""
        with self._writer() as db:
            store.save_session(
                session=db,
                keyring=self._keyring,
                sid=sid,
                token=session.token,
                role=session.role,
                label=session.label,
                expires_at=session.expires_at,
                now=clock.now(),
            )
            db.commit()

    def get(self, sid: str | None) -> WebSession | None:
        """The live session under `sid`, or None (an expired one is deleted)."""
        if not sid:
            return None
        with Session(reader(self._engine), expire_on_commit=False) as db:
            found = store.load_session(session=db, keyring=self._keyring, sid=sid, now=clock.now())
        if found.stale:
            self.drop(sid)
        if found.session is None:
            return None
        s = found.session
        return WebSession(token=s.token, role=s.role, label=s.label, expires_at=s.expires_at)

    def drop(self, sid: str | None) -> None:
        """Forget a session (sign-out)."""
        if sid:
            with self._writer() as db:
                store.drop_session(session=db, sid=sid)
                db.commit()

    def begin_login(self, login_id: str, login: PendingLogin, expires_at: datetime) -> None:
        """Keep a pending sign-in until its callback, or until `expires_at`."""
        with self._writer() as db:
            store.save_login(
                session=db,
                keyring=self._keyring,
                login_id=login_id,
                login=login,
                expires_at=expires_at,
                now=clock.now(),
            )
            db.commit()

    def take_login(self, login_id: str | None) -> PendingLogin | None:
        """Remove a pending sign-in and return it if it was live (once only)."""
        if not login_id:
            return None
        with self._writer() as db:
            found = store.take_login(
                session=db, keyring=self._keyring, login_id=login_id, now=clock.now()
            )
            db.commit()
        return found

    def purge(self) -> int:
        """Delete every expired session and pending sign-in."""
        with self._writer() as db:
            gone = store.purge_expired(session=db, now=clock.now())
            db.commit()
        return gone


class WebState:
    """What the pages need of the process: the shared session store and the CSRF key."""

    def __init__(self, runtime: Runtime) -> None:
        self._secret = store.csrf_key(runtime.keyring)
        self.sessions = SessionStore(runtime.engine, runtime.keyring)

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
    """The process's page state, made at start-up."""
    return app_state(request).web


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
    """The signed-in session of this request, if any (read once per request)."""
    sid = request.cookies.get(SID_COOKIE)
    cached = getattr(request.state, "web_session", None)
    if isinstance(cached, tuple) and cached[0] == sid:
        found: WebSession | None = cached[1]
        return found
    found = web_state(request).sessions.get(sid)
    request.state.web_session = (sid, found)
    return found


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

    refusal = PageForbidden
    refusal_message = "this role may not see this page"

    def principal(self, request: Request) -> Principal:
        """The verified caller: from a Bearer header if one is sent, else from the session."""
        if request.headers.get("authorization", ""):
            return authenticate(request)
        session = current_session(request)
        if session is None:
            raise SignInRequired("sign in to see this page")
        try:
            return app_state(request).authenticator.authenticate(session.token)
        except Unauthenticated:
            raise SignInRequired("the session has ended; sign in again") from None


PAGE_POLICIES: Final = policies(PagePolicy)
public_page = PAGE_POLICIES["public"]
citizen_page = PAGE_POLICIES["citizen"]
objection_officer_page = PAGE_POLICIES["objection_officer"]
repair_officer_page = PAGE_POLICIES["repair_officer"]
recorder_page = PAGE_POLICIES["recorder"]
auditor_page = PAGE_POLICIES["auditor"]
