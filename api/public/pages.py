"""Public pages (§9): home, masked red/black lists, exit announcements, lookup, checkpoint.

Invariants: only masked data is rendered (the same services as the public API); the
lookup is a POST form (code and name never reach a URL, and neither is written back into
the page), rate-limited like the API; a code that fails its rules (check character
included) is refused 422 in the page language, never answered "not found".
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api.deps import ContextDep, ReadContextDep
from api.pages.common import CsrfDep, PublicPageDep
from api.pages.i18n import translate
from api.pages.refusals import not_found_page, refusal_message
from api.pages.render import page_lang, render
from api.public.lookup_limit import limit_lookups
from core.directory import service as directory
from core.errors import InvalidInput
from core.public import service
from core.public.schemas import PAGE_DEFAULT, LookupRequest
from core.vocabulary import DOMAINS

router = APIRouter(include_in_schema=False)


Cursor = Annotated[str | None, Query(min_length=1, max_length=256)]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, _: PublicPageDep) -> HTMLResponse:
    """The home page."""
    return render(request, "home.html")


@router.get("/lists/{list_kind}", response_class=HTMLResponse)
def public_list(
    list_kind: Literal["red", "black"],
    request: Request,
    _: PublicPageDep,
    ctx: ContextDep,
    cursor: Cursor = None,
    domain: Annotated[str | None, Query(max_length=32)] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """A masked public list, newest decision first, filtered by domain and department."""
    chosen = {"domain": (domain or "").strip(), "department": (department or "").strip()}
    # The registered departments, by name in the page language (the value sent is the id).
    lang = page_lang(request)
    departments = sorted(
        ((o.slug, o.name(lang)) for o in directory.listing(ctx, kind="department")),
        key=lambda pair: pair[1],
    )
    if chosen["department"] and chosen["department"] not in {s for s, _ in departments}:
        departments.append((chosen["department"], chosen["department"]))
    context = {"kind": list_kind, "chosen": chosen, "domains": DOMAINS, "departments": departments}
    if chosen["domain"] and chosen["domain"] not in DOMAINS:
        return render(request, "list.html", {**context, "invalid": True}, status=422)
    try:
        page = service.public_list(
            ctx,
            list_kind=list_kind,
            limit=PAGE_DEFAULT,
            cursor=cursor,
            domain=chosen["domain"] or None,
            department=chosen["department"] or None,
        )
    except InvalidInput:
        return not_found_page(request)
    filters = {k: v for k, v in chosen.items() if v}
    return render(
        request,
        "list.html",
        {
            **context,
            "page": page,
            "paged": cursor is not None,
            "first_query": urlencode(filters),
            "next_query": None
            if page.next_cursor is None
            else urlencode({**filters, "cursor": page.next_cursor}),
        },
    )


@router.get("/announcements", response_class=HTMLResponse)
def announcements(
    request: Request,
    _: PublicPageDep,
    ctx: ContextDep,
    cursor: Cursor = None,
) -> HTMLResponse:
    """Exit announcements, newest first."""
    try:
        page = service.announcements(ctx, limit=PAGE_DEFAULT, cursor=cursor)
    except InvalidInput:
        return not_found_page(request)
    return render(request, "announcements.html", {"page": page, "paged": cursor is not None})


@router.get("/lookup", response_class=HTMLResponse)
def lookup_form(request: Request, _: PublicPageDep) -> HTMLResponse:
    """The masked lookup form."""
    return render(request, "lookup.html")


@router.post("/lookup", response_class=HTMLResponse, dependencies=[Depends(limit_lookups)])
def lookup(
    request: Request,
    _: PublicPageDep,
    _csrf: CsrfDep,
    ctx: ReadContextDep,
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Full code and full name → the masked answer (never echoing either back)."""
    try:
        payload = LookupRequest(code=code, name=name)
    except ValidationError:
        return render(request, "lookup.html", {"error": _invalid_message(request)}, status=422)
    try:
        answer = service.checked_lookup(ctx, code=payload.code, name=payload.name)
    except InvalidInput as exc:
        error = refusal_message(exc, page_lang(request))
        return render(request, "lookup.html", {"error": error, "code_invalid": True}, status=422)
    return render(request, "lookup.html", {"answer": answer})


def _invalid_message(request: Request) -> str:
    """The lookup form's message for a missing or overlong number or name."""
    return translate("lookup.invalid", page_lang(request))
