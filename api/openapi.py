"""The OpenAPI document integrators read: security schemes, problem responses, examples.

Invariants:
- Every operation behind a policy names the two ways to send its token: a bearer JWT,
  and OAuth2 client credentials at the embedded issuer's token endpoint.
- Every operation documents, as application/problem+json, the problem statuses it can
  answer with: by its shape (a policy: 401 and 403; any parameter or body: 422; an id in
  the path: 404; a body: 400 when it cannot be decoded and 413 past its cap; a database
  session: 503 while it is busy), plus those its
  route declares in `responses=`, and those `ROUTE_PROBLEMS` lists for it (the clashes,
  erasures and look-ups by a body's id that its services refuse with).
  FastAPI's own 422 (its validation body, which we never send) is replaced.
- Every request body carries an example (`REQUEST_EXAMPLES`), valid against its schema.
- Every problem `type` is in the components, each with its statuses and its page.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, Final

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from api.deps import get_read_session, get_session
from api.identity.endpoints import TOKEN_PATH
from api.policy import PUBLIC, Policy
from api.problem_types import PROBLEM_TYPES
from api.problems import PROBLEM, TYPE_BASE

BEARER: Final = "bearerJWT"
CLIENT_CREDENTIALS: Final = "clientCredentials"
PROBLEM_REF: Final = "#/components/schemas/Problem"

STATUS_TEXT: Final[dict[int, str]] = {
    400: "The body could not be read as the type it declares (e.g. not UTF-8).",
    401: "No valid access token (see WWW-Authenticate).",
    403: "The token's role may not do this, or the query was refused.",
    404: "Nothing the caller may see has that id.",
    409: "The request clashes with what is stored.",
    410: "The data was crypto-shredded.",
    413: "The request body is over this endpoint's cap.",
    422: "The body or a parameter breaks a rule; nothing was changed.",
    429: "Too many requests; see Retry-After.",
    503: "The service cannot answer now (busy, keys, log halted); see Retry-After.",
}
_SLUGS_BY_STATUS: Final = {
    status: [slug for slug, kind in PROBLEM_TYPES.items() if status in kind.statuses]
    for status in STATUS_TEXT
}


class Problem(BaseModel):
    """An RFC 9457 problem; members past these are values the rule computed."""

    type: str
    title: str
    status: int
    detail: str | None = None
    rule: str | None = None

    model_config = {"extra": "allow"}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route for problem statuses its shape does not imply."""
    return {status: _problem_response(status) for status in statuses}


def _problem_response(status: int) -> dict[str, Any]:
    slugs = _SLUGS_BY_STATUS.get(status, [])
    example_slug = slugs[0] if slugs else "http-error"
    kind = PROBLEM_TYPES[example_slug]
    types = ", ".join(f"`{TYPE_BASE}{s}`" for s in slugs)
    return {
        "description": STATUS_TEXT.get(status, "A problem.")
        + (f" Types: {types}." if types else ""),
        "content": {
            PROBLEM: {
                "schema": {"$ref": PROBLEM_REF},
                "example": {
                    "type": TYPE_BASE + example_slug,
                    "title": kind.title[1],
                    "status": status,
                },
            }
        },
    }


