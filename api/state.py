"""The app's per-process state: what start-up builds on core's `Runtime`, in one typed place.

Invariants: built once, in the app's lifespan, after the runtime is open; routes and pages
reach it through `app_state(request)` or the typed dependencies of `api.deps`, never by
attribute name on `app.state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request

from api.ratelimit import TokenBucketLimiter
from core.identity.authenticator import Authenticator
from core.identity.issuer_keys import IssuerKeys
from core.identity.oidc_login import OidcLogin
from core.queries.recording import Logged, LogItem
from core.querylog.integrity import HaltWatch
from core.querylog.sequencer import Sequencer
from core.runtime import Runtime
from crypto.log_signer import LogSigner

if TYPE_CHECKING:
    # The page machinery depends on the policies, which depend on this module.
    from api.pages.session import WebState


@dataclass
class AppState:
    """One process's state: runtime, token issuer and verifier, log signer, page state."""

    runtime: Runtime
    issuer_keys: IssuerKeys | None
    authenticator: Authenticator
    log_signer: LogSigner
    # Groups the appends of this process's queries (core/querylog/sequencer.py).
    query_log: Sequencer[LogItem, Logged]
    web: WebState
    oidc_start_limiter: TokenBucketLimiter
    lookup_limiter: TokenBucketLimiter
    # The OIDC relying party, made on first use (api.identity.oidc_pages).
    oidc_login: OidcLogin | None = None
    # Whether the query log is halted, as this process last saw (api.querylog.guard).
    log_halt: HaltWatch = field(default_factory=HaltWatch)

    def __repr__(self) -> str:
        return f"AppState(embedded_issuer={self.issuer_keys is not None})"


def install(app: FastAPI, state: AppState) -> None:
    """Keep the process state on the app."""
    app.state.credence = state


def state_of(app: FastAPI) -> AppState:
    """The state an app's start-up installed."""
    state: AppState = app.state.credence
    return state


def app_state(request: Request) -> AppState:
    """The state of the app serving this request."""
    return state_of(request.app)
