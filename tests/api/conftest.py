"""API fixtures: a live app over a fresh database, and tokens of every kind, good and bad."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from api.state import state_of
from core.clock import clock
from core.identity.issuer_keys import IssuerKeys
from core.identity.tokens import mint_access_token
from core.ops.keys import verify_keys
from core.runtime import Runtime
from core.settings import Settings

Mint = Callable[..., str]


@pytest.fixture
def runtime(fresh_engine, keyring, tmp_path: Path) -> Runtime:
    """A runtime over a fresh migrated database and real keys."""
    with Session(fresh_engine) as session:
        verify_keys(session=session, keyring=keyring)
        session.commit()
    # No background maintenance: tests run checkpoints and sweeps themselves, on the clock.
    settings = Settings(data_dir=tmp_path, maintenance_every_seconds=0)
    return Runtime(settings=settings, engine=fresh_engine, keyring=keyring)


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    """The real app over the test runtime."""
    return create_app(runtime=runtime)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client with the app started (lifespan run: issuer keys and verifier in place)."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _claims(role: str, **extra: object) -> dict[str, object]:
    claims: dict[str, object] = {"role": role}
    if role in {"recorder", "objection_officer", "repair_officer"}:
        claims["department"] = "dept-a"
    if role == "agency":
        claims["agency"] = "bank-1"
    claims.update(extra)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture
def mint(app: FastAPI, client: TestClient, runtime: Runtime) -> Mint:
    """Mint a token from the app's own embedded issuer."""

    def _mint(
        role: str,
        *,
        keys: IssuerKeys | None = None,
        audience: str | None = None,
        ttl: timedelta = timedelta(minutes=5),
        **claims: object,
    ) -> str:
        return mint_access_token(
            keys=keys or state_of(app).issuer_keys,
            issuer=runtime.settings.embedded_issuer_id,
            audience=audience or runtime.settings.token_audience,
            subject=f"test:{role}",
            claims=_claims(role, **claims),
            ttl=ttl,
            now=clock.now(),
            client_id=f"test-{role}",
        )

    return _mint


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bad_tokens(mint: Mint, tmp_path: Path, code: str) -> dict[str, str]:
    """Tokens that must all be refused with 401, each broken in one way."""
    good = mint("citizen", credit_code=code)
    head, body, sig = good.split(".")
    flipped = sig[:-2] + ("AA" if sig[-2:] != "AA" else "BB")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    none_token = ".".join(
        [
            _b64(json.dumps({"alg": "none", "typ": "at+jwt"}).encode()),
            _b64(json.dumps(payload).encode()),
            "",
        ]
    )
    foreign = IssuerKeys.load_or_create(tmp_path / "foreign-issuer-keys.json")
    return {
        "expired": mint("citizen", credit_code=code, ttl=timedelta(seconds=-120)),
        "foreign_issuer": mint("citizen", credit_code=code, keys=foreign),
        "wrong_audience": mint("citizen", credit_code=code, audience="someone-else"),
        "tampered_signature": f"{head}.{body}.{flipped}",
        "alg_none": none_token,
        "garbage": "not-a-token",
    }
