"""Annotated dependency aliases: the runtime, a session per request, the clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from core.db import begin_write
from core.keyring import Keyring
from core.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    """The process runtime stored on the app at start-up."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(runtime: RuntimeDep, request: Request) -> Iterator[Session]:
    """A session per request; routes commit explicitly before they return (never after yield)."""
    with Session(runtime.engine, expire_on_commit=False) as session:
        if request.method not in _READ_ONLY_METHODS:
            begin_write(session)
        yield session


def get_keyring(runtime: RuntimeDep) -> Keyring:
    """The process keyring."""
    return runtime.keyring


SessionDep = Annotated[Session, Depends(get_session)]
KeyringDep = Annotated[Keyring, Depends(get_keyring)]