# Examples of every request body, by operation (synthetic data; ids are placeholders).
_ENTRY: Final[dict[str, Any]] = {
    "external_id": "TAX-2026-000123",
    "subject_code": "440305199404221637",
    "subject_name": "谢磊",
    "list_kind": "black",
    "domain": "tax",
    "severity": "serious",
    "facts": "逾期未申报增值税并拒不改正",
    "public_summary": "逾期未申报增值税",
    "legal_basis": "《税收征收管理法》第六十二条",
    "decided_on": "2026-05-20",
    "display_until": "2027-05-20",
    "valid_until": "2028-05-20",
    "repairable": True,
    "repair_ways": ["performance", "commitment"],
}
REQUEST_EXAMPLES: Final[dict[tuple[str, str], dict[str, Any]]] = {
    ("post", TOKEN_PATH): {
        "grant_type": "client_credentials",
        "client_id": "cli_0123456789abcdef",
        "client_secret": "the-secret-printed-once",
    },
    ("post", "/api/v1/records"): _ENTRY,
    ("post", "/api/v1/records:batch"): {"items": [_ENTRY]},
    ("post", "/api/v1/records:search"): {
        "subject_code": "440305199404221637",
        "list_kind": "black",
        "limit": 20,
    },
    ("post", "/api/v1/records/{entry_id}/amend"): {
        "facts": "逾期未申报增值税，经责令后仍未改正",
        "display_until": "2027-03-20",
        "version": 1,
    },
    ("post", "/api/v1/records/{entry_id}/withdraw"): {
        "reason": "处罚决定已被依法撤销",
        "kind": "withdrawn",
    },
    ("put", "/api/v1/me/record/{entry_id}/statement"): {
        "statement": "已于 2026 年 6 月补缴全部税款及滞纳金。"
    },
    ("post", "/api/v1/me/authorizations"): {
        "agency": "demo-bank",
        "purpose": "credit_loan",
        "list_kinds": ["black", "red"],
        "expires_at": "2026-09-01T00:00:00+08:00",
        "max_uses": 3,
    },
    ("post", "/api/v1/me/objections"): {
        "entry_id": "5eca3ba1-3f0c-4a4e-9a53-5b2d1c7f0e11",
        "reasons": "该处罚决定已被复议机关撤销，附复议决定书。",
    },
    ("post", "/api/v1/objections/{objection_id}/decision"): {
        "decision": "accept",
        "version": 1,
    },
    ("post", "/api/v1/me/repairs"): {
        "entry_id": "5eca3ba1-3f0c-4a4e-9a53-5b2d1c7f0e11",
        "way": "commitment",
        "commitment": "本人承诺依法诚信经营，如有违反愿承担相应责任。",
    },
    ("post", "/api/v1/repairs/{repair_id}/decision"): {"decision": "accept"},
    ("post", "/api/v1/audit/queries/{index}/flags"): {"reason": "purpose_mismatch"},
    ("post", "/api/v1/public/lookup"): {"code": "440305199404221637", "name": "谢磊"},
    ("post", "/api/v1/admin/certifying-organisations"): {
        "code": "demo-charity",
        "name": "示范慈善基金会",
        "kind": "charity",
        "public_key": "t3qsm2NS5c0muveGSoY4QXvO0NjPq3TU0jIVlWK2C0U=",
    },
    ("post", "/api/v1/admin/certifying-organisations/{organisation_id}/keys"): {
        "public_key": "jsxO+4RdVovvvJ225ecT4igHwR0cjUuo6Fb9W9KcS5A=",
    },
    ("post", "/api/v1/queries"): {
        "subject_code": "440305199404221637",
        "purpose": "credit_loan",
        "authorization_id": "2342bd74-4c18-4013-b1b3-8abf37e4b1c8",
    },
}


# Problems a route's services answer with that its shape does not imply, by operation.
ROUTE_PROBLEMS: Final[dict[tuple[str, str], tuple[int, ...]]] = {
    # Its body is read by the issuer (no body field), but capped like any other.
    ("post", TOKEN_PATH): (413,),
    ("post", "/api/v1/records"): (409,),
    ("get", "/api/v1/records/{entry_id}"): (410,),
    ("post", "/api/v1/records/{entry_id}/withdraw"): (409, 410),
    ("get", "/api/v1/me/record"): (410,),
    ("put", "/api/v1/me/record/{entry_id}/statement"): (409, 410),
    ("delete", "/api/v1/me/record/{entry_id}/statement"): (409, 410),
    ("post", "/api/v1/me/authorizations"): (404, 409),
    ("delete", "/api/v1/me/authorizations/{authorization_id}"): (409,),
    # Freezing needs a record to freeze (404 no_record before the first entry).
    ("put", "/api/v1/me/freeze"): (404, 409),
    ("delete", "/api/v1/me/freeze"): (404, 409),
    ("post", "/api/v1/me/objections"): (404, 409, 410),
    ("get", "/api/v1/objections/{objection_id}"): (410,),
    ("post", "/api/v1/objections/{objection_id}/decision"): (409, 410),
    ("post", "/api/v1/me/repairs"): (404, 409, 410),
    ("get", "/api/v1/repairs/{repair_id}"): (410,),
    ("post", "/api/v1/repairs/{repair_id}/decision"): (409, 410),
    ("post", "/api/v1/audit/queries/{index}/flags"): (409,),
    ("post", "/api/v1/admin/certifying-organisations"): (409,),
    ("post", "/api/v1/admin/certifying-organisations/{organisation_id}/deactivate"): (409,),
    ("post", "/api/v1/admin/certifying-organisations/{organisation_id}/keys"): (409,),
    # A refused query: no such authorization (404), it changed meanwhile (409).
    ("post", "/api/v1/queries"): (404, 409),
    ("get", "/api/v1/public/checkpoint"): (404,),
    ("get", "/api/v1/public/log/checkpoint"): (404,),
}
# What a route depends on that can find the database busy (a 503 to retry).
_DATABASE_DEPENDENCIES: Final = frozenset({get_session, get_read_session})


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dep in dependant.dependencies:
        yield dep
        yield from _dependencies(dep)


