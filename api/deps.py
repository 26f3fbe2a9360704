"""Annotated dependency aliases: the process state, a session per request, the request context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from api.http import RequestContext, request_context
from api.state import app_state
from core.identity.issuer_keys import IssuerKeys
from core.runtime import Runtime
from crypto.log_signer import LogSigner


def get_runtime(request: Request) -> Runtime:
    """The process runtime the app started with."""
    return app_state(request).runtime


# Async: nothing here blocks, and a sync dependency costs a thread-pool hop.
async def get_log_signer(request: Request) -> LogSigner:
    """The process's query-log signer."""
    return app_state(request).log_signer


async def get_issuer_keys(request: Request) -> IssuerKeys | None:
    """The embedded issuer's keys (None with an external issuer)."""
    return app_state(request).issuer_keys


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
LogSignerDep = Annotated[LogSigner, Depends(get_log_signer)]
IssuerKeysDep = Annotated[IssuerKeys | None, Depends(get_issuer_keys)]
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(runtime: RuntimeDep, request: Request) -> AsyncIterator[Session]:
    """A session per request; routes commit explicitly before they return (never after yield).

    Nothing touches the database here: the transaction begins at the route's first
    statement, in the thread that runs the route, and a writer's lock is taken then. A
    sync dependency that began it would hold the lock while the request waits for a
    thread, and a full thread pool of waiting writers would then never let it go. The
    session is closed on the event loop (a rollback at most), so an unfinished writer
    releases the lock without waiting for a thread either.
    """
    read_only = request.method in _READ_ONLY_METHODS
    engine = runtime.read_engine if read_only else runtime.engine
    with Session(engine, expire_on_commit=False) as session:
        yield session


async def get_read_session(runtime: RuntimeDep) -> AsyncIterator[Session]:
    """A session that only reads, whatever the method (a POST lookup takes no write lock)."""
    with Session(runtime.read_engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
ContextDep = Annotated[RequestContext, Depends(request_context)]
