"""Citizen pages for authorizations (grant, send to the agency, revoke) and the freeze.

Invariants:
- every page goes through the same services as `/api/v1/me/...` (consents),
  scoped by the blind index of the signed-in citizen's verified code;
- the grant form offers the registered agencies only (a list to pick from, never an id
  to type); a grant's short code is shown once, on the page that answers the grant, and
  is never put in a URL, a log or any later page;
- revoking and freezing ask first (`api.pages.confirm`): the form's first post changes
  nothing and answers what will happen; only the confirmed post acts;
- every POST carries the session's CSRF token and commits only on success: a refusal
  rolls the request back, so bad input changes nothing;
- a domain refusal is shown on the page it came from, with the status the API gives it
  (422, 404, 409, 403…) and its catalogued message by rule, never a traceback, and never
  anything the citizen typed except in the form's own fields;
- URLs hold authorization ids only (and a fixed word saying what was done).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import ContextDep
from api.pages import times
from api.pages.common import CitizenPageDep, CsrfDep, back_to, parse_id, see_other
from api.pages.confirm import Confirmation, confirm_page, confirmed
from api.pages.i18n import translate
from api.pages.refusals import invalid_fields, not_found_page, refusal_message, refusal_status
from api.pages.render import page_lang, render
from core.clock import CST, clock
from core.consents import service as consents
from core.consents.schemas import MAX_USES, AuthorizationCreate, AuthorizationView
from core.context import Context
from core.directory import service as directory
from core.entries.subjects import subject_by_index
from core.errors import DomainError, NotFound
from core.identity.principal import Principal
from core.queries.catalogues import PURPOSES
from core.vocabulary import DOMAINS, LIST_KINDS

router = APIRouter(prefix="/me", include_in_schema=False)


# What a redirect after a successful POST may say was done (a fixed word, never data).
DONE: Final = ("granted", "revoked", "delivered", "frozen", "unfrozen")
# Refusals that are about one field of the grant form, so the page marks that field.
FIELD_OF_RULE: Final = {"agency_unknown": "agency", "unknown_purpose": "purpose"}

_AUTHORIZATIONS = "me/authorizations.html"
_GRANTED = "me/granted.html"
_HOME = "/me/authorizations"


@dataclass
class GrantForm:
    """The grant form's fields as typed, to show them again after a refusal."""

    agency: str = ""
    purpose: str = ""
    list_kinds: list[str] = field(default_factory=lambda: ["black", "red"])
    domains: list[str] = field(default_factory=list)
    starts_on: str = ""
    expires_on: str = ""
    max_uses: str = "1"


def _purposes(lang: str) -> list[tuple[str, str]]:
    return [(code, p.label_en if lang == "en" else p.label_zh) for code, p in PURPOSES.items()]


def _agencies(ctx: Context, lang: str) -> list[tuple[str, str]]:
    """The registered agencies a citizen may pick, by their name in the page language."""
    found = [(a.slug, a.name(lang)) for a in directory.agencies(ctx)]
    return sorted(found, key=lambda pair: pair[1])


def _authorizations_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    *,
    form: GrantForm | None = None,
    error: str | None = None,
    error_fields: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    index = principal.own_code_index()
    lang = page_lang(request)
    views = consents.list_authorizations(ctx, code_index=index, now=clock.now())
    today = clock.today()
    done = request.query_params.get("done")
    return render(
        request,
        _AUTHORIZATIONS,
        {
            "rows": views,
            "in_force": consents.IN_FORCE,
            "frozen": _frozen(ctx, index),
            "form": form or GrantForm(expires_on=(today + timedelta(days=30)).isoformat()),
            "agencies": _agencies(ctx, lang),
            "purposes": _purposes(lang),
            "list_kinds": LIST_KINDS,
            "domains": DOMAINS,
            "max_uses": MAX_USES,
            "today": today.isoformat(),
            "error": error,
            "error_fields": error_fields or [],
            "done": done if done in DONE else None,
        },
        status=status,
    )


def _frozen(ctx: Context, code_index: bytes) -> bool:
    subject = subject_by_index(session=ctx.session, code_index=code_index)
    return subject is not None and consents.is_frozen(session=ctx.session, subject_id=subject.id)


