"""Agency route: one authorized, logged query of one subject (§6)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import ReadSessionDep, RuntimeDep, SessionDep
from api.policy import AgencyDep
from core.clock import clock
from core.errors import DomainError, Forbidden
from core.schemas.queries import QueryAnswer, QueryRequest
from core.services.queries import log_refusal, prepare_query, record_query

router = APIRouter(tags=["agency"])


@router.post("/queries", response_model=QueryAnswer)
def query(
    payload: QueryRequest,
    principal: AgencyDep,
    session: SessionDep,
    reads: ReadSessionDep,
    runtime: RuntimeDep,
    request: Request,
) -> QueryAnswer:
    """Answer with the displayed entries in scope, and a receipt proving the query was logged."""
    if principal.agency is None:
        raise Forbidden("the token names no agency")
    # The keyring from the runtime already resolved for the session: one thread-pool hop
    # fewer than a `KeyringDep` of its own (every sync dependency is one on the hot path).
    keyring = runtime.keyring
    now = clock.now()
    signer = request.app.state.log_signer
    rules, cadence = runtime.audit_rules, runtime.cadence
    try:
        # Read and decrypt on a snapshot; only logging the answer takes the write lock.
        prepared = prepare_query(
            session=reads, keyring=keyring, agency=principal.agency, payload=payload, now=now
        )
        reads.rollback()
        answer = record_query(
            session=session, signer=signer, prepared=prepared, rules=rules, cadence=cadence
        )
        session.commit()
    except DomainError as exc:
        # The refusal is logged in its own transaction, so rolling back the query keeps it.
        reads.rollback()
        session.rollback()
        log_refusal(
            session=session,
            keyring=keyring,
            signer=signer,
            agency=principal.agency,
            payload=payload,
            rule=exc.rule or exc.type_slug,
            now=now,
            rules=rules,
            cadence=cadence,
        )
        session.commit()
        raise
    return answer
