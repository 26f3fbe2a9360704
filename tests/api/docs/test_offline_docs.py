"""/docs and /redoc: packaged assets only, every one served here, under the pages' CSP."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from api.headers import CSP

DOCS = ("/docs", "/redoc")


class _Refs(HTMLParser):
    """Every URL a page loads (src, href) and the text of each script element."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self.styles = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [v for k, v in attrs if k in {"src", "href", "spec-url"} and v]
        self.styles += tag == "style" or "style" in found
        self._in_script = tag == "script"
        if tag == "script" and not found.get("src"):
            self.inline_scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def _refs(html: str) -> _Refs:
    parser = _Refs()
    parser.feed(html)
    return parser


class TestOfflineDocs:
    @pytest.mark.parametrize("path", DOCS)
    def test_page_loads_only_same_origin_assets(self, client, path):
        res = client.get(path)
        assert res.status_code == 200
        refs = _refs(res.text)
        assert refs.urls, "the page loads nothing?"
        for url in refs.urls:
            assert url.startswith("/"), url
            assert not url.startswith("//"), url
        assert "cdn" not in res.text.lower()

    @pytest.mark.parametrize("path", DOCS)
    def test_every_asset_is_served(self, client, path):
        for url in _refs(client.get(path).text).urls:
            res = client.get(url)
            assert res.status_code == 200, url
            assert res.content, url

    @pytest.mark.parametrize("path", DOCS)
    def test_no_inline_script_or_style(self, client, path):
        refs = _refs(client.get(path).text)
        assert refs.inline_scripts == []
        assert refs.styles == 0

    @pytest.mark.parametrize("path", DOCS)
    def test_page_and_assets_carry_the_strict_csp(self, client, path):
        res = client.get(path)
        assert res.headers["content-security-policy"] == CSP
        assert "unsafe-inline" not in CSP
        assert "unsafe-eval" not in CSP
        assert res.headers["x-content-type-options"] == "nosniff"
        for url in _refs(res.text).urls:
            if url != "/openapi.json":  # the document itself is API, not page
                assert client.get(url).headers["content-security-policy"] == CSP, url

    def test_swagger_ui_starts_from_a_static_file(self, client):
        html = client.get("/docs").text
        assert '<script src="/static/swagger-init.js"></script>' in html
        assert 'data-openapi-url="/openapi.json"' in html
        assert "SwaggerUIBundle" in client.get("/static/swagger-init.js").text

    def test_openapi_document_is_left_as_api(self, client):
        res = client.get("/openapi.json")
        assert res.status_code == 200
        assert "content-security-policy" not in res.headers

    def test_no_oauth2_redirect_page_with_inline_script(self, client):
        assert client.get("/docs/oauth2-redirect").status_code == 404
