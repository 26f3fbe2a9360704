"""The app factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

from fastapi import FastAPI

from api import limits, openapi, problems
from api import state as app_state
from api.audit import endpoints as audit
from api.cases.objections import endpoints as objections
from api.cases.repairs import endpoints as repairs
from api.cases.repairs import registry_endpoints as registry
from api.consents import endpoints as consents
from api.entries import endpoints as entries
from api.identity import endpoints as identity
from api.identity import oidc_pages
from api.ops import endpoints as ops
from api.ops.maintenance import maintain_forever
from api.pages import mount as pages
from api.pages.session import WebState
from api.public import endpoints as public
from api.queries import endpoints as queries
from api.querylog import endpoints as querylog
from api.querylog import guard as log_guard
from api.querylog import tiles_endpoints as querylog_tiles
from api.ratelimit import LOOKUP_BURST, LOOKUP_PER_MINUTE, TokenBucketLimiter
from api.reference import pages as reference
from api.reports import endpoints as reports
from api.state import AppState
from core.clock import clock
from core.identity.authenticator import Authenticator
from core.identity.issuer_keys import IssuerKeys
from core.identity.tokens import build_verifier
from core.queries import recording
from core.querylog.failclosed import start_up
from core.querylog.integrity import HaltWatch
from core.querylog.sequencer import Sequencer
from core.querylog.signing_key import signer_for_data_dir
from core.runtime import Runtime, open_runtime
from core.settings import Settings

API_PREFIX = "/api/v1"


def worker_app() -> FastAPI:
    """The app of one `serve --workers N` process: its own settings and their pinned clock."""
    settings = Settings()
    if settings.clock_at is not None:
        # A fresh process: the parent's clock did not come with it.
        clock.start_at(settings.clock_at)
    return create_app(settings)


def start_state(rt: Runtime) -> AppState:
    """What the process builds on its runtime: token issuer and verifier, log signer, pages."""
    embedded = rt.settings.oidc_issuer is None
    issuer_keys = IssuerKeys.load_or_create(rt.settings.issuer_key_file) if embedded else None
    signer = signer_for_data_dir(
        rt.settings.data_dir, origin=rt.settings.log_origin, name=rt.settings.log_key_name
    )
    return AppState(
        runtime=rt,
        issuer_keys=issuer_keys,
        authenticator=Authenticator(
            build_verifier(rt.settings, issuer_keys),
            keyring=rt.keyring,
            code_claim=rt.settings.citizen_code_claim,
        ),
        log_signer=signer,
        query_log=Sequencer(
            # The rules and cadence are read per batch: settings may change at run time.
            lambda items: recording.flush(
                rt.engine, signer, items, rules=rt.audit_rules, cadence=rt.cadence
            ),
            max_batch=rt.settings.log_batch_max,
            linger=rt.settings.log_batch_linger_ms / 1000,
        ),
        web=WebState(rt),
        oidc_start_limiter=oidc_pages.start_limiter(),
        lookup_limiter=TokenBucketLimiter(per_minute=LOOKUP_PER_MINUTE, burst=LOOKUP_BURST),
        log_halt=HaltWatch(timedelta(seconds=rt.settings.log_halt_recheck_seconds)),
    )


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the app; the runtime (database, keys) is opened at start-up unless given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime if runtime is not None else open_runtime(settings or Settings())
        state = start_state(rt)
        app_state.install(app, state)
        # The recent log checked, then a checkpoint published; a corrupt log comes up halted.
        halted = start_up(
            engine=rt.engine,
            signer=state.log_signer,
            now=clock.now(),
            recent=rt.settings.log_startup_check_leaves,
        )
        state.log_halt.mark(halted, clock.now())
        every = rt.settings.maintenance_every_seconds
        task = asyncio.create_task(maintain_forever(app, every)) if every > 0 else None
        yield
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        # What was queued is logged and answered before the database goes.
        await asyncio.to_thread(state.query_log.close)
        if runtime is None:
            rt.engine.dispose()

    app = FastAPI(
        title="Credence",
        version="1",
        summary="Personal public-credit records and credit repair, privacy first.",
        lifespan=lifespan,
        # The reference pages are our own (api/reference/pages.py): packaged assets, the pages' CSP.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    limits.install(app)
    problems.install(app)
    queries.install(app)
    log_guard.install(app)
    app.include_router(ops.router)
    app.include_router(identity.router)
    for router in (
        entries.router,
        entries.me_router,
        consents.router,
        queries.me_router,
        reports.router,
        queries.agency_router,
        objections.router,
        repairs.router,
        audit.router,
        public.router,
        querylog.router,
        querylog_tiles.router,
        registry.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    # An agency query is answered only while its log can be trusted (503 while halted).
    app.include_router(
        queries.router,
        prefix=API_PREFIX,
        dependencies=[log_guard.depends],
        responses=openapi.problem_responses(503),
    )
    pages.install(app)
    reference.install(app)
    openapi.install(app)
    return app
