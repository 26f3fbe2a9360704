"""Sign-in through an external OpenID provider, in Chromium: the provider's approval page,
the cross-site return to Credence (SameSite cookies and all), and a signed-in record page."""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from core.db import make_engine
from core.ops.keys import open_keyring
from core.runtime import Runtime
from core.settings import Settings
from crypto.keys import EnvKeyProvider, encode_env_keys
from crypto.suites import AES
from tests.browser.conftest import shoot
from tests.factories import make_code
from tests.support.oidc_provider import OidcProvider, RegisteredClient, User

CLIENT_ID = "credence-web"


@pytest.fixture
def credence_with_provider(
    fresh_engine: object, fresh_url: str, tmp_path: Path
) -> Iterator[tuple[str, OidcProvider]]:
    """Credence on `localhost` (a different site from the provider on 127.0.0.1).

    `fresh_engine` migrates the database at `fresh_url`; the server opens its own engine.
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://localhost:{sock.getsockname()[1]}"
    provider = OidcProvider(
        user=User(
            sub="person-9", name="司马小红", claims={"role": "citizen", "credit_code": make_code()}
        ),
        clients=[RegisteredClient(CLIENT_ID, [base + "/signin/oidc/callback"])],
    ).start()
    provider.interactive = True
    engine = make_engine(fresh_url)
    keyring = open_keyring(
        engine, EnvKeyProvider(encode_env_keys({1: secrets.token_bytes(32)})), AES
    )
    settings = Settings(
        data_dir=tmp_path,
        maintenance_every_seconds=0,
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_redirect_base_url=base,
    )
    app = create_app(runtime=Runtime(settings=settings, engine=engine, keyring=keyring))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none", http="h11"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    started = threading.Event()
    original_startup = server.startup

    async def startup(sockets=None):  # type: ignore[no-untyped-def]
        await original_startup(sockets)
        started.set()

    server.startup = startup  # type: ignore[method-assign]
    thread.start()
    assert started.wait(30)
    try:
        yield base, provider
    finally:
        server.should_exit = True
        thread.join(10)
        provider.close()
        engine.dispose()
        sock.close()


def test_a_citizen_signs_in_at_the_provider_and_lands_signed_in(
    credence_with_provider, browser, a11y
):
    base, provider = credence_with_provider
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(base + "/")
        page.click("a[href='/signin']")
        page.wait_for_url(provider.issuer + "/**")
        page.click("#approve")
        page.wait_for_url(base + "/me")
        assert page.locator(".who form[action='/signout']").count() == 1
        shoot(page, "oidc-signed-in")
        assert a11y.serious(page) == []
        cookies = {c["name"]: c for c in page.context.cookies(base)}
        assert cookies["credence_sid"]["sameSite"] == "Strict"
        assert cookies["credence_sid"]["httpOnly"] is True
        # Nothing of the flow's secrets is left in the address bar.
        assert "code=" not in page.url
        assert "state=" not in page.url
    finally:
        page.close()
