"""In Debian's Chromium, with every other origin cut off: /docs, /redoc and the problem pages.

The reference pages load only the live server's own assets, show its operations, and
report no Content-Security-Policy violation under the pages' strict policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from api.headers import CSP
from tests.browser.conftest import shoot
from tests.browser.steps import watch_csp

# Reported through the DOM as well as the console, so no violation goes unseen.
LISTEN_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


class Offline:
    """A tab whose requests to any origin but the server's are aborted and recorded."""

    def __init__(self, context: Any, base: str) -> None:
        self.base = base
        self.origin = urlsplit(base).netloc
        self.foreign: list[str] = []
        self.page = context.new_page()
        self.page.add_init_script(LISTEN_CSP)
        self.csp_console = watch_csp(self.page)
        self.page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if urlsplit(url).netloc == self.origin or url.startswith(("data:", "blob:")):
            route.continue_()
            return
        self.foreign.append(url)
        route.abort("internetdisconnected")

    def violations(self) -> list[str]:
        """Every CSP violation seen so far, by the DOM event or the console."""
        return [*self.page.evaluate("window.__cspViolations"), *self.csp_console]


@pytest.fixture
def offline(live: tuple[str, Path], browser: Any) -> Iterator[Offline]:
    """An offline tab on the live demo server."""
    tab = Offline(browser, live[0])
    try:
        yield tab
    finally:
        tab.page.close()


class TestSwaggerUiOffline:
    def test_operations_render_with_nothing_from_elsewhere(self, offline):
        response = offline.page.goto(offline.base + "/docs")
        assert response is not None
        assert response.ok
        assert response.headers["content-security-policy"] == CSP
        offline.page.wait_for_selector(".opblock", timeout=30_000)
        summaries = offline.page.locator(".opblock-summary-path").all_inner_texts()
        assert "/api/v1/queries" in [s.replace("\u200b", "") for s in summaries]
        assert len(summaries) > 30
        # The security schemes are offered to try the API with.
        assert offline.page.locator(".auth-wrapper .authorize").count() == 1
        shoot(offline.page, "api-docs-swagger")
        assert offline.foreign == []
        assert offline.violations() == []

    def test_an_operation_opens(self, offline):
        offline.page.goto(offline.base + "/docs#/agency/query_api_v1_queries_post")
        offline.page.wait_for_selector(".opblock.is-open", timeout=30_000)
        assert offline.page.locator(".opblock.is-open .responses-table").count() >= 1
        assert offline.violations() == []


class TestRedocOffline:
    def test_operations_render_with_nothing_from_elsewhere(self, offline):
        response = offline.page.goto(offline.base + "/redoc")
        assert response is not None
        assert response.headers["content-security-policy"] == CSP
        # A function, not a string: the page's CSP forbids evaluating text as script.
        offline.page.wait_for_function(
            "() => document.body.innerText.includes('/api/v1/queries')", timeout=30_000
        )
        assert offline.page.locator("h2").count() > 30
        shoot(offline.page, "api-docs-redoc")
        assert offline.foreign == []
        assert offline.violations() == []


class TestProblemTypePages:
    @pytest.mark.parametrize(("lang", "title"), [("zh", "与现有数据冲突"), ("en", "Conflict")])
    def test_a_type_uri_opens_its_page_in_the_page_language(self, offline, a11y, lang, title):
        response = offline.page.goto(f"{offline.base}/problems/conflict?lang={lang}")
        assert response is not None
        assert response.ok
        assert response.headers["content-security-policy"] == CSP
        assert offline.page.locator("h1").inner_text() == title
        html_lang = offline.page.locator("html").get_attribute("lang")
        assert html_lang == ("zh-Hans" if lang == "zh" else "en")
        assert a11y.serious(offline.page) == []
        offline.page.locator('a[href="/problems"]').click()
        offline.page.wait_for_url(f"{offline.base}/problems")
        assert offline.page.locator('a[href="/problems/idempotency-key-reused"]').count() == 1
        shoot(offline.page, f"problem-types-{lang}")
        assert offline.foreign == []
        assert offline.violations() == []
