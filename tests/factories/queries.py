"""Agency queries through the API, on a legal basis or a citizen's authorization."""

from __future__ import annotations

from typing import Any

from tests.factories.http import bearer, ok_json


def agency_query(
    client: Any,
    mint: Any,
    code: str,
    *,
    agency: str = "court-1",
    purpose: str = "licensing",
    legal_basis: str | None = "court_enforcement",
    authorization_id: str | None = None,
) -> Any:
    """`agency` queries `code` on a legal basis, or on an authorization instead; the response."""
    body = {"subject_code": code, "purpose": purpose}
    if authorization_id is not None:
        body["authorization_id"] = authorization_id
    elif legal_basis is not None:
        body["legal_basis"] = legal_basis
    return client.post("/api/v1/queries", headers=bearer(mint("agency", agency=agency)), json=body)


def court_query(client: Any, mint: Any, code: str, agency: str = "court-1") -> dict:
    """`agency` queries `code` for court enforcement; the answer, asserting 200."""
    return dict(ok_json(agency_query(client, mint, code, agency=agency)))


def entry_ids(answer: dict) -> list[str]:
    """The ids of the entries an answer or a record shows, in its order."""
    return [e["id"] for e in answer["entries"]]