def _refused(
    request: Request,
    ctx: Context,
    principal: Principal,
    exc: DomainError,
    form: GrantForm | None = None,
) -> HTMLResponse:
    """The authorizations page saying why an action was refused, with the API's status."""
    marked = FIELD_OF_RULE.get(exc.rule or "")
    return _authorizations_page(
        request,
        ctx,
        principal,
        form=form,
        error=refusal_message(exc, page_lang(request)),
        error_fields=[marked] if marked and form is not None else None,
        status=refusal_status(exc),
    )


@router.get("/authorizations", response_class=HTMLResponse)
def authorizations(request: Request, principal: CitizenPageDep, ctx: ContextDep) -> HTMLResponse:
    """My authorizations with their state, the grant form, and the freeze."""
    return _authorizations_page(request, ctx, principal)


def _day_start(value: str) -> datetime | str:
    """The first instant of a day in China Standard Time (the raw text if it is no date)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return datetime.combine(day, time(0), tzinfo=CST)


def _grant_payload(form: GrantForm) -> AuthorizationCreate:
    """The API's grant schema from the form: a start today means now; an expiry day is kept."""
    starts: datetime | str | None = None
    if form.starts_on and form.starts_on != clock.today().isoformat():
        starts = _day_start(form.starts_on)
    expires = _day_start(form.expires_on)
    if isinstance(expires, datetime):
        expires += timedelta(days=1)  # valid until the end of the chosen day
    data: dict[str, Any] = {
        "agency": form.agency.strip(),
        "purpose": form.purpose,
        "list_kinds": form.list_kinds,
        "domains": form.domains,
        "starts_at": starts,
        "expires_at": expires or None,
        "max_uses": form.max_uses.strip(),
    }
    return AuthorizationCreate.model_validate(data)


@router.post("/authorizations", response_model=None)
def grant(
    request: Request,
    principal: CitizenPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    agency: Annotated[str, Form()] = "",
    purpose: Annotated[str, Form()] = "",
    list_kinds: Annotated[list[str] | None, Form()] = None,
    domains: Annotated[list[str] | None, Form()] = None,
    starts_on: Annotated[str, Form()] = "",
    expires_on: Annotated[str, Form()] = "",
    max_uses: Annotated[str, Form()] = "",
) -> Response:
    """Grant a registered agency an authorization; the answer shows its code, this once."""
    form = GrantForm(
        agency=agency,
        purpose=purpose,
        list_kinds=list_kinds or [],
        domains=domains or [],
        starts_on=starts_on,
        expires_on=expires_on,
        max_uses=max_uses,
    )
    lang = page_lang(request)
    try:
        payload = _grant_payload(form)
    except ValidationError as exc:
        fields = invalid_fields(exc)
        window = "" in fields
        return _authorizations_page(
            request,
            ctx,
            principal,
            form=form,
            error=translate("me_authz.err.window" if window else "me_authz.err.fields", lang),
            error_fields=[f for f in fields if f],
            status=422,
        )
    try:
        made = consents.grant(ctx, code_index=principal.own_code_index(), payload=payload)
    except DomainError as exc:
        ctx.session.rollback()
        return _refused(request, ctx, principal, exc, form)
    ctx.session.commit()
    # Answered here, not after a redirect: the code is shown once and never put in a URL.
    return render(
        request,
        _GRANTED,
        {"grant": made, "code": made.authorization_code, "in_force": consents.IN_FORCE},
    )


def _mine(ctx: Context, principal: Principal, authorization_id: uuid.UUID) -> AuthorizationView:
    """One of my authorizations as listed now; another's does not exist."""
    views = consents.list_authorizations(ctx, code_index=principal.own_code_index())
    found = next((v for v in views if v.id == authorization_id), None)
    if found is None:
        raise NotFound(consents.NO_SUCH_AUTHORIZATION)
    return found


def _details(ctx: Context, view: AuthorizationView, lang: str) -> tuple[tuple[str, str], ...]:
    """What a confirmation says of the grant it is about, in the page language."""
    return (
        ("me_authz.col.agency", directory.names(ctx).of(view.agency, lang)),
        ("me_authz.col.purpose", translate(f"purpose.{view.purpose}", lang)),
        ("me_authz.col.ends", times.ends(view.expires_at, lang)),
    )