def route_policy(route: APIRoute) -> Policy | None:
    """The policy a route names (its own or its router's), if any."""
    return next(
        (d.call for d in _dependencies(route.dependant) if isinstance(d.call, Policy)), None
    )


def _implied_statuses(route: APIRoute) -> set[int]:
    """The problem statuses a route can answer with by its shape alone."""
    statuses: set[int] = set()
    if any(d.call in _DATABASE_DEPENDENCIES for d in _dependencies(route.dependant)):
        statuses.add(503)
    policy = route_policy(route)
    if policy is not None and PUBLIC not in policy.roles:
        statuses |= {401, 403}
    dependant = route.dependant
    every = [dependant, *_dependencies(dependant)]
    inputs = [p for d in every for p in (*d.path_params, *d.query_params, *d.header_params)]
    if inputs or route.body_field is not None:
        statuses.add(422)
    if any(d.path_params for d in every):
        statuses.add(404)
    if route.body_field is not None:
        statuses |= {400, 413}
    return statuses


def _is_fastapi_422(response: dict[str, Any]) -> bool:
    content = response.get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def _document_operation(
    schema: dict[str, Any], route: APIRoute, path: str, method: str, operation: dict[str, Any]
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
    listed = set(ROUTE_PROBLEMS.get((method, path), ()))
    for status in sorted(_implied_statuses(route) | declared | listed):
        current = responses.get(str(status))
        if current is not None and current.get("content") and not _is_fastapi_422(current):
            continue  # a route's own error body (the token endpoint's OAuth errors)
        problem = _problem_response(status)
        if current is not None and current.get("description") and not _is_fastapi_422(current):
            problem["description"] = current["description"]
        responses[str(status)] = problem
    policy = route_policy(route)
    if policy is not None and PUBLIC not in policy.roles:
        operation["security"] = [{BEARER: []}, {CLIENT_CREDENTIALS: []}]
        roles = ", ".join(f"`{r}`" for r in sorted(policy.roles))
        operation["description"] = (
            operation.get("description", "") + f"\n\nRole: {roles}."
        ).strip()
    body = operation.get("requestBody")
    if body is not None:
        example = REQUEST_EXAMPLES.get((method, path))
        if example is not None:
            for media in body.get("content", {}).values():
                media["example"] = copy.deepcopy(example)


def _components(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem = Problem.model_json_schema()
    problem["description"] = (
        "RFC 9457 problem details. `type` is one of: "
        + ", ".join(f"`{TYPE_BASE}{slug}`" for slug in PROBLEM_TYPES)
        + f" (each documented at its URI, all at `{TYPE_BASE.rstrip('/')}`)."
    )
    problem["properties"]["type"]["enum"] = [TYPE_BASE + slug for slug in PROBLEM_TYPES]
    problem["properties"]["type"]["format"] = "uri-reference"
    schemas["Problem"] = problem
    # FastAPI's validation body is never sent (api/problems.py answers problem+json).
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An RFC 9068 access token (typ at+jwt) of the configured issuer.",
        },
        CLIENT_CREDENTIALS: {
            "type": "oauth2",
            "description": "The embedded issuer's token endpoint (client_id and client_secret "
            "from `credence clients add`).",
            "flows": {"clientCredentials": {"tokenUrl": TOKEN_PATH, "scopes": {}}},
        },
    }
    schema["x-problem-types"] = {
        TYPE_BASE + slug: {"statuses": list(kind.statuses), "title": kind.title[1]}
        for slug, kind in PROBLEM_TYPES.items()
    }


def build(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, with what this module adds."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    _components(schema)
    # Included routers are resolved lazily: their contexts give the effective routes (full
    # path, router-level dependencies included).
    for context in iter_route_contexts(app.routes):
        route = context.route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        path = context.path_format or route.path_format
        for method in sorted(route.methods or ()):
            operation = schema["paths"].get(path, {}).get(method.lower())
            if operation is not None:
                _document_operation(schema, route, path, method.lower(), operation)
    return schema


def install(app: FastAPI) -> None:
    """Serve the completed document at the app's OpenAPI URL (built once, on first ask)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
