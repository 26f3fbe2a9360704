"""A token signed by the real embedded issuer but with absurd times is a 401 problem."""

from __future__ import annotations

import base64
import json
import secrets

import pytest

from api.state import state_of
from core.clock import clock
from core.settings import Settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signed(app, runtime, **times: object) -> str:
    """An auditor token with the given time claims, signed by the app's own issuer key."""
    now = int(clock.now().timestamp())
    settings: Settings = runtime.settings
    claims = {
        "iss": settings.embedded_issuer_id,
        "aud": settings.token_audience,
        "sub": "test:auditor",
        "client_id": "test-auditor",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": secrets.token_hex(8),
        "role": "auditor",
        **times,
    }
    key = state_of(app).issuer_keys.private_jwk()
    header = {"alg": "EdDSA", "typ": "at+jwt", "kid": key.kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = key.private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{_b64(signature)}"


class TestAbsurdTokenTimes:
    def test_the_helper_signs_a_token_the_api_accepts(self, app, client, runtime):
        token = _signed(app, runtime)
        res = client.get("/api/v1/audit/queries", headers={"Authorization": f"Bearer {token}"})
        assert res.status_code == 200

    @pytest.mark.parametrize(
        "times",
        [
            {"exp": 10**12},
            {"exp": 10**400},
            {"exp": 1.5e300},
            {"exp": "1000000000000"},
            {"iat": 10**400},
            {"nbf": 10**400},
            {"iat": -(10**12)},
        ],
        ids=["exp-year-33658", "exp-huge-int", "exp-huge-float", "exp-string", "iat", "nbf", "neg"],
    )
    def test_absurd_times_are_a_401_problem(self, app, client, runtime, times):
        token = _signed(app, runtime, **times)
        res = client.get("/api/v1/audit/queries", headers={"Authorization": f"Bearer {token}"})
        assert res.status_code == 401, res.text
        assert res.headers["content-type"] == "application/problem+json"
        assert res.json()["type"].endswith("/unauthenticated")
        assert res.headers["www-authenticate"].startswith("Bearer")
