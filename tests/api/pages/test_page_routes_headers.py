"""Every page route the app serves sits under a prefix the security-header middleware covers."""

from __future__ import annotations

from fastapi.routing import iter_route_contexts

from api.headers import PRIVATE_PREFIXES, is_page_path

# Routes outside the pages: the API, the token endpoint and discovery, ops, the OpenAPI.
NOT_PAGES = ("/api/", "/oauth", "/.well-known", "/healthz", "/readyz", "/metrics")
NOT_PAGES_EXACT = ("/openapi.json",)


def _page_paths(app) -> list[str]:
    paths = []
    for context in iter_route_contexts(app.routes):
        path = context.path
        if path in NOT_PAGES_EXACT or path.startswith(NOT_PAGES):
            continue
        paths.append(path)
    return paths


class TestPageRoutes:
    def test_every_page_route_gets_the_security_headers(self, app):
        paths = _page_paths(app)
        assert "/recorder" in paths
        assert "/audit/queries" in paths
        uncovered = [p for p in paths if not is_page_path(p)]
        assert uncovered == []

    def test_signed_in_pages_are_never_cached(self, app):
        for path in _page_paths(app):
            if path.startswith(("/me", "/officer", "/recorder", "/audit")):
                assert any(path == p or path.startswith(p + "/") for p in PRIVATE_PREFIXES), path
