"""Sign-in through the configured OIDC provider (authorization code + PKCE).

Invariants:
- Both routes exist only with an external issuer (`CREDENCE_OIDC_ISSUER`) and our
  client registration with it (`CREDENCE_OIDC_CLIENT_ID`, `CREDENCE_OIDC_REDIRECT_BASE_URL`);
  otherwise they answer 404.
- Starting a sign-in keeps its state, nonce, code verifier and return path server-side
  (sealed, 10 minutes, single use) under a fresh random id that only one cookie carries:
  HttpOnly, path `/signin/oidc`, SameSite=Lax. The provider's redirect back is a
  cross-site navigation, on which browsers withhold the SameSite=Strict session cookie,
  so this cookie is what binds the callback to the browser that started the sign-in.
- The callback takes that pending sign-in (gone after one try, whatever the outcome),
  compares `state` in constant time, redeems the code with the verifier, verifies the
  ID token, then the access token with the authenticator that checks API bearer tokens;
  the two tokens must name the same subject. Only then is a new session id issued (any
  old session dropped) with the access token kept server-side; no token reaches the
  browser, and the page it gets carries none.
- The return path is a path on this site (never another origin); the role's own page
  otherwise. Refusals are pages with fixed messages; nothing received is echoed or logged.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from datetime import timedelta
from typing import Annotated, Final
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import RuntimeDep
from api.identity.signin_pages import LANDING
from api.pages.common import PublicPageDep
from api.pages.render import render
from api.pages.session import SID_COOKIE, WebSession, cookie_secure, new_sid, web_state
from api.ratelimit import TokenBucketLimiter, client_key
from api.state import app_state
from core.clock import clock
from core.errors import Unauthenticated
from core.identity.oidc_login import CALLBACK_PATH, OidcError, OidcLogin
from core.identity.principal import Principal
from core.identity.web_sessions import PendingLogin
from core.public.masking import mask_name
from core.runtime import Runtime

log = logging.getLogger("credence.web.oidc")

router = APIRouter(include_in_schema=False)
START_PATH: Final = "/signin/oidc"
LOGIN_COOKIE: Final = "credence_login"
LOGIN_TTL: Final = timedelta(minutes=10)
MAX_RETURN_PATH: Final = 512
# Starting a sign-in stores a row: bound how fast one address can make them.
STARTS_PER_MINUTE: Final = 30.0
STARTS_BURST: Final = 10
_setup_lock = threading.Lock()


def start_limiter() -> TokenBucketLimiter:
    """A fresh limiter of sign-in starts per client address (one per process)."""
    return TokenBucketLimiter(per_minute=STARTS_PER_MINUTE, burst=STARTS_BURST)


def _oidc_login(request: Request, runtime: Runtime) -> OidcLogin | None:
    """The relying party for the configured provider, or None when sign-in is not set up."""
    s = runtime.settings
    if s.oidc_issuer is None or not s.oidc_client_id or not s.oidc_redirect_base_url:
        return None
    state = app_state(request)
    if state.oidc_login is not None:
        return state.oidc_login
    with _setup_lock:
        found = state.oidc_login
        if found is None:
            secret = s.oidc_client_secret
            try:
                found = OidcLogin(
                    issuer=s.oidc_issuer,
                    client_id=s.oidc_client_id,
                    client_secret=None if secret is None else secret.get_secret_value(),
                    redirect_uri=s.oidc_redirect_base_url.rstrip("/") + CALLBACK_PATH,
                    scope=s.oidc_scope,
                    min_refetch_seconds=s.jwks_min_refetch_seconds,
                )
            except OidcError as exc:
                log.error("OIDC sign-in is misconfigured: %s", exc)
                return None
            state.oidc_login = found
        return found


def safe_return_path(value: str | None) -> str | None:
    """`value` if it is a path on this site (no scheme, no host, no sign-in loop), else None."""
    if not value or len(value) > MAX_RETURN_PATH or not value.isprintable():
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith(("/signin", "/signout")):
        return None
    # Dot segments would be resolved by the browser (`/me/../signin`): refuse them outright.
    if any(seg in (".", "..") for seg in unquote(parts.path).split("/")):
        return None
    return value


def _page(request: Request, key: str, status: int) -> HTMLResponse:
    return render(request, "error.html", {"message_key": key, "signin": status != 404}, status)


def _label(principal: Principal, id_claims: dict[str, object]) -> str:
    """What the page header shows besides the role: a masked name, a department, or nothing."""
    if principal.role == "citizen":
        name = id_claims.get("name")
        return mask_name(name) if isinstance(name, str) and name.strip() else "*"
    return principal.department or ""


def _forget_login(request: Request, response: Response) -> None:
    response.delete_cookie(
        LOGIN_COOKIE,
        path=START_PATH,
        secure=cookie_secure(request),
        httponly=True,
        samesite="lax",
    )


@router.get(START_PATH, response_model=None)
def start(
    request: Request,
    _: PublicPageDep,
    runtime: RuntimeDep,
    return_to: Annotated[str | None, Query(alias="next")] = None,
) -> Response:
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge."""
    login = _oidc_login(request, runtime)
    if login is None:
        return _page(request, "oidc.unavailable", 404)
    wait = app_state(request).oidc_start_limiter.take(
        client_key(request.client.host if request.client else None)
    )
    if wait is not None:
        refused = _page(request, "oidc.too_many", 429)
        refused.headers["Retry-After"] = str(max(1, int(wait) + 1))
        return refused
    try:
        begun = login.start()
    except OidcError as exc:
        log.warning("OIDC sign-in cannot start: %s", exc)
        return _page(request, "oidc.provider_down", 502)
    login_id = secrets.token_urlsafe(32)
    web_state(request).sessions.begin_login(
        login_id,
        PendingLogin(
            state=begun.state,
            nonce=begun.nonce,
            code_verifier=begun.code_verifier,
            return_to=safe_return_path(return_to),
        ),
        expires_at=clock.now() + LOGIN_TTL,
    )
    response = RedirectResponse(begun.url, status_code=303)
    response.set_cookie(
        LOGIN_COOKIE,
        login_id,
        max_age=int(LOGIN_TTL.total_seconds()),
        path=START_PATH,
        secure=cookie_secure(request),
        httponly=True,
        # Lax, not Strict: it must come back with the provider's cross-site redirect.
        samesite="lax",
    )
    return response


