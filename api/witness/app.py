"""The witness's HTTP interface (C2SP tlog-witness): add-checkpoint and the monitoring read.

Statuses: 200 with the cosignature line; 400 malformed (or old size above the checkpoint's);
403 no valid signature by the log's key; 404 unknown origin; 409 with the size last cosigned
(`text/x.tlog.size`); 422 a bad consistency proof or a fork. The body is read with a cap.
"""

from __future__ import annotations

import hashlib

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from core.clock import clock
from core.witness.errors import (
    Inconsistent,
    Malformed,
    SizeMismatch,
    UnknownLog,
    Untrusted,
    WitnessRefusal,
)
from core.witness.protocol import MAX_BODY_BYTES
from core.witness.service import Witness

_STATUS: dict[type[WitnessRefusal], int] = {
    Malformed: 400,
    Untrusted: 403,
    UnknownLog: 404,
    SizeMismatch: 409,
    Inconsistent: 422,
}


async def _body(request: Request) -> bytes | None:
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY_BYTES:
            return None
    return data


def create_witness_app(witness: Witness) -> FastAPI:
    """The witness's app: POST /add-checkpoint, GET /<origin hash>/checkpoint, GET /healthz."""
    app = FastAPI(title="Credence witness", docs_url=None, redoc_url=None, openapi_url=None)
    origins = {hashlib.sha256(o.encode("utf-8")).hexdigest(): o for o in witness.config.logs}

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        body = await _body(request)
        if body is None:
            return PlainTextResponse("request body is too large\n", status_code=413)
        try:
            line = await run_in_threadpool(witness.add_checkpoint, body, now=clock.now())
        except WitnessRefusal as exc:
            status = _STATUS[type(exc)]
            if isinstance(exc, SizeMismatch):
                # Exactly this type, no charset parameter: clients compare it as it stands.
                headers = {"Content-Type": "text/x.tlog.size"}
                return Response(f"{exc.size}\n", status_code=409, headers=headers)
            return PlainTextResponse(exc.detail + "\n", status_code=status)
        return PlainTextResponse(line)

    @app.get("/{origin_hash}/checkpoint")
    def latest(origin_hash: str) -> Response:
        origin = origins.get(origin_hash)
        note = None if origin is None else witness.latest(origin)
        if note is None:
            return PlainTextResponse("no checkpoint cosigned for that log\n", status_code=404)
        return PlainTextResponse(note, headers={"Cache-Control": "no-cache"})

    @app.get("/healthz")
    def healthz() -> Response:
        return PlainTextResponse(f"{witness.cosigner.vkey()}\n")

    return app
