"""Every route × every caller → the expected status, generated from the app's own route table."""

from __future__ import annotations

import uuid

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from api.policy import PUBLIC, Policy
from core.clock import clock
from core.identity.principal import ROLES
from tests.api.conftest import bad_tokens
from tests.factories import make_code


def _policies(route: APIRoute) -> list[Policy]:
    found: list[Policy] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Policy):
            found.append(dep.call)
        stack.extend(dep.dependencies)
    return found


def _api_routes(app) -> list[tuple[str, APIRoute]]:
    # Included routers are resolved lazily by FastAPI; its route contexts give the
    # effective routes (full path, router-level dependencies included).
    return [
        (c.path, c.route) for c in iter_route_contexts(app.routes) if isinstance(c.route, APIRoute)
    ]


def _path(path: str, route: APIRoute) -> str:
    for name in route.param_convertors:
        path = path.replace("{" + name + "}", str(uuid.uuid4()))
    return path


class TestPolicyDeclared:
    def test_every_route_declares_exactly_one_policy(self, app):
        routes = _api_routes(app)
        assert len(routes) >= 6
        missing = [path for path, r in routes if len(_policies(r)) != 1]
        assert missing == []

    def test_a_route_without_policy_is_caught(self, app):
        @app.get("/api/v1/undeclared")
        def undeclared() -> dict[str, str]:
            return {}

        route = next(r for path, r in _api_routes(app) if path == "/api/v1/undeclared")
        assert _policies(route) == []


class TestMatrix:
    def test_every_route_and_caller(self, app, client, mint, tmp_path):
        # Hundreds of requests: time stands still so the tokens cannot lapse on a slow machine.
        clock.freeze(clock.now())
        code = make_code()
        callers: dict[str, str | None] = {"anonymous": None}
        callers |= {
            role: mint(role, credit_code=code if role == "citizen" else None) for role in ROLES
        }
        invalid = bad_tokens(mint, tmp_path, code)
        callers |= invalid
        checked = 0
        failures: list[str] = []
        for path, route in _api_routes(app):
            (policy,) = _policies(route)
            for method in sorted(route.methods - {"HEAD"}):
                for caller, token in callers.items():
                    headers = {"Authorization": f"Bearer {token}"} if token else {}
                    res = client.request(method, _path(path, route), headers=headers, json={})
                    if PUBLIC in policy.roles or caller in policy.roles:
                        ok = res.status_code not in (401, 403)
                    elif caller in ROLES:
                        ok = res.status_code == 403
                    else:
                        ok = res.status_code == 401 and res.headers.get(
                            "www-authenticate", ""
                        ).startswith("Bearer")
                    if not ok:
                        failures.append(f"{method} {path} as {caller}: {res.status_code}")
                    checked += 1
        assert failures == []
        assert checked >= 6 * len(callers)

    @pytest.mark.parametrize("role", ["citizen"])
    def test_citizen_token_with_invalid_code_is_refused(self, client, mint, role):
        code = make_code()
        bad = code[:-1] + ("0" if code[-1] != "0" else "1")
        res = client.get(
            "/api/v1/me/record", headers={"Authorization": f"Bearer {mint(role, credit_code=bad)}"}
        )
        assert res.status_code == 401
        assert bad not in res.text
