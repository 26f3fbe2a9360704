"""A foreign issuer's keys through OIDC discovery and its JWKS, over real loopback HTTP:
acceptance, key rollover, the refetch rate limit under a storm, and what is never trusted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import OKPKey, RSAKey

from core.clock import clock
from core.errors import Unauthenticated
from core.identity.issuer_keys import IssuerKeys
from core.identity.tokens import (
    JwksError,
    RemoteJwks,
    TokenVerifier,
    build_verifier,
    mint_access_token,
    parse_jwks,
)
from core.settings import Settings
from tests.support.loopback import Loopback

AUDIENCE = "credence-api"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DISCOVERY = "/.well-known/openid-configuration"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode(header: dict, payload: dict, sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode('ascii')))}"


class ForeignIssuer:
    """A third-party issuer: its own key file, discovery document and JWKS on a loopback server."""

    def __init__(self, server: Loopback, keys: IssuerKeys) -> None:
        self.server = server
        self.keys = keys
        self.issuer = server.url
        self.extra_jwks: list[dict] = []
        server.routes[DISCOVERY] = lambda: {
            "issuer": self.issuer,
            "jwks_uri": f"{server.url}/keys",
            "token_endpoint": f"{server.url}/token",
        }
        server.routes["/keys"] = lambda: {"keys": [*self.extra_jwks, *keys.jwks()["keys"]]}

    def mint(self, **claims: object) -> str:
        return mint_access_token(
            keys=self.keys,
            issuer=self.issuer,
            audience=AUDIENCE,
            subject="agency-7",
            claims={"role": "agency", "agency": "bank-1", **claims},
            ttl=timedelta(minutes=15),
            now=clock.now(),
            client_id="bank-1",
        )

    def good_claims(self) -> dict:
        now = int(clock.now().timestamp())
        return {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "agency-7",
            "client_id": "bank-1",
            "iat": now,
            "exp": now + 900,
            "jti": secrets.token_hex(8),
        }


@pytest.fixture
def foreign(tmp_path: Path) -> Iterator[ForeignIssuer]:
    server = Loopback()
    yield ForeignIssuer(server, IssuerKeys.load_or_create(tmp_path / "foreign-keys.json"))
    server.close()


@pytest.fixture
def attacker_server() -> Iterator[Loopback]:
    server = Loopback()
    yield server
    server.close()


def verifier_for(foreign: ForeignIssuer, **kwargs: object) -> TokenVerifier:
    source = RemoteJwks(foreign.issuer, **kwargs)
    return TokenVerifier(issuer=foreign.issuer, audience=AUDIENCE, keys=source)


class TestDiscoveryAndVerification:
    def test_foreign_token_verifies_through_discovery_and_jwks(self, foreign):
        verifier = verifier_for(foreign)
        claims = verifier.verify(foreign.mint())
        assert claims["iss"] == foreign.issuer
        assert claims["agency"] == "bank-1"
        assert foreign.server.requests == [DISCOVERY, "/keys"]

    def test_key_set_is_cached_across_tokens(self, foreign):
        verifier = verifier_for(foreign)
        for _ in range(5):
            verifier.verify(foreign.mint())
        assert foreign.server.requests == [DISCOVERY, "/keys"]

    def test_caller_supplied_client_is_used(self, foreign):
        with httpx.Client() as client:
            verifier = verifier_for(foreign, client=client)
            assert verifier.verify(foreign.mint())["sub"] == "agency-7"
            assert not client.is_closed  # the caller owns it
        assert foreign.server.count("/keys") == 1

    def test_build_verifier_uses_the_external_issuer(self, foreign, tmp_path):
        settings = Settings(data_dir=tmp_path, oidc_issuer=foreign.issuer)
        verifier = build_verifier(settings, None)
        assert verifier.issuer == foreign.issuer
        assert verifier.verify(foreign.mint())["sub"] == "agency-7"

    def test_discovery_naming_another_issuer_is_refused(self, foreign):
        foreign.server.routes[DISCOVERY] = lambda: {
            "issuer": foreign.issuer + "/",  # not an exact match
            "jwks_uri": f"{foreign.server.url}/keys",
        }
        verifier = verifier_for(foreign)
        with pytest.raises(Unauthenticated, match="unknown signing key"):
            verifier.verify(foreign.mint())
        assert foreign.server.count("/keys") == 0

    def test_plain_http_is_refused_except_to_loopback(self):
        with pytest.raises(JwksError, match="https"):
            RemoteJwks("http://issuer.example")
        with pytest.raises(JwksError, match="https"):
            RemoteJwks("ftp://127.0.0.1/")
        assert RemoteJwks("https://issuer.example").issuer == "https://issuer.example"

    def test_discovery_pointing_jwks_at_plain_http_elsewhere_is_refused(self, foreign):
        foreign.server.routes[DISCOVERY] = lambda: {
            "issuer": foreign.issuer,
            "jwks_uri": "http://keys.example/jwks",
        }
        with pytest.raises(Unauthenticated, match="unknown signing key"):
            verifier_for(foreign).verify(foreign.mint())

    def test_issuer_down_means_unknown_key_not_a_crash(self, foreign):
        foreign.server.routes.pop("/keys")
        with pytest.raises(Unauthenticated, match="unknown signing key"):
            verifier_for(foreign).verify(foreign.mint())


class TestRollover:
    def test_new_kid_is_accepted_after_one_refetch(self, foreign):
        clock.freeze(T0)
        verifier = verifier_for(foreign, min_refetch_seconds=30)
        old_token = foreign.mint()
        verifier.verify(old_token)
        assert foreign.server.count("/keys") == 1

        new_kid = foreign.keys.rotate()
        new_token = foreign.mint()
        # Inside the refetch window the new kid is not yet known, and nothing is fetched.
        clock.advance(timedelta(seconds=10))
        with pytest.raises(Unauthenticated, match="unknown signing key"):
            verifier.verify(new_token)
        assert foreign.server.count("/keys") == 1

        clock.advance(timedelta(seconds=21))
        claims = verifier.verify(new_token)
        assert claims["sub"] == "agency-7"
        assert foreign.server.count("/keys") == 2
        assert foreign.server.count(DISCOVERY) == 1  # jwks_uri is remembered
        assert verifier.verify(foreign.mint())["sub"] == "agency-7"
        assert verifier.verify(old_token)["sub"] == "agency-7"
        assert foreign.server.count("/keys") == 2
        assert new_kid in {k["kid"] for k in foreign.keys.jwks()["keys"]}


class TestRefetchRateLimit:
    def unknown_kid_tokens(self, foreign: ForeignIssuer, n: int) -> list[str]:
        attacker = OKPKey.generate_key("Ed25519")
        return [
            encode(
                {"alg": "EdDSA", "typ": "at+jwt", "kid": secrets.token_hex(8)},
                foreign.good_claims(),
                attacker.private_key.sign,
            )
            for _ in range(n)
        ]

    def test_storm_of_unknown_kids_causes_at_most_one_refetch(self, foreign):
        clock.freeze(T0)
        verifier = verifier_for(foreign, min_refetch_seconds=30)
        verifier.verify(foreign.mint())
        clock.advance(timedelta(seconds=31))
        for token in self.unknown_kid_tokens(foreign, 50):
            with pytest.raises(Unauthenticated, match="unknown signing key"):
                verifier.verify(token)
        assert foreign.server.count("/keys") == 2  # the warm-up fetch and one refetch
        clock.advance(timedelta(seconds=29))
        for token in self.unknown_kid_tokens(foreign, 50):
            with pytest.raises(Unauthenticated, match="unknown signing key"):
                verifier.verify(token)
        assert foreign.server.count("/keys") == 2

    def test_concurrent_storm_causes_at_most_one_refetch(self, foreign):
        clock.freeze(T0)
        verifier = verifier_for(foreign, min_refetch_seconds=30)
        verifier.verify(foreign.mint())
        clock.advance(timedelta(seconds=31))
        tokens = self.unknown_kid_tokens(foreign, 50)

        def attempt(token: str) -> str:
            try:
                verifier.verify(token)
            except Unauthenticated as exc:
                return exc.detail
            return "accepted"

        with ThreadPoolExecutor(max_workers=16) as pool:
            outcomes = list(pool.map(attempt, tokens))
        assert set(outcomes) == {"unknown signing key"}
        assert foreign.server.count("/keys") == 2

    def test_storm_before_any_key_set_is_held_fetches_once(self, foreign):
        clock.freeze(T0)
        verifier = verifier_for(foreign, min_refetch_seconds=30)
        for token in self.unknown_kid_tokens(foreign, 50):
            with pytest.raises(Unauthenticated):
                verifier.verify(token)
        assert foreign.server.requests == [DISCOVERY, "/keys"]


class TestUntrustedKeys:
    def test_symmetric_key_in_the_jwks_is_ignored(self, foreign):
        secret = secrets.token_bytes(32)
        foreign.extra_jwks.append(
            {"kty": "oct", "kid": "shared", "alg": "HS256", "use": "sig", "k": b64(secret)}
        )
        foreign.extra_jwks.append({"kty": "oct", "kid": "shared-eddsa", "k": b64(secret)})
        source = RemoteJwks(foreign.issuer)
        verifier = TokenVerifier(issuer=foreign.issuer, audience=AUDIENCE, keys=source)
        for alg, kid in (("HS256", "shared"), ("EdDSA", "shared-eddsa")):
            token = encode(
                {"alg": alg, "typ": "at+jwt", "kid": kid},
                foreign.good_claims(),
                lambda msg: hmac.new(secret, msg, hashlib.sha256).digest(),
            )
            with pytest.raises(Unauthenticated):
                verifier.verify(token)
        assert source.key_for("shared") is None
        assert source.key_for("shared-eddsa") is None
        # The issuer's real keys in the same set still work.
        assert verifier.verify(foreign.mint())["sub"] == "agency-7"

    def test_jku_header_is_never_followed(self, foreign, attacker_server):
        attacker = OKPKey.generate_key("Ed25519", parameters={"kid": "evil", "use": "sig"})
        attacker_server.routes["/jwks"] = lambda: {"keys": [attacker.as_dict(private=False)]}
        verifier = verifier_for(foreign)
        token = encode(
            {"alg": "EdDSA", "typ": "at+jwt", "kid": "evil", "jku": f"{attacker_server.url}/jwks"},
            foreign.good_claims(),
            attacker.private_key.sign,
        )
        with pytest.raises(Unauthenticated, match="unknown signing key"):
            verifier.verify(token)
        assert attacker_server.requests == []

    def test_parse_jwks_keeps_only_asymmetric_signing_keys(self):
        ed = OKPKey.generate_key("Ed25519", parameters={"kid": "ed"}).as_dict(private=False)
        # A short modulus is the point here: such a key must be dropped.
        weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
        small = weak.public_key()
        numbers = small.public_numbers()
        rsa_small = {
            "kty": "RSA",
            "kid": "small",
            "n": b64(numbers.n.to_bytes(128, "big")),
            "e": b64(numbers.e.to_bytes(3, "big")),
        }
        rsa_big = RSAKey.generate_key(2048, parameters={"kid": "big"}).as_dict(private=False)
        enc = {**ed, "kid": "enc", "use": "enc"}
        hs_alg = {**ed, "kid": "hs-alg", "alg": "HS256"}
        leaked = OKPKey.generate_key("Ed25519", parameters={"kid": "leak"}).as_dict(private=True)
        wrong_ops = {**ed, "kid": "ops", "key_ops": ["encrypt"]}
        dup_a, dup_b = {**ed, "kid": "dup"}, {**ed, "kid": "dup"}
        found = parse_jwks(
            {
                "keys": [
                    ed,
                    rsa_small,
                    rsa_big,
                    enc,
                    hs_alg,
                    leaked,
                    wrong_ops,
                    dup_a,
                    dup_b,
                    "junk",
                    {},
                ]
            }
        )
        assert set(found) == {"ed", "big"}

    def test_not_a_key_set_is_an_error(self):
        with pytest.raises(JwksError):
            parse_jwks({"keys": "nope"})
        with pytest.raises(JwksError):
            parse_jwks([])
