"""Request bodies: capped before parsing, refused unread without credentials, and JSON
bodies with a repeated member name refused — in process and over a real socket."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import func, select
from sqlmodel import Session

from api.app import create_app
from api.limits import BATCH_PATHS, PUBLIC_BODY_PATHS, UPLOAD_PATHS, Caps
from core.models import Entry
from core.ops.keys import verify_keys
from core.runtime import Runtime
from core.settings import Settings
from tests.factories import bearer, make_code, make_payload
from tests.support.app_server import raw_exchange, serve_app

P = "/api/v1"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _entries(runtime: Runtime) -> int:
    with Session(runtime.engine) as s:
        return int(s.exec(select(func.count()).select_from(Entry)).one()[0])  # type: ignore[call-overload]


def _routes(app) -> list[tuple[str, str]]:
    found = []
    for c in iter_route_contexts(app.routes):
        if isinstance(c.route, APIRoute):
            path = c.path
            for name in c.route.param_convertors:
                path = path.replace("{" + name + "}", "0" if name == "index" else str(uuid.uuid4()))
            found += [(m, path) for m in sorted(c.route.methods & WRITES)]
    return found


class TestCaps:
    def test_defaults_and_where_each_applies(self):
        caps = Caps.from_settings(Settings())
        assert caps.public < caps.default < caps.batch
        # Uploads fit every file the evidence rules could judge, plus the form fields.
        assert caps.upload > 6 * 5 * 1024 * 1024
        assert caps.for_path(f"{P}/public/lookup") == caps.public
        assert caps.for_path(f"{P}/records:batch") == caps.batch
        assert caps.for_path(f"{P}/me/repairs") == caps.upload
        assert caps.for_path(f"{P}/queries") == caps.default

    def test_every_listed_path_is_a_route_that_takes_a_body(self, app):
        paths = {path for _method, path in _routes(app)}
        assert paths >= PUBLIC_BODY_PATHS | BATCH_PATHS | UPLOAD_PATHS


class TestUnauthenticatedBodies:
    def test_every_other_writing_route_needs_credentials(self, app, client):
        # So refusing their bodies unread refuses nothing the route would have taken.
        for method, path in _routes(app):
            if path in PUBLIC_BODY_PATHS:
                continue
            res = client.request(method, path)
            assert res.status_code == 401, f"{method} {path}: {res.status_code}"

    def test_a_body_without_credentials_is_401_and_stores_nothing(self, client, runtime):
        payload = make_payload().model_dump(mode="json")
        res = client.post(f"{P}/records", json=payload)
        assert res.status_code == 401
        assert res.headers["content-type"] == "application/problem+json"
        assert res.json()["type"].endswith("/unauthenticated")
        assert res.headers["www-authenticate"].startswith("Bearer")
        assert _entries(runtime) == 0

    def test_public_endpoints_take_a_body_without_credentials(self, client):
        res = client.post(f"{P}/public/lookup", json={"code": make_code(), "name": "王小明"})
        assert res.status_code == 200

    def test_reading_methods_are_not_judged(self, client):
        assert client.request("GET", "/healthz", json={}).status_code == 200


class TestCapped:
    def test_over_the_public_cap_is_413(self, client):
        body = json.dumps({"code": make_code(), "name": "x" * 17_000})
        res = client.post(
            f"{P}/public/lookup", content=body, headers={"Content-Type": "application/json"}
        )
        assert res.status_code == 413
        assert res.headers["content-type"] == "application/problem+json"
        problem = res.json()
        assert problem["type"].endswith("/body-too-large")
        assert problem["max_bytes"] == 16 * 1024

    def test_over_the_default_cap_is_413_and_stores_nothing(self, client, mint, runtime):
        payload = make_payload().model_dump(mode="json") | {"facts": "事" * 30_000}
        res = client.post(f"{P}/records", json=payload, headers=bearer(mint("recorder")))
        assert res.status_code == 413
        assert "事" not in res.text
        assert _entries(runtime) == 0

    def test_a_batch_may_be_larger_than_one_entry(self, client, mint, runtime):
        items = [make_payload().model_dump(mode="json") for _ in range(120)]
        body = json.dumps({"items": items})
        assert len(body) > 64 * 1024
        res = client.post(
            f"{P}/records:batch",
            content=body,
            headers={**bearer(mint("recorder")), "Content-Type": "application/json"},
        )
        assert res.status_code == 200, res.text
        assert res.json()["created"] == 120


class TestDuplicateKeys:
    def test_every_json_route_refuses_a_repeated_member(self, app, client):
        # The check runs before the route: any bearer value reaches it.
        body = b'{"reason": "a", "reason": "b"}'
        for method, path in _routes(app):
            if path in UPLOAD_PATHS or not path.startswith((P, "/oauth")):
                continue
            res = client.request(
                method,
                path,
                content=body,
                headers={"Authorization": "Bearer x", "Content-Type": "application/json"},
            )
            assert res.status_code == 422, f"{method} {path}: {res.status_code}"
            assert res.json()["type"].endswith("/duplicate-key")
            assert res.json()["errors"][0]["loc"] == ["body", "reason"]

    def test_a_repeated_subject_code_is_refused_and_not_echoed(self, client, mint, runtime):
        code, other = make_code(), make_code()
        payload = make_payload(subject_code=code).model_dump(mode="json")
        body = json.dumps(payload)[:-1] + f', "subject_code": "{other}"}}'
        res = client.post(
            f"{P}/records",
            content=body,
            headers={**bearer(mint("recorder")), "Content-Type": "application/json"},
        )
        assert res.status_code == 422
        assert res.headers["content-type"] == "application/problem+json"
        assert res.json()["errors"] == [
            {"loc": ["body", "subject_code"], "msg": "repeated member", "type": "duplicate_key"}
        ]
        assert code not in res.text
        assert other not in res.text
        assert _entries(runtime) == 0

    def test_the_path_names_a_nested_batch_item(self, client, mint, runtime):
        good = json.dumps(make_payload().model_dump(mode="json"))
        bad = good[:-1] + ', "facts": "另一个事实"}'
        body = f'{{"items": [{good}, {bad}]}}'
        res = client.post(
            f"{P}/records:batch",
            content=body,
            headers={**bearer(mint("recorder")), "Content-Type": "application/json"},
        )
        assert res.status_code == 422
        assert res.json()["errors"][0]["loc"] == ["body", "items", "1", "facts"]
        assert "另一个事实" not in res.text
        assert _entries(runtime) == 0

    def test_a_key_that_is_not_a_name_is_not_echoed(self, client, mint):
        code = make_code()
        body = f'{{"{code}": 1, "{code}": 2}}'
        res = client.post(
            f"{P}/queries",
            content=body,
            headers={**bearer(mint("agency")), "Content-Type": "application/json"},
        )
        assert res.status_code == 422
        assert res.json()["errors"][0]["loc"] == ["body", "?"]
        assert code not in res.text

    def test_invalid_json_is_still_the_usual_validation_problem(self, client, mint):
        res = client.post(
            f"{P}/queries",
            content=b'{"subject_code": ',
            headers={**bearer(mint("agency")), "Content-Type": "application/json"},
        )
        assert res.status_code == 422
        assert res.json()["type"].endswith("/validation")


@pytest.fixture
def small_app(fresh_engine, keyring, tmp_path: Path):
    """The app with small caps, so a socket test can pass them cheaply."""
    settings = Settings(
        data_dir=tmp_path,
        maintenance_every_seconds=0,
        body_max_bytes=4096,
        evidence_max_bytes=1024,
        evidence_max_files=1,
    )
    with Session(fresh_engine) as session:
        verify_keys(session=session, keyring=keyring)
        session.commit()
    return create_app(runtime=Runtime(settings=settings, engine=fresh_engine, keyring=keyring))


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def _head(path: str, *headers: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode()


class TestOverARealSocket:
    def test_unauthenticated_huge_body_is_refused_before_it_is_sent(self, small_app):
        with serve_app(small_app) as base:
            head = _head(
                f"{P}/records", "Content-Type: application/json", "Content-Length: 1000000000"
            )
            answer = raw_exchange(base, head)
        assert _status(answer) == 401
        assert b"application/problem+json" in answer
        assert b"connection: close" in answer.lower()

    def test_a_declared_length_over_the_cap_is_413_before_it_is_sent(self, small_app):
        with serve_app(small_app) as base:
            head = _head(
                f"{P}/queries",
                "Authorization: Bearer x",
                "Content-Type: application/json",
                "Content-Length: 1000000000",
            )
            answer = raw_exchange(base, head)
        assert _status(answer) == 413
        assert b"body-too-large" in answer

    @pytest.mark.parametrize(
        ("path", "content_type"),
        [
            (f"{P}/queries", "application/json"),
            (f"{P}/me/repairs", "multipart/form-data; boundary=b"),
        ],
    )
    def test_a_chunked_body_is_refused_once_it_passes_the_cap(self, small_app, path, content_type):
        # Never finished: the answer must come while the body is still open.
        chunk = b"2000\r\n" + b"a" * 0x2000 + b"\r\n"
        with serve_app(small_app) as base:
            head = _head(
                path,
                "Authorization: Bearer x",
                f"Content-Type: {content_type}",
                "Transfer-Encoding: chunked",
            )
            answer = raw_exchange(base, head, [chunk] * 6)
        assert _status(answer) == 413, answer[:300]
        assert b"body-too-large" in answer

    def test_an_authorized_body_within_its_cap_is_served(self, small_app):
        body = json.dumps({"code": make_code(), "name": "王小明"}).encode()
        with serve_app(small_app) as base:
            head = _head(
                f"{P}/public/lookup",
                "Content-Type: application/json",
                f"Content-Length: {len(body)}",
                "Connection: close",
            )
            answer = raw_exchange(base, head, [body])
        assert _status(answer) == 200
