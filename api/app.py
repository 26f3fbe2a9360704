"""The app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.routes import ops
from core.runtime import Runtime, open_runtime
from core.settings import Settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the app; the runtime (database, keys) is opened at start-up unless given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is None:
            app.state.runtime = open_runtime(settings or Settings())
        else:
            app.state.runtime = runtime
        yield
        if runtime is None:
            app.state.runtime.engine.dispose()

    app = FastAPI(
        title="Credence",
        version="1",
        summary="Personal public-credit records and credit repair, privacy first.",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    errors.install(app)
    app.include_router(ops.router)
    return app
