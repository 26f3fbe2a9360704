"""Page security over plain HTTP against the live demo server: headers on every page,
CSRF on every POST, cookies' attributes, no personal data in URLs or cookies, and the
development sign-in refused for a non-loopback host or client."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request

from api.headers import CSP
from api.identity.signin_pages import dev_signin_allowed
from core.settings import Settings
from tests.factories import csrf_of

PAGES = ["/", "/lists/black", "/lists/red", "/announcements", "/lookup", "/checkpoint", "/signin"]


class TestHeaders:
    @pytest.mark.parametrize("path", [*PAGES, "/static/site.css", "/me"])
    def test_every_page_has_the_security_headers(self, live, path):
        base, _ = live
        res = httpx.get(base + path)
        assert res.headers["content-security-policy"] == CSP
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["referrer-policy"] == "no-referrer"

    def test_api_responses_are_left_alone(self, live):
        base, _ = live
        res = httpx.get(base + "/api/v1/public/lists/black")
        assert "content-security-policy" not in res.headers

    def test_no_inline_script_or_style(self, live):
        base, _ = live
        for path in PAGES:
            html = httpx.get(base + path).text
            assert "<script>" not in html
            assert "<style" not in html
            assert " style=" not in html


class TestCsrf:
    def test_session_cookie_is_httponly_and_strict(self, live):
        base, _ = live
        cookie = httpx.get(base + "/").headers["set-cookie"]
        assert "credence_sid=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        # Plain http to 127.0.0.1 (development): Secure would make the browser drop it.
        assert "Secure" not in cookie

    @pytest.mark.parametrize("path", ["/lookup", "/signin", "/signout"])
    def test_post_without_token_is_refused(self, live, path):
        base, _ = live
        with httpx.Client(base_url=base) as client:
            client.get("/")
            res = client.post(path, data={"role": "citizen", "person": "1"})
        assert res.status_code == 400

    def test_token_of_another_session_is_refused(self, live):
        base, _ = live
        with httpx.Client(base_url=base) as a, httpx.Client(base_url=base) as b:
            token = csrf_of(a.get("/signin").text)
            b.get("/")
            res = b.post("/signin", data={"csrf_token": token, "role": "citizen", "person": "1"})
        assert res.status_code == 400

    def test_sign_in_rotates_the_session_and_keeps_the_code_out(self, live):
        base, _ = live
        with httpx.Client(base_url=base) as client:
            token = csrf_of(client.get("/signin").text)
            before = client.cookies["credence_sid"]
            res = client.post(
                "/signin", data={"csrf_token": token, "role": "citizen", "person": "1"}
            )
            assert res.status_code == 303
            assert res.headers["location"] == "/me"
            after = client.cookies["credence_sid"]
            assert after != before
            assert "." not in after  # an opaque id, not a JWT
            page = client.get("/me")
            assert page.status_code == 200
            assert page.headers["cache-control"] == "no-store"


class TestDevSignIn:
    def test_refused_for_a_non_loopback_host_name(self, live):
        base, _ = live
        res = httpx.get(base + "/signin", headers={"Host": "rebound.example"})
        assert res.status_code == 404

    def test_refused_for_a_non_loopback_client(self):
        class _App:
            class state:  # noqa: N801 - stands in for app.state
                issuer_keys = object()

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/signin",
            "headers": [(b"host", b"127.0.0.1:8000")],
            "query_string": b"",
            "client": ("203.0.113.5", 40000),
            "server": ("127.0.0.1", 8000),
            "scheme": "http",
            "app": _App(),
        }
        runtime = type("R", (), {"settings": Settings(oidc_issuer=None)})()
        assert dev_signin_allowed(Request(scope), runtime) is False
        scope["client"] = ("127.0.0.1", 40000)
        assert dev_signin_allowed(Request(scope), runtime) is True
