"""Development sign-in with the embedded issuer, and sign-out.

Invariants: the page exists only with the embedded issuer (no CREDENCE_OIDC_ISSUER; with
an external issuer `GET /signin` sends the browser to `/signin/oidc`) and only for a
client on the loopback interface addressing a loopback host (so neither a remote client
nor a DNS-rebound page can use it); a citizen is chosen by position in
the demo population and shown by masked name only, never by code; the minted token
stays in the server-side session, and signing in rotates the session id.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import IssuerKeysDep, RuntimeDep
from api.pages.common import CsrfDep, PublicPageDep, see_other
from api.pages.render import render, set_sid_cookie
from api.pages.session import SID_COOKIE, WebSession, new_sid, web_state
from core.clock import clock
from core.demo.dataset import DEMO_PEOPLE, DEPARTMENTS
from core.demo.people import DemoPerson, demo_people
from core.errors import InvalidInput
from core.identity.clients import dev_token_claims
from core.identity.tokens import is_loopback, mint_access_token
from core.public.masking import mask_name
from core.runtime import Runtime

router = APIRouter(include_in_schema=False)
SIGNIN_ROLES = ("citizen", "objection_officer", "repair_officer", "recorder", "auditor")
DEPARTMENT_ROLES = ("objection_officer", "repair_officer", "recorder")
# Where each role lands after signing in.
LANDING = {
    "citizen": "/me",
    "objection_officer": "/officer/objections",
    "repair_officer": "/officer/repairs",
    "recorder": "/recorder",
    "auditor": "/audit/queries",
}


@lru_cache(maxsize=1)
def _people() -> tuple[DemoPerson, ...]:
    return tuple(demo_people(DEMO_PEOPLE))


def _departments() -> list[str]:
    return sorted(set(DEPARTMENTS.values()))


def dev_signin_allowed(request: Request, runtime: Runtime) -> bool:
    """Embedded issuer, loopback client, loopback host name: otherwise no dev sign-in."""
    client = request.client.host if request.client is not None else ""
    # The embedded issuer's keys exist exactly when no external issuer is set (start-up).
    return (
        runtime.settings.oidc_issuer is None
        and is_loopback(client)
        and is_loopback(request.url.hostname or "")
    )


def _form(request: Request, status: int = 200, invalid: bool = False) -> HTMLResponse:
    people = [(i, mask_name(p.name)) for i, p in enumerate(_people())]
    return render(
        request,
        "signin.html",
        {"people": people, "departments": _departments(), "invalid": invalid},
        status=status,
    )


@router.get("/signin", response_model=None)
def signin_page(request: Request, _: PublicPageDep, runtime: RuntimeDep) -> Response:
    """The roles one may sign in as (development only); the OIDC provider's sign-in otherwise."""
    if runtime.settings.oidc_issuer is not None:
        # An external issuer: people sign in there (api/identity/oidc_pages.py), keeping `next`.
        wanted = request.query_params.get("next")
        query = "?" + urlencode({"next": wanted}) if wanted else ""
        return see_other(request, "/signin/oidc" + query)
    if not dev_signin_allowed(request, runtime):
        return render(request, "error.html", {"message_key": "signin.disabled"}, status=404)
    return _form(request)


@router.post("/signin", response_model=None)
def signin(
    request: Request,
    _: PublicPageDep,
    _csrf: CsrfDep,
    runtime: RuntimeDep,
    keys: IssuerKeysDep,
    role: Annotated[str, Form()] = "",
    person: Annotated[str, Form()] = "",
    department: Annotated[str, Form()] = "",
) -> Response:
    """Mint a short-lived token for the chosen role and keep it in a new session."""
    if keys is None or not dev_signin_allowed(request, runtime):
        return render(request, "error.html", {"message_key": "signin.disabled"}, status=404)
    settings = runtime.settings
    code: str | None = None
    label = ""
    dept: str | None = None
    if role == "citizen":
        people = _people()
        if not person.isdigit() or not 0 <= int(person) < len(people):
            return _form(request, status=422, invalid=True)
        chosen = people[int(person)]
        # The header shows the masked name alone: a position in the demo list is no name.
        code, label = chosen.code, mask_name(chosen.name)
    elif role in DEPARTMENT_ROLES:
        if department not in _departments():
            return _form(request, status=422, invalid=True)
        dept = label = department
    elif role == "auditor":
        label = ""
    else:
        return _form(request, status=422, invalid=True)
    try:
        claims = dev_token_claims(
            role=role,
            code=code,
            department=dept,
            agency=None,
            supervisor=False,
            code_claim=settings.citizen_code_claim,
        )
    except InvalidInput:
        return _form(request, status=422, invalid=True)
    now = clock.now()
    ttl = timedelta(seconds=settings.access_token_ttl_seconds)
    token = mint_access_token(
        keys=keys,
        issuer=settings.embedded_issuer_id,
        audience=settings.token_audience,
        subject=f"dev-web:{role}",
        claims=claims,
        ttl=ttl,
        now=now,
        client_id="credence-dev-web",
    )
    state = web_state(request)
    state.sessions.drop(request.cookies.get(SID_COOKIE))
    sid = new_sid()
    state.sessions.put(sid, WebSession(token=token, role=role, label=label, expires_at=now + ttl))
    response = see_other(request, LANDING[role])
    set_sid_cookie(request, response, sid)
    return response


@router.post("/signout", response_model=None)
def signout(request: Request, _: PublicPageDep, _csrf: CsrfDep) -> Response:
    """Forget the session and start a fresh anonymous one."""
    web_state(request).sessions.drop(request.cookies.get(SID_COOKIE))
    response = see_other(request, "/")
    set_sid_cookie(request, response, new_sid())
    return response
