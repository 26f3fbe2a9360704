"""Auditor routes: the registry of lookups with filters and flags, and proofs over it (§6)."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from api.deps import SessionDep
from api.params import DbIntQuery, LogIndexPath, TreeSizeQuery
from api.policy import AuditorDep
from core import paging
from core.audit import service as audit
from core.clock import clock
from core.paging import Page
from core.queries.schemas import AuditedQuery, AuditSearch, FlagCreate, QueryFlagView
from core.querylog import proofs

router = APIRouter(prefix="/audit", tags=["auditor"])


class Proof(BaseModel):
    """A Merkle proof: base64 hashes, for the sizes named."""

    size1: int
    size2: int
    proof: list[str]


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode("ascii") for h in hashes]


@router.get("/proofs/inclusion/{index}", response_model=Proof)
def inclusion_proof(
    index: LogIndexPath, size: TreeSizeQuery, principal: AuditorDep, session: SessionDep
) -> Proof:
    """Inclusion proof of leaf `index` in the tree of `size` leaves."""
    return Proof(
        size1=index,
        size2=size,
        proof=_b64(proofs.inclusion(session=session, index=index, size=size)),
    )


@router.get("/proofs/consistency", response_model=Proof)
def consistency_proof(
    principal: AuditorDep,
    session: SessionDep,
    first: DbIntQuery,
    second: DbIntQuery,
) -> Proof:
    """Consistency proof between two tree sizes."""
    return Proof(
        size1=first,
        size2=second,
        proof=_b64(proofs.consistency(session=session, size1=first, size2=second)),
    )


@router.get("/queries", response_model=Page[AuditedQuery])
def queries(
    principal: AuditorDep,
    session: SessionDep,
    search: Annotated[AuditSearch, Query()],
) -> Page[AuditedQuery]:
    """The query log newest first, sealed queries included, filtered, with flags."""

    def fetch(before: int | None, count: int) -> list[AuditedQuery]:
        return audit.search_queries(session=session, filters=search.at(before, count))

    return paging.by_index(
        fetch,
        index_of=lambda q: q.log_index,
        scope="audit-queries",
        cursor=search.cursor,
        limit=search.limit,
    )


@router.post(
    "/queries/{index}/flags",
    response_model=QueryFlagView,
    status_code=status.HTTP_201_CREATED,
)
def flag(
    index: LogIndexPath, payload: FlagCreate, principal: AuditorDep, session: SessionDep
) -> QueryFlagView:
    """Flag one query for review, with a reason from the catalogue."""
    view = audit.flag_query(
        session=session,
        index=index,
        reason=payload.reason,
        auditor=f"auditor:{principal.subject}",
        now=clock.now(),
    )
    session.commit()
    return view
