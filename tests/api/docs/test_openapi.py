"""The OpenAPI document: security schemes, problem responses, request examples, problem types."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import TypeAdapter

from api.headers import CSP
from api.openapi import BEARER, CLIENT_CREDENTIALS, REQUEST_EXAMPLES, route_policy
from api.policy import PUBLIC
from api.problem_types import PROBLEM_TYPES
from api.problems import PROBLEM, TYPE_BASE
from core.errors import DomainError

API = Path(__file__).resolve().parents[3] / "api"
# The token endpoint answers in RFC 6749's error format, not problem+json.
OAUTH_ERRORS = {("/oauth/token", "400"), ("/oauth/token", "401")}


@pytest.fixture(scope="module")
def spec():
    from api.app import create_app

    return create_app().openapi()


def _operations(spec):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def _routes(app):
    for context in iter_route_contexts(app.routes):
        if isinstance(context.route, APIRoute) and context.route.include_in_schema:
            yield context.path_format, context.route


class TestSecuritySchemes:
    def test_bearer_and_client_credentials_at_the_builtin_issuer(self, spec):
        schemes = spec["components"]["securitySchemes"]
        assert schemes[BEARER] == {**schemes[BEARER], "type": "http", "scheme": "bearer"}
        assert schemes[BEARER]["bearerFormat"] == "JWT"
        flow = schemes[CLIENT_CREDENTIALS]["flows"]["clientCredentials"]
        assert schemes[CLIENT_CREDENTIALS]["type"] == "oauth2"
        assert flow["tokenUrl"] == "/oauth/token"
        assert "/oauth/token" in spec["paths"]

    def test_every_protected_operation_names_the_schemes_and_public_ones_none(self, app, spec):
        seen = 0
        for path, route in _routes(app):
            policy = route_policy(route)
            for method in route.methods - {"HEAD"}:
                op = spec["paths"][path][method.lower()]
                if policy is None or PUBLIC in policy.roles:
                    assert "security" not in op, (method, path)
                else:
                    seen += 1
                    assert op["security"] == [{BEARER: []}, {CLIENT_CREDENTIALS: []}]
                    assert {"401", "403"} <= set(op["responses"]), (method, path)
        assert seen > 30


class TestProblemResponses:
    def test_every_error_response_is_problem_json(self, spec):
        for path, _method, op in _operations(spec):
            for code, response in op["responses"].items():
                if int(code) < 400 or (path, code) in OAUTH_ERRORS:
                    continue
                media = response["content"][PROBLEM]
                assert media["schema"] == {"$ref": "#/components/schemas/Problem"}, (path, code)
                assert media["example"]["status"] == int(code)
                assert "application/json" not in response["content"]

    def test_fastapis_validation_body_is_gone(self, spec):
        assert "HTTPValidationError" not in spec["components"]["schemas"]
        text = str(spec)
        assert "HTTPValidationError" not in text

    def test_inputs_document_422_and_ids_404(self, spec):
        for path, method, op in _operations(spec):
            has_input = op.get("parameters") or op.get("requestBody")
            if has_input and path != "/oauth/token":  # a bad form is an OAuth 400 there
                assert "422" in op["responses"], (method, path)
            if "{" in path:
                assert "404" in op["responses"], (method, path)
            if op.get("requestBody"):
                assert {"400", "413"} <= set(op["responses"]), (method, path)

    def test_statuses_of_the_issue_are_all_documented_somewhere(self, spec):
        codes = {code for _p, _m, op in _operations(spec) for code in op["responses"]}
        assert {"401", "403", "404", "409", "422", "429", "503"} <= codes

    def test_a_query_documents_its_refusals(self, spec):
        responses = spec["paths"]["/api/v1/queries"]["post"]["responses"]
        assert {"401", "403", "404", "409", "422", "503"} <= set(responses)

    def test_a_query_takes_an_idempotency_key(self, spec):
        op = spec["paths"]["/api/v1/queries"]["post"]
        (header,) = [p for p in op["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key"
        assert header["required"] is False
        assert "same answer" in header["description"]
        assert "409" in op["responses"]

    def test_problem_schema_lists_every_type(self, spec):
        problem = spec["components"]["schemas"]["Problem"]
        assert problem["properties"]["type"]["enum"] == [TYPE_BASE + s for s in PROBLEM_TYPES]
        assert set(spec["x-problem-types"]) == {TYPE_BASE + s for s in PROBLEM_TYPES}


class TestRequestExamples:
    def test_every_request_body_has_an_example(self, spec):
        bodies = 0
        for path, method, op in _operations(spec):
            body = op.get("requestBody")
            if body is None:
                continue
            bodies += 1
            for media_type, media in body["content"].items():
                assert "example" in media, (method, path, media_type)
        assert bodies == len(REQUEST_EXAMPLES)

    def test_every_json_example_is_valid_for_its_route(self, app):
        checked = 0
        for path, route in _routes(app):
            for method in route.methods:
                example = REQUEST_EXAMPLES.get((method.lower(), path))
                if example is None or route.body_field is None:
                    continue
                params = route.dependant.body_params
                if len(params) == 1 and not _is_form(params[0]):
                    TypeAdapter(params[0].field_info.annotation).validate_python(example)
                else:
                    for param in params:  # form fields, one by one or as one model
                        if param.name in example:
                            TypeAdapter(param.field_info.annotation).validate_python(
                                example[param.name]
                            )
                        elif _is_model(param):
                            TypeAdapter(param.field_info.annotation).validate_python(example)
                checked += 1
        assert checked == len(REQUEST_EXAMPLES) - 1  # the token endpoint reads its own body


def _is_form(param) -> bool:
    from fastapi import params

    return isinstance(param.field_info, params.Form)


def _is_model(param) -> bool:
    from pydantic import BaseModel

    annotation = param.field_info.annotation
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _domain_errors(cls=DomainError):
    for sub in cls.__subclasses__():
        yield sub
        yield from _domain_errors(sub)


_LITERAL_SLUG = re.compile(r"problem\(\s*\d{3},\s*\"([a-z-]+)\"")
_MAPPED_SLUG = re.compile(r"^\s+\d{3}: \"([a-z-]+)\",$", re.MULTILINE)


class TestProblemTypes:
    def test_every_slug_the_code_can_send_is_documented(self, app):
        slugs = {cls.type_slug for cls in [DomainError, *_domain_errors()]}
        for path in API.rglob("*.py"):
            text = path.read_text("utf-8")
            slugs |= set(_LITERAL_SLUG.findall(text))
            if path.name == "problems.py":
                slugs |= set(_MAPPED_SLUG.findall(text))
        assert {"validation", "rate-limited", "body-too-large", "query-refused"} <= slugs
        assert slugs - set(PROBLEM_TYPES) == set()

    @pytest.mark.parametrize("slug", sorted(PROBLEM_TYPES))
    def test_each_type_uri_resolves_to_a_page(self, client, slug):
        res = client.get(TYPE_BASE + slug)
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("text/html")
        assert res.headers["content-security-policy"] == CSP
        assert PROBLEM_TYPES[slug].title[0] in res.text
        english = client.get(TYPE_BASE + slug + "?lang=en")
        assert PROBLEM_TYPES[slug].title[1] in english.text

    def test_a_type_uri_answers_json_to_a_program(self, client):
        res = client.get(TYPE_BASE + "conflict", headers={"Accept": "application/json"})
        assert res.status_code == 200
        body = res.json()
        assert body["type"] == TYPE_BASE + "conflict"
        assert body["statuses"] == [409]
        assert body["title"]["en"] == "Conflict"

    def test_the_index_lists_every_type(self, client):
        html = client.get("/problems?lang=en").text
        for slug in PROBLEM_TYPES:
            assert f'href="{TYPE_BASE}{slug}"' in html
        listed = client.get("/problems", headers={"Accept": "application/json"}).json()
        assert [i["type"] for i in listed["items"]] == [TYPE_BASE + s for s in PROBLEM_TYPES]

    def test_an_unknown_type_is_not_found(self, client):
        assert client.get(TYPE_BASE + "no-such-type").status_code == 404
        res = client.get(TYPE_BASE + "no-such-type", headers={"Accept": "application/json"})
        assert res.status_code == 404

    def test_a_problem_answered_names_a_type_that_resolves(self, client):
        problem = client.get("/api/v1/me/record")
        assert problem.status_code == 401
        page = client.get(problem.json()["type"])
        assert page.status_code == 200
        assert "unauthenticated" in page.text


def _schema(spec, ref_or_schema):
    ref = ref_or_schema.get("$ref")
    return spec["components"]["schemas"][ref.split("/")[-1]] if ref else ref_or_schema


class TestLists:
    def test_no_list_is_a_bare_array_and_every_page_has_one_shape(self, spec):
        pages = 0
        for path, method, op in _operations(spec):
            if method != "get":
                continue
            media = op["responses"].get("200", {}).get("content", {}).get("application/json")
            if media is None:
                continue
            schema = _schema(spec, media["schema"])
            assert schema.get("type") != "array", path
            if "next_cursor" not in schema.get("properties", {}):
                continue
            pages += 1
            assert set(schema["properties"]) == {"items", "next_cursor"}, path
            assert schema["properties"]["items"]["type"] == "array"
            params = {p["name"]: p for p in op["parameters"]}
            assert {"cursor", "limit"} <= set(params), path
            assert params["limit"]["schema"]["maximum"] == 100, path
            assert not {"before", "after", "offset"} & set(params), path
        assert pages >= 13
