"""The query log as a C2SP tlog-tiles log (§6, §12): checkpoint, hash tiles, proofs, history.

Everything is under `/api/v1/public/log/`, for anyone, and reads only. Full tiles never
change and are cached for a year; partial tiles, the checkpoint and the history are not.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import PlainTextResponse

from api.deps import ReadSessionDep
from api.params import CursorQuery, LimitQuery
from api.policy import public
from core.bounds import DB_INT_MAX
from core.errors import NotFound
from core.paging import Page
from core.querylog import checkpoints, tiles
from core.querylog.schemas import ConsistencyProof, PublishedCheckpoint

router = APIRouter(prefix="/public/log", tags=["public"], dependencies=[Depends(public)])

IMMUTABLE = "public, max-age=31536000, immutable"
# A partial tile's bytes never change either, but it is dropped from use once the full tile
# exists; a short life keeps mirrors from holding it past that.
SHORT = "public, max-age=60"
NO_CACHE = "no-cache"
TILE_TYPE = "application/octet-stream"


@router.get("/checkpoint", response_class=PlainTextResponse)
def checkpoint(session: ReadSessionDep) -> PlainTextResponse:
    """The latest signed checkpoint (C2SP tlog-checkpoint signed note), `<prefix>/checkpoint`."""
    note = checkpoints.latest_checkpoint_note(session=session)
    return PlainTextResponse(
        note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": NO_CACHE}
    )


@router.get(
    "/tile/entries/{path:path}",
    responses={404: {"description": "Entry bundles are not published (see the API guide)."}},
)
def entry_bundle(path: str) -> Response:
    """Entry bundles are withheld: leaf bodies name the entries an agency received."""
    raise NotFound(
        "this log publishes its hashes only: leaf bodies name the entries an agency "
        "received, which other agencies could link to a person"
    )


@router.get(
    "/tile/{path:path}",
    response_class=Response,
    responses={200: {"content": {TILE_TYPE: {}}, "description": "The tile's hashes."}},
)
def hash_tile(path: str, session: ReadSessionDep) -> Response:
    """A hash tile `tile/<L>/<N>[.p/<W>]` of the latest signed tree."""
    ref = tiles.parse_tile(path)
    data = tiles.hash_tile(session=session, ref=ref)
    cache = IMMUTABLE if ref.full else SHORT
    return Response(data, media_type=TILE_TYPE, headers={"Cache-Control": cache})


@router.get("/proof/consistency", response_model=ConsistencyProof)
def consistency(
    session: ReadSessionDep,
    response: Response,
    first: Annotated[int, Query(alias="from", ge=0, le=DB_INT_MAX)],
    second: Annotated[int, Query(alias="to", ge=0, le=DB_INT_MAX)],
) -> ConsistencyProof:
    """The RFC 9162 consistency proof between two sizes within the latest signed checkpoint."""
    proof = tiles.consistency(session=session, first=first, second=second)
    response.headers["Cache-Control"] = IMMUTABLE
    return proof


@router.get("/checkpoints", response_model=Page[PublishedCheckpoint])
def checkpoint_history(
    session: ReadSessionDep,
    response: Response,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> Page[PublishedCheckpoint]:
    """Every stored signed checkpoint, smallest first, a page at a time."""
    page = tiles.checkpoint_history(session=session, cursor=cursor, limit=limit)
    response.headers["Cache-Control"] = NO_CACHE
    return page
