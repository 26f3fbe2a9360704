"""Public routes (§9, §10): masked lists, exit announcements, the masked lookup.

Lists and announcements are cacheable (a strong ETag over the body, `If-None-Match` → 304);
lookup answers are never cached, are rate-limited per client address, and are padded to
one fixed length so a hit, a miss and an invalid code look the same on the wire.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from api.deps import ContextDep, ReadContextDep
from api.policy import public
from api.public.lookup_limit import limit_lookups
from core.public import service
from core.public.schemas import (
    LOOKUP_BODY_BYTES,
    PAGE_DEFAULT,
    PAGE_MAX,
    AnnouncementPage,
    LookupAnswer,
    LookupRequest,
    PublicKind,
    PublicListPage,
)
from core.vocabulary import Domain

router = APIRouter(prefix="/public", tags=["public"], dependencies=[Depends(public)])


JSON: Final = "application/json"


# Caches may keep a copy but must revalidate it (a cheap 304 by ETag) before every use:
# a repaired or erroneous entry leaves the public lists at once (§8), not after a max-age.
LIST_CACHE: Final = "public, no-cache"


CURSOR_MAX: Final = 256


Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description="Items per page (1-100).")]


Cursor = Annotated[
    str | None, Query(min_length=1, max_length=CURSOR_MAX, description="next_cursor of a page.")
]


def _etag(body: bytes) -> str:
    digest = hashlib.sha256(body).digest()
    return '"' + base64.urlsafe_b64encode(digest).rstrip(b"=").decode() + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison against each listed tag, or `*`."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return any(t == "*" or t.removeprefix("W/") == etag for t in tags)


def _cacheable(request: Request, model: BaseModel) -> Response:
    """The model as JSON with a strong ETag, or 304 if the client holds that version."""
    body = model.model_dump_json().encode()
    etag = _etag(body)
    headers = {"ETag": etag, "Cache-Control": LIST_CACHE}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JSON, headers=headers)


def _padded(answer: LookupAnswer) -> Response:
    """The answer padded with trailing JSON whitespace to exactly `LOOKUP_BODY_BYTES`."""
    body = answer.model_dump_json().encode()
    kept = len(answer.entries)
    while len(body) > LOOKUP_BODY_BYTES and kept > 0:
        # Unreachable with the schema's bounds (a test proves it); never send another size.
        kept -= 1
        fewer = answer.model_copy(update={"entries": answer.entries[:kept]})
        body = fewer.model_dump_json().encode()
    return Response(
        body + b" " * (LOOKUP_BODY_BYTES - len(body)),
        media_type=JSON,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/lists/{list_kind}", response_model=PublicListPage)
def public_list(
    list_kind: PublicKind,
    request: Request,
    ctx: ContextDep,
    limit: Limit = PAGE_DEFAULT,
    cursor: Cursor = None,
    domain: Domain | None = None,
    department: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> Response:
    """Red or black entries displayed now, masked, newest decision first; cursor-paged."""
    page = service.public_list(
        ctx, list_kind=list_kind, limit=limit, cursor=cursor, domain=domain, department=department
    )
    return _cacheable(request, page)


@router.get("/announcements", response_model=AnnouncementPage)
def announcements(
    request: Request,
    ctx: ContextDep,
    limit: Limit = PAGE_DEFAULT,
    cursor: Cursor = None,
) -> Response:
    """Exits from the public lists, newest first; an erroneous listing only as such."""
    page = service.announcements(ctx, limit=limit, cursor=cursor)
    return _cacheable(request, page)


@router.post(
    "/lookup",
    response_model=LookupAnswer,
    dependencies=[Depends(limit_lookups)],
    responses={429: {"description": "Too many lookups from this address (see Retry-After)."}},
)
def lookup(payload: LookupRequest, ctx: ReadContextDep) -> Response:
    """Full code and full name → whether a displayed public entry matches (masked view).

    Every answer has the same shape and length (padded with trailing whitespace) and
    takes the same work, whether it matches, misses or the code is invalid; at most
    `LOOKUP_MAX_ENTRIES` entries are returned.
    """
    answer = service.lookup(ctx, code=payload.code, name=payload.name)
    return _padded(answer)