@router.post("/authorizations/{authorization_id}/revoke", response_model=None)
def revoke(
    authorization_id: str,
    request: Request,
    principal: CitizenPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Revoke one of my authorizations at once, once I confirmed it."""
    found = parse_id(authorization_id)
    if found is None:
        return not_found_page(request)
    try:
        view = _mine(ctx, principal, found)
        if view.state != "revoked" and not confirmed(confirm):
            return confirm_page(
                request,
                Confirmation(
                    action=f"/me/authorizations/{found}/revoke",
                    back=_HOME,
                    title_key="me_authz.confirm_revoke.title",
                    what_key="me_authz.confirm_revoke.what",
                    button_key="me_authz.confirm_revoke.button",
                    details=_details(ctx, view, page_lang(request)),
                ),
            )
        consents.revoke(ctx, code_index=principal.own_code_index(), authorization_id=found)
    except NotFound:
        ctx.session.rollback()
        return not_found_page(request)
    except DomainError as exc:
        ctx.session.rollback()
        return _refused(request, ctx, principal, exc)
    ctx.session.commit()
    return see_other(request, f"{_HOME}?done=revoked")


@router.post("/authorizations/{authorization_id}/deliver", response_model=None)
def deliver(
    authorization_id: str,
    request: Request,
    principal: CitizenPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
) -> Response:
    """Send one of my grants in force to its agency's inbox."""
    found = parse_id(authorization_id)
    if found is None:
        return not_found_page(request)
    try:
        consents.deliver(ctx, code_index=principal.own_code_index(), authorization_id=found)
    except NotFound:
        ctx.session.rollback()
        return not_found_page(request)
    except DomainError as exc:
        ctx.session.rollback()
        return _refused(request, ctx, principal, exc)
    ctx.session.commit()
    return see_other(request, f"{_HOME}?done=delivered")


def _set_freeze(request: Request, principal: Principal, ctx: Context, *, frozen: bool) -> Response:
    action = consents.freeze if frozen else consents.unfreeze
    try:
        action(session=ctx.session, code_index=principal.own_code_index(), now=clock.now())
    except DomainError as exc:
        ctx.session.rollback()
        return _refused(request, ctx, principal, exc)
    ctx.session.commit()
    return see_other(request, f"{_HOME}?done={'frozen' if frozen else 'unfrozen'}")


@router.get("/freeze", response_model=None)
def freeze_target(request: Request, _: CitizenPageDep) -> Response:
    """The freeze form's target opened directly: the authorizations page."""
    return back_to(request, _HOME)


@router.get("/unfreeze", response_model=None)
def unfreeze_target(request: Request, _: CitizenPageDep) -> Response:
    """The unfreeze form's target opened directly: the authorizations page."""
    return back_to(request, _HOME)


@router.get("/authorizations/{authorization_id}/revoke", response_model=None)
def revoke_target(authorization_id: str, request: Request, _: CitizenPageDep) -> Response:
    """A revoke form's target opened directly: the authorizations page."""
    return back_to(request, _HOME)


@router.get("/authorizations/{authorization_id}/deliver", response_model=None)
def deliver_target(authorization_id: str, request: Request, _: CitizenPageDep) -> Response:
    """A send form's target opened directly: the authorizations page."""
    return back_to(request, _HOME)


@router.post("/freeze", response_model=None)
def freeze(
    request: Request,
    principal: CitizenPageDep,
    _csrf: CsrfDep,
    ctx: ContextDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Freeze my record, once I confirmed it: authorization-based queries are then refused."""
    index = principal.own_code_index()
    # Nothing to confirm when it could not happen: no record, or frozen already (refused).
    on_record = subject_by_index(session=ctx.session, code_index=index) is not None
    if on_record and not confirmed(confirm) and not _frozen(ctx, index):
        return confirm_page(
            request,
            Confirmation(
                action="/me/freeze",
                back=_HOME,
                title_key="me_freeze.confirm.title",
                what_key="me_freeze.confirm.what",
                button_key="me_freeze.confirm.button",
            ),
        )
    return _set_freeze(request, principal, ctx, frozen=True)


@router.post("/unfreeze", response_model=None)
def unfreeze(
    request: Request, principal: CitizenPageDep, _csrf: CsrfDep, ctx: ContextDep
) -> Response:
    """Lift the freeze of my record."""
    return _set_freeze(request, principal, ctx, frozen=False)
