"""Agency route: one authorized, logged query of one subject (§6)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api.deps import ContextDep, RuntimeDep, SessionDep, read_context
from api.params import CursorQuery, LimitQuery
from api.policy import AgencyDep, CitizenDep, authenticate
from api.state import app_state
from core.clock import clock
from core.errors import DatabaseBusy, DomainError, Forbidden
from core.paging import PAGE_DEFAULT, Page
from core.queries.idempotency import KEY_MAX, KEY_PATTERN, Claim
from core.queries.notice_schemas import AgencyNotification, Notification
from core.queries.notices import agency_notifications, citizen_notification_page
from core.queries.recording import Logged, LogItem, PreparedQuery, Refusal
from core.queries.schemas import QueryAnswer, QueryHistoryItem, QueryRequest
from core.queries.service import (
    history_page,
    prepare_query,
    prepare_refusal,
    remembered_answer,
)
from core.runtime import Runtime
from crypto.log_signer import LogSigner


def _rule_of(exc: RequestValidationError) -> str:
    """Which rule refused a malformed query: the subject code's, or the request's shape."""
    if any(tuple(e.get("loc", ()))[:2] == ("body", "subject_code") for e in exc.errors()):
        return "invalid_subject_code"
    return "invalid_request"


async def _log_malformed(request: Request, rule: str) -> dict[str, object] | None:
    """Log a query refused by validation (it reached no session); its index and receipt."""
    # The route's policy already admitted an agency: its token is cached and cheap to re-read.
    principal = authenticate(request)
    if principal.agency is None:
        return None
    refusal = Refusal(agency=principal.agency, rule=rule, now=clock.now())
    logged = await _logged(request, refusal)
    return {"log_index": logged.index, "receipt": logged.receipt}


async def _logged(request: Request, item: LogItem) -> Logged:
    """Hand one item to the process's log sequencer and wait for its batch to commit."""
    return await asyncio.wrap_future(app_state(request).query_log.submit(item))


class MalformedQuery(RequestValidationError):
    """A query refused by validation: logged once its request's session has closed."""

    def __init__(self, refused: RequestValidationError) -> None:
        super().__init__(refused.errors())
        self.rule = _rule_of(refused)


class _LogsMalformedQueries(APIRoute):
    """Every query is logged (§6), also one whose body is refused before the route runs."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The usual handler; a validation refusal is marked to be logged by its handler."""
        handler = super().get_route_handler()

        async def marked(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                # Not logged here: the request's own session still holds the write lock.
                raise MalformedQuery(exc) from None

        return marked


async def _malformed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MalformedQuery)  # noqa: S101 - registered for this type only
    logged = await _log_malformed(request, exc.rule)
    answer: Callable[[Request, Exception], Awaitable[Response]]
    answer = request.app.exception_handlers[RequestValidationError]
    response = await answer(request, exc)
    if logged is None or not isinstance(response, JSONResponse):
        return response
    # The refusal's receipt joins the usual validation problem.
    body = {**json.loads(bytes(response.body)), **logged}
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return JSONResponse(body, status_code=response.status_code, headers=headers)


def install(app: FastAPI) -> None:
    """Log malformed queries before they get the usual validation problem."""
    app.add_exception_handler(MalformedQuery, _malformed)


router = APIRouter(tags=["agency"], route_class=_LogsMalformedQueries)


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        max_length=KEY_MAX,
        description="A key of the agency's choosing (e.g. a UUID), printable ASCII, at most "
        "255 characters. A retry with the same key and the same body gets the same answer "
        "(same log index and receipt) and spends no further use of the authorization; the "
        "same key with another body is a 409. Kept for 24 hours, as keyed hashes only.",
        examples=["5f0c2a4e-8d1b-4c7e-9a3f-2b6d8e1f0a94"],
    ),
]


