"""Calling the API as someone: bearer headers, checked JSON bodies, the citizen's own views."""

from __future__ import annotations

import re
from typing import Any

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying a token."""
    return {"Authorization": f"Bearer {token}"}


def ok_json(res: Any, status: int = 200) -> Any:
    """The JSON body of a response, asserting its status."""
    assert res.status_code == status, res.text
    return res.json()


def citizen_get(client: Any, mint: Any, code: str, path: str) -> Any:
    """GET /api/v1/me/`path` as the citizen of `code`; the JSON body, asserting 200."""
    headers = bearer(mint("citizen", credit_code=code))
    return ok_json(client.get(f"/api/v1/me/{path}", headers=headers))


def csrf_of(html: str) -> str:
    """The CSRF token a page's form carries."""
    found = CSRF.search(html)
    assert found is not None
    return found.group(1)
