"""Annotated dependency aliases: the process state, a session per request, the core context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from api.state import app_state
from core.context import Context
from core.identity.issuer_keys import IssuerKeys
from core.runtime import Runtime
from core.settings import Settings
from crypto.log_signer import LogSigner


# Async: it does no I/O, and a sync dependency costs a thread-pool hop.
async def get_runtime(request: Request) -> Runtime:
    """The process runtime the app started with."""
    return app_state(request).runtime


# Async: nothing here blocks, and a sync dependency costs a thread-pool hop.
async def get_log_signer(request: Request) -> LogSigner:
    """The process's query-log signer."""
    return app_state(request).log_signer


async def get_issuer_keys(request: Request) -> IssuerKeys | None:
    """The embedded issuer's keys (None with an external issuer)."""
    return app_state(request).issuer_keys


async def get_settings(request: Request) -> Settings:
    """The process settings."""
    return app_state(request).runtime.settings


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
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


def _context(session: Session, runtime: Runtime) -> Context:
    # The calendar is read from its file once per process, on the first request that asks.
    return Context(session=session, keyring=runtime.keyring, calendar=runtime.calendar)


# Async: building it touches no database; the session's transaction begins in the route.
async def get_context(session: SessionDep, request: Request) -> Context:
    """The core context of this request: its session, the process keyring and calendar."""
    return _context(session, app_state(request).runtime)


async def get_read_context(session: ReadSessionDep, request: Request) -> Context:
    """The core context of a request that only reads, whatever its method."""
    return _context(session, app_state(request).runtime)


@contextmanager
def read_context(runtime: Runtime) -> Iterator[Context]:
    """A context on a read-only session opened here, in the calling thread, and closed on
    leaving (for a route that does its reading in one thread-pool hop of its own)."""
    with Session(runtime.read_engine, expire_on_commit=False) as session:
        yield _context(session, runtime)


ContextDep = Annotated[Context, Depends(get_context)]
ReadContextDep = Annotated[Context, Depends(get_read_context)]
