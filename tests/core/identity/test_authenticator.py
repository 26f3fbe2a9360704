"""Principals are cached per token until expiry, and the cache never holds a plaintext code."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import clock
from core.errors import Unauthenticated
from core.identity.authenticator import Authenticator
from core.identity.issuer_keys import IssuerKeys
from core.identity.principal import principal_from_claims
from core.identity.tokens import EmbeddedKeySource, TokenVerifier, mint_access_token
from tests.factories import make_code


@pytest.fixture
def setup(tmp_path, keyring):
    keys = IssuerKeys.load_or_create(tmp_path / "k.json")
    verifier = TokenVerifier(
        issuer="iss", audience="aud", keys=EmbeddedKeySource(keys), cache_size=0
    )
    auth = Authenticator(verifier, keyring=keyring, code_claim="credit_code")

    def mint(code: str, ttl: timedelta = timedelta(minutes=5)) -> str:
        return mint_access_token(
            keys=keys,
            issuer="iss",
            audience="aud",
            subject="s",
            claims={"role": "citizen", "credit_code": code},
            ttl=ttl,
            now=clock.now(),
            client_id="c",
        )

    return auth, mint, keyring


class TestAuthenticator:
    def test_principal_carries_only_the_blind_index(self, setup):
        auth, mint, keyring = setup
        code = make_code()
        principal = auth.authenticate(mint(code))
        assert principal.code_index == keyring.blind_index(code)
        assert code not in repr(principal)
        assert all(code not in repr(vars(p)) for p in auth._cache.values())

    def test_cached_principal_is_refused_after_expiry(self, setup):
        auth, mint, _ = setup
        token = mint(make_code(), ttl=timedelta(seconds=60))
        first = auth.authenticate(token)
        assert auth.authenticate(token) is first
        clock.advance(timedelta(seconds=61 + 30))
        with pytest.raises(Unauthenticated):
            auth.authenticate(token)

    def test_cache_is_bounded(self, setup, keyring):
        auth, mint, _ = setup
        small = Authenticator(
            auth._verifier, keyring=keyring, code_claim="credit_code", cache_size=3
        )
        for _ in range(5):
            small.authenticate(mint(make_code()))
        assert len(small._cache) == 3


class TestCached:
    """`cached` answers from the cache alone: only a token verified before, only until exp."""

    def test_a_token_never_verified_is_not_answered(self, setup):
        auth, mint, _ = setup
        assert auth.cached(mint(make_code())) is None
        assert auth.cached("not-a-token") is None

    def test_a_verified_token_is_answered_with_its_principal(self, setup):
        auth, mint, _ = setup
        token = mint(make_code())
        principal = auth.authenticate(token)
        assert auth.cached(token) is principal
        assert auth.cached(token + "x") is None

    def test_an_expired_token_is_not_answered_and_leaves_the_cache(self, setup):
        auth, mint, _ = setup
        token = mint(make_code(), ttl=timedelta(seconds=60))
        auth.authenticate(token)
        clock.advance(timedelta(seconds=61))
        assert auth.cached(token) is None
        assert len(auth._cache) == 0
        with pytest.raises(Unauthenticated):
            auth.authenticate(token)


class TestPrincipalExpiry:
    @pytest.mark.parametrize("exp", [10**12, 10**400, 1e308, float("nan"), True])
    def test_an_expiry_no_datetime_holds_is_unauthenticated(self, keyring, exp):
        claims = {"role": "auditor", "sub": "a", "jti": "j", "exp": exp}
        with pytest.raises(Unauthenticated, match="expiry"):
            principal_from_claims(claims, keyring=keyring, code_claim="credit_code")
