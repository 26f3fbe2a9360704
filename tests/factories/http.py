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


def page_items(res: Any) -> list[Any]:
    """The items of one page of a list, asserting 200 and the page's shape."""
    body = ok_json(res)
    assert set(body) == {"items", "next_cursor"}, body
    return list(body["items"])


def every_item(
    client: Any, url: str, *, headers: Any = None, params: dict[str, Any] | None = None
) -> list[Any]:
    """Every item of a paged list, following `next_cursor` to the last page."""
    found: list[Any] = []
    cursor = None
    while True:
        asked = {**(params or {}), **({} if cursor is None else {"cursor": cursor})}
        body = ok_json(client.get(url, headers=headers, params=asked))
        found += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return found


def citizen_items(client: Any, mint: Any, code: str, path: str) -> list[Any]:
    """Every item of the citizen's own list /api/v1/me/`path`, all its pages joined."""
    headers = bearer(mint("citizen", credit_code=code))
    return every_item(client, f"/api/v1/me/{path}", headers=headers)


def csrf_of(html: str) -> str:
    """The CSRF token a page's form carries."""
    found = CSRF.search(html)
    assert found is not None
    return found.group(1)
