"""Schemathesis over the OpenAPI: every answer to a generated request is documented.

Each operation gets generated requests, valid and invalid, from the OpenAPI document,
sent over HTTP to the real app (a live server in this process) with a token of the role
the operation admits. Every answer's status code must be one the operation documents,
with the content type documented for it (problem+json for every error) and a body its
schema admits, and none may be a server error. The project clock is frozen at the run's
pinned instant, and the examples are few and derandomized: the run is repeatable and short.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from api.app import create_app
from api.openapi import route_policy
from api.policy import PUBLIC
from api.state import state_of
from core import migrate
from core.clock import clock
from core.db import make_engine
from core.identity.tokens import mint_access_token
from core.ops.keys import verify_keys
from core.runtime import Runtime
from core.settings import Settings
from tests.conftest import PINNED_AT, make_keyring
from tests.factories import make_code
from tests.support.app_server import serve_app

# It opens a database of its own (so the PostgreSQL pass runs it too).
pytestmark = pytest.mark.db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 10

# The document is built at collection from the app's code (a test below holds it equal to
# the one the server serves): schemathesis' loader from a fixture needs a pytest internal
# that pytest 9 no longer has.
SPEC = create_app().openapi()
api_schema = schemathesis.openapi.from_dict(SPEC)


@dataclass(frozen=True)
class Served:
    """The app under test, where it listens, and the role each operation admits."""

    app: FastAPI
    runtime: Runtime
    base: str
    roles: dict[tuple[str, str], str | None]


def _roles(app: FastAPI) -> dict[tuple[str, str], str | None]:
    """Each operation's role to call it as (None: public); the first of several, by name."""
    roles: dict[tuple[str, str], str | None] = {}
    for context in iter_route_contexts(app.routes):
        route = context.route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        policy = route_policy(route)
        role = None
        if policy is not None and PUBLIC not in policy.roles:
            role = sorted(policy.roles)[0]
        for method in route.methods or ():
            roles[(method.upper(), context.path_format)] = role
    return roles


@pytest.fixture(scope="module")
def served(databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A live app over a migrated database of its own, for the whole module."""
    engine = make_engine(databases.new_url())
    migrate.upgrade(engine)
    keyring = make_keyring()
    with Session(engine) as session:
        verify_keys(session=session, keyring=keyring)
        session.commit()
    data_dir: Path = tmp_path_factory.mktemp("schemathesis")
    runtime = Runtime(
        settings=Settings(data_dir=data_dir, maintenance_every_seconds=0),
        engine=engine,
        keyring=keyring,
    )
    app = create_app(runtime=runtime)
    with serve_app(app) as base:
        yield Served(app=app, runtime=runtime, base=base, roles=_roles(app))
    engine.dispose()


@pytest.fixture
def frozen_clock() -> None:
    """The project clock stands at the run's pinned instant while an operation is tested."""
    clock.freeze(PINNED_AT)


def _token(served: Served, role: str) -> str:
    claims: dict[str, object] = {"role": role}
    if role in {"recorder", "objection_officer", "repair_officer"}:
        claims["department"] = "dept-a"
    if role == "agency":
        claims["agency"] = "bank-1"
    if role == "citizen":
        claims["credit_code"] = make_code()
    settings_ = served.runtime.settings
    return mint_access_token(
        keys=state_of(served.app).issuer_keys,
        issuer=settings_.embedded_issuer_id,
        audience=settings_.token_audience,
        subject=f"schemathesis:{role}",
        claims=claims,
        ttl=timedelta(seconds=settings_.access_token_ttl_seconds),
        now=clock.now(),
        client_id=f"schemathesis-{role}",
    )


@api_schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_answer_is_documented(case, served: Served, frozen_clock: None) -> None:
    role = served.roles.get((case.method.upper(), case.path))
    headers = {} if role is None else {"Authorization": f"Bearer {_token(served, role)}"}
    case.call_and_validate(base_url=served.base, headers=headers, checks=CHECKS)


def test_the_document_tested_is_the_one_served(served: Served) -> None:
    import httpx

    assert httpx.get(f"{served.base}/openapi.json").json() == SPEC
