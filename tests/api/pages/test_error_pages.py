"""Error pages: a browser asking for a page gets 404, 422 and 429 as HTML in its language.

The API (and any client that does not name HTML first) keeps problem+json; the page has
the same status and headers, says when to try again after a 429, and quotes nothing of
the request.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.requests import Request

from api.pages.errors import retry_from, retry_text, wants_html
from api.ratelimit import TokenBucketLimiter
from api.state import state_of
from core.clock import CST, clock
from tests.factories import csrf_of, make_code

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
T0 = datetime(2026, 3, 2, 10, 0, 30, tzinfo=CST)


def _request(path: str, accept: str | None) -> Request:
    headers = [] if accept is None else [(b"accept", accept.encode())]
    return Request({"type": "http", "method": "GET", "path": path, "headers": headers})


class TestWhoGetsAPage:
    @pytest.mark.parametrize(
        ("path", "accept", "page"),
        [
            ("/no-such-page", BROWSER, True),
            ("/lists/purple", "text/html", True),
            ("/api/v1/nothing", BROWSER, False),
            ("/api", BROWSER, False),
            ("/no-such-page", None, False),
            ("/no-such-page", "*/*", False),
            ("/no-such-page", "application/json", False),
            ("/no-such-page", "application/json, text/html;q=0.5", False),
            ("/no-such-page", "text/html;q=0, */*", False),
            ("/no-such-page", "text/*, application/json;q=0.9", False),
            ("/no-such-page", "text/html, application/problem+json", True),
        ],
    )
    def test_html_named_first_outside_the_api(self, path, accept, page):
        assert wants_html(_request(path, accept)) is page


class TestNotFound:
    def test_a_browser_gets_a_page_in_its_language(self, client):
        res = client.get("/no-such-page?lang=en", headers={"Accept": BROWSER})
        assert res.status_code == 404
        assert res.headers["content-type"].startswith("text/html")
        assert "<h1>Not found</h1>" in res.text
        assert "the address is wrong" in res.text
        assert "no-such-page" not in res.text.split("<main", 1)[1]
        assert res.headers["content-security-policy"].startswith("default-src 'self'")
        zh = client.get("/no-such-page", headers={"Accept": BROWSER, "Cookie": ""})
        assert "<h1>未找到</h1>" in zh.text

    def test_the_api_and_other_clients_keep_problem_json(self, client):
        api = client.get("/api/v1/no-such-thing", headers={"Accept": BROWSER})
        assert api.status_code == 404
        assert api.headers["content-type"] == "application/problem+json"
        plain = client.get("/no-such-page")
        assert plain.status_code == 404
        assert plain.headers["content-type"] == "application/problem+json"


class TestInvalid:
    def test_a_bad_page_parameter_is_a_422_page(self, client):
        res = client.get("/lists/purple?lang=zh", headers={"Accept": BROWSER})
        assert res.status_code == 422
        assert "<h1>请求无效</h1>" in res.text
        assert "purple" not in res.text.split("<main", 1)[1]

    def test_the_same_parameter_on_the_api_is_a_problem(self, client):
        res = client.get("/api/v1/public/lists/purple", headers={"Accept": BROWSER})
        assert res.status_code == 422
        assert res.headers["content-type"] == "application/problem+json"


class TestTooMany:
    def test_the_lookup_page_says_when_to_try_again(self, app, client):
        clock.freeze(T0)
        state_of(app).lookup_limiter = TokenBucketLimiter(per_minute=1, burst=1)
        client.base_url = "https://testserver"  # type: ignore[assignment]
        token = csrf_of(client.get("/lookup?lang=zh").text)
        form = {"csrf_token": token, "code": make_code(), "name": "欧阳小明"}
        assert client.post("/lookup", data=form, headers={"Accept": BROWSER}).status_code == 200
        res = client.post("/lookup", data=form, headers={"Accept": BROWSER})
        assert res.status_code == 429
        wait = int(res.headers["retry-after"])
        assert 55 <= wait <= 60
        assert res.headers["content-type"].startswith("text/html")
        assert "<h1>请求过于频繁</h1>" in res.text
        at = retry_from(wait, T0).strftime("%Y-%m-%d %H:%M")
        assert f"请在约1分钟后、{at} 北京时间起重试。" in res.text
        assert form["code"] not in res.text

    def test_a_short_wait_is_said_in_seconds(self):
        assert retry_text(6, "zh", T0) == "请在6秒后重试。"
        assert retry_text(6, "en", T0) == "Please try again in 6 seconds."

    def test_a_long_wait_is_said_as_the_minute_from_which_to_retry(self):
        now = datetime(2026, 3, 2, 2, 0, 30, tzinfo=UTC)  # 10:00:30 in Beijing
        assert retry_from(90, now) == datetime(2026, 3, 2, 2, 2, tzinfo=UTC)
        assert retry_from(30, now) == datetime(2026, 3, 2, 2, 1, tzinfo=UTC)  # on the minute
        assert retry_text(90, "en", now) == (
            "Please try again in about 2 minutes, from 2026-03-02 10:02 CST."
        )