@router.post("/queries", response_model=QueryAnswer)
async def query(
    payload: QueryRequest,
    principal: AgencyDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> QueryAnswer:
    """Answer with the displayed entries in scope, and a receipt proving the query was logged."""
    if principal.agency is None:
        raise Forbidden("the token names no agency")
    agency, now = principal.agency, clock.now()
    state = app_state(request)
    runtime = state.runtime
    claim = None
    if idempotency_key is not None:
        # A retry is answered from the log; it is not a new query and spends nothing.
        claim, again = await run_in_threadpool(
            _remembered, runtime, state.log_signer, agency, payload, idempotency_key
        )
        if again is not None:
            return again
    try:
        # Read, authorize and decrypt on a snapshot, in one thread-pool hop; the log
        # sequencer then writes it with others' in one transaction.
        item: LogItem = await run_in_threadpool(_prepare, runtime, agency, payload, now, claim)
    except DomainError as exc:
        if isinstance(exc, DatabaseBusy):
            raise  # not a refusal: nothing could be read, so nothing can be logged either
        # Refused before anything was written: the refusal is logged (read again apart).
        item = await run_in_threadpool(_prepare_refusal, runtime, agency, payload, now, exc)
    logged = await _logged(request, item)
    if logged.error is not None:
        # A refusal is on the record too: the agency gets its receipt with the problem.
        error = logged.error
        error.extra = {**(error.extra or {}), "log_index": logged.index, "receipt": logged.receipt}
        raise error
    return cast(QueryAnswer, logged.answer)


def _remembered(
    runtime: Runtime, signer: LogSigner, agency: str, payload: QueryRequest, key: str
) -> tuple[Claim, QueryAnswer | None]:
    with read_context(runtime) as ctx:
        return remembered_answer(ctx, signer=signer, agency=agency, payload=payload, key=key)


def _prepare(
    runtime: Runtime, agency: str, payload: QueryRequest, now: datetime, claim: Claim | None
) -> PreparedQuery:
    # The read session is opened and closed in this thread: no dependency of its own.
    with read_context(runtime) as ctx:
        return prepare_query(ctx, agency=agency, payload=payload, now=now, claim=claim)


def _prepare_refusal(
    runtime: Runtime, agency: str, payload: QueryRequest, now: datetime, error: DomainError
) -> Refusal:
    rule = error.rule or error.type_slug
    with read_context(runtime) as ctx:
        return prepare_refusal(ctx, agency=agency, payload=payload, rule=rule, now=now, error=error)


me_router = APIRouter(prefix="/me", tags=["citizen"])


@me_router.get("/queries", response_model=Page[QueryHistoryItem])
def my_queries(
    principal: CitizenDep,
    ctx: ContextDep,
    runtime: RuntimeDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = PAGE_DEFAULT,
) -> Page[QueryHistoryItem]:
    """Every query of the caller's record (sealed ones once lifted), each with its receipt,
    its leaf, and the secret and private fields that bind the leaf to the caller."""
    return history_page(
        ctx,
        code_index=principal.own_code_index(),
        cursor=cursor,
        limit=limit,
        witnesses=runtime.witnesses,
    )


@me_router.get("/notifications", response_model=Page[Notification])
def my_notifications(
    principal: CitizenDep,
    ctx: ContextDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = PAGE_DEFAULT,
) -> Page[Notification]:
    """The caller's outbox: every query of their record and every event of their entries."""
    return citizen_notification_page(
        ctx,
        code_index=principal.own_code_index(),
        now=clock.now(),
        cursor=cursor,
        limit=limit,
    )


agency_router = APIRouter(prefix="/agency", tags=["agency"])


@agency_router.get("/notifications", response_model=Page[AgencyNotification])
def notifications(
    principal: AgencyDep,
    session: SessionDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = PAGE_DEFAULT,
) -> Page[AgencyNotification]:
    """Entries this agency received that were since corrected, withdrawn or erased."""
    if principal.agency is None:
        raise Forbidden("the token names no agency")
    return agency_notifications(
        session=session, agency=principal.agency, cursor=cursor, limit=limit
    )
