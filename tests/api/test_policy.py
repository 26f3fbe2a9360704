"""Route policies are async dependencies: a token verified before is admitted on the event
loop; a new token (or a page session) is decided in a worker thread, as before."""

from __future__ import annotations

import asyncio
import threading

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request

from api.policy import AUDIENCES, Policy, agency_only
from core.errors import Forbidden, Unauthenticated
from core.identity.principal import Principal
from tests.api.conftest import Mint


class _Watched(Policy):
    """The agency policy, noting the thread each slow-path decision ran in."""

    def __init__(self) -> None:
        super().__init__(*AUDIENCES["agency"])
        self.threads: list[int] = []

    def principal(self, request: Request) -> Principal:
        self.threads.append(threading.get_ident())
        return super().principal(request)


def _request(app: FastAPI, token: str | None) -> Request:
    headers = [] if token is None else [(b"authorization", f"Bearer {token}".encode())]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers, "app": app})


def test_fastapi_awaits_the_policy_on_the_event_loop() -> None:
    assert asyncio.iscoroutinefunction(type(agency_only).__call__)


def test_a_new_token_is_verified_in_a_worker_and_then_admitted_from_the_cache(
    app: FastAPI, client: TestClient, mint: Mint
) -> None:
    policy = _Watched()
    token = mint("agency")
    loop_thread: list[int] = []

    async def twice() -> tuple[Principal | None, Principal | None]:
        loop_thread.append(threading.get_ident())
        return await policy(_request(app, token)), await policy(_request(app, token))

    first, second = asyncio.run(twice())
    assert first is not None
    assert first.role == "agency"
    assert second is first
    # One decision in a worker thread (the new token); the cached one never left the loop.
    assert len(policy.threads) == 1
    assert policy.threads[0] != loop_thread[0]


def test_refusals_are_unchanged(app: FastAPI, client: TestClient, mint: Mint) -> None:
    policy = _Watched()
    with pytest.raises(Unauthenticated):
        asyncio.run(policy(_request(app, None)))
    with pytest.raises(Unauthenticated):
        asyncio.run(policy(_request(app, "not-a-token")))
    citizen = mint("citizen", credit_code="11010519491231002X")
    for _ in range(2):  # verified in a worker, then refused from the cache: 403 both times
        with pytest.raises(Forbidden):
            asyncio.run(policy(_request(app, citizen)))