@router.get(CALLBACK_PATH, response_model=None)
def callback(
    request: Request,
    _: PublicPageDep,
    runtime: RuntimeDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """Finish the sign-in the provider sends back; open a session for the verified principal."""
    login = _oidc_login(request, runtime)
    if login is None:
        return _page(request, "oidc.unavailable", 404)
    response = _finish(request, login, code=code, state=state, error=error)
    _forget_login(request, response)
    return response


def _finish(
    request: Request,
    login: OidcLogin,
    *,
    code: str | None,
    state: str | None,
    error: str | None,
) -> Response:
    sessions = web_state(request).sessions
    pending = sessions.take_login(request.cookies.get(LOGIN_COOKIE))
    if pending is None:
        return _page(request, "oidc.expired", 400)
    if not state or not hmac.compare_digest(
        state.encode("utf-8", "replace"), pending.state.encode("utf-8")
    ):
        log.warning("OIDC callback refused: state does not match")
        return _page(request, "oidc.failed", 400)
    if error is not None:
        return _page(request, "oidc.denied", 400)
    if not code:
        return _page(request, "oidc.failed", 400)
    try:
        tokens = login.finish(code=code, code_verifier=pending.code_verifier, nonce=pending.nonce)
    except OidcError as exc:
        log.warning("OIDC callback refused: %s", exc)
        return _page(request, "oidc.failed", 400)
    try:
        principal = app_state(request).authenticator.authenticate(tokens.access_token)
    except Unauthenticated as exc:
        log.warning("OIDC callback refused: access token not accepted (%s)", exc.detail)
        return _page(request, "oidc.failed", 400)
    if principal.subject != tokens.id_claims.get("sub"):
        log.warning("OIDC callback refused: the tokens name different subjects")
        return _page(request, "oidc.failed", 400)
    if principal.role not in LANDING:
        return _page(request, "oidc.no_pages", 403)
    sessions.drop(request.cookies.get(SID_COOKIE))
    sid = new_sid()
    sessions.put(
        sid,
        WebSession(
            token=tokens.access_token,
            role=principal.role,
            label=_label(principal, tokens.id_claims),
            expires_at=principal.expires_at,
        ),
    )
    target = pending.return_to or LANDING[principal.role]
    # The page is rendered for the new session id, so render() sets its cookie (and the
    # CSRF token on the page belongs to it).
    request.state.sid = sid
    request.state.sid_is_new = True
    return render(request, "signin_oidc_done.html", {"target": target})
