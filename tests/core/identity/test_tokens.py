"""RFC 9068 access tokens: minting, every refusal of SPEC §12, the verified-token cache,
and the embedded issuer's key file. Real Ed25519/RSA/HMAC crypto, a real loopback server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc.jwk import OKPKey

from core.clock import clock
from core.errors import Unauthenticated
from core.identity.issuer_keys import IssuerKeys, IssuerKeysError
from core.identity.tokens import (
    ACCESS_TOKEN_TYP,
    EmbeddedKeySource,
    TokenVerifier,
    VerificationKey,
    build_verifier,
    mint_access_token,
)
from core.settings import Settings
from tests.support.loopback import Loopback

ISSUER = "urn:credence:test-issuer"
AUDIENCE = "credence-api"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# ---------------------------------------------------------------- helpers


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def encode(header: dict, payload: dict, sign: Callable[[bytes], bytes]) -> str:
    """A compact JWS built by hand, so tests can forge what the minting code never would."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode('ascii')))}"


def header_of(token: str) -> dict:
    return json.loads(unb64(token.split(".")[0]))


def good_claims(**overrides: object) -> dict:
    """Valid claims at the current clock; an override of None removes the claim."""
    now = int(clock.now().timestamp())
    claims: dict = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "client_id": "test-client",
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": secrets.token_hex(8),
        "role": "auditor",
    }
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def ed_signer(keys: IssuerKeys) -> Callable[[bytes], bytes]:
    return keys.private_jwk().private_key.sign


def our_header(keys: IssuerKeys, **overrides: object) -> dict:
    header: dict = {"alg": "EdDSA", "typ": ACCESS_TOKEN_TYP, "kid": keys.current_kid}
    for name, value in overrides.items():
        if value is None:
            header.pop(name, None)
        else:
            header[name] = value
    return header


def mint(keys: IssuerKeys, *, ttl: timedelta = timedelta(minutes=15), **claims: object) -> str:
    return mint_access_token(
        keys=keys,
        issuer=ISSUER,
        audience=AUDIENCE,
        subject="user-1",
        claims={"role": "auditor", **claims},
        ttl=ttl,
        now=clock.now(),
        client_id="test-client",
    )


class CountingSource:
    """Our own KeySource in front of the real one, counting lookups (not a mock: it delegates)."""

    def __init__(self, inner: EmbeddedKeySource) -> None:
        self.inner = inner
        self.lookups = 0

    def key_for(self, kid: str) -> VerificationKey | None:
        self.lookups += 1
        return self.inner.key_for(kid)

    def refresh(self) -> None:
        self.inner.refresh()


@pytest.fixture
def keys(tmp_path: Path) -> IssuerKeys:
    return IssuerKeys.load_or_create(tmp_path / "data" / "issuer-keys.json")


@pytest.fixture
def verifier(keys: IssuerKeys) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, audience=AUDIENCE, keys=EmbeddedKeySource(keys))


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    server = Loopback()
    yield server
    server.close()


# ---------------------------------------------------------------- minting and the round trip


class TestRoundTrip:
    def test_minted_token_verifies_with_its_claims(self, keys, verifier):
        clock.freeze(T0)
        token = mint(keys, department="tax")
        claims = verifier.verify(token)
        now = int(T0.timestamp())
        assert claims["iss"] == ISSUER
        assert claims["aud"] == AUDIENCE
        assert claims["sub"] == "user-1"
        assert claims["client_id"] == "test-client"
        assert (claims["iat"], claims["nbf"], claims["exp"]) == (now, now, now + 900)
        assert claims["role"] == "auditor"
        assert claims["department"] == "tax"
        assert isinstance(claims["jti"], str)
        assert len(claims["jti"]) >= 16

    def test_header_is_eddsa_at_jwt_with_the_current_kid(self, keys):
        assert header_of(mint(keys)) == {"alg": "EdDSA", "typ": "at+jwt", "kid": keys.current_kid}

    def test_every_token_gets_its_own_jti(self, keys, verifier):
        jtis = {verifier.verify(mint(keys))["jti"] for _ in range(5)}
        assert len(jtis) == 5

    @pytest.mark.parametrize("name", ["iss", "aud", "sub", "client_id", "iat", "nbf", "exp", "jti"])
    def test_claims_cannot_override_registered_ones(self, keys, name):
        with pytest.raises(ValueError, match="registered"):
            mint(keys, **{name: "x"})

    def test_audience_list_containing_ours_is_accepted(self, keys, verifier):
        token = encode(our_header(keys), good_claims(aud=["other-api", AUDIENCE]), ed_signer(keys))
        assert verifier.verify(token)["aud"] == ["other-api", AUDIENCE]

    def test_full_media_type_is_accepted_as_rfc_9068_allows(self, keys, verifier):
        token = encode(our_header(keys, typ="application/at+jwt"), good_claims(), ed_signer(keys))
        assert verifier.verify(token)["sub"] == "user-1"


# ---------------------------------------------------------------- refusals: time


class TestTimeClaims:
    def test_expired_token_is_refused_once_past_the_leeway(self, keys, verifier):
        clock.freeze(T0)
        token = mint(keys, ttl=timedelta(seconds=60))
        clock.advance(timedelta(seconds=60 + 29))
        assert verifier.verify(token)["sub"] == "user-1"  # inside the 30 s leeway
        fresh = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, keys=EmbeddedKeySource(keys))
        clock.advance(timedelta(seconds=1))
        with pytest.raises(Unauthenticated, match="token expired"):
            fresh.verify(token)

    def test_nbf_in_the_future_is_refused(self, keys, verifier):
        now = int(clock.now().timestamp())
        token = encode(our_header(keys), good_claims(nbf=now + 120), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="not yet valid"):
            verifier.verify(token)

    def test_iat_in_the_future_is_refused(self, keys, verifier):
        now = int(clock.now().timestamp())
        token = encode(our_header(keys), good_claims(iat=now + 120), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="issued in the future"):
            verifier.verify(token)

    def test_small_clock_skew_is_tolerated(self, keys, verifier):
        now = int(clock.now().timestamp())
        token = encode(our_header(keys), good_claims(iat=now + 10, nbf=now + 10), ed_signer(keys))
        assert verifier.verify(token)["sub"] == "user-1"

    @pytest.mark.parametrize("bad", ["soon", True, [1]])
    def test_non_numeric_exp_is_refused(self, keys, verifier, bad):
        token = encode(our_header(keys), good_claims(exp=bad), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="exp"):
            verifier.verify(token)


ABSURD_TIMES = [10**12, 10**400, 1e308, -(10**12), 253_402_300_800]


class TestAbsurdTimeClaims:
    @pytest.mark.parametrize("value", ABSURD_TIMES)
    def test_an_absurd_exp_is_refused(self, keys, verifier, value):
        token = encode(our_header(keys), good_claims(exp=value), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="no valid exp"):
            verifier.verify(token)

    @pytest.mark.parametrize("value", ABSURD_TIMES)
    @pytest.mark.parametrize("name", ["iat", "nbf"])
    def test_an_absurd_iat_or_nbf_is_refused(self, keys, verifier, name, value):
        token = encode(our_header(keys), good_claims(**{name: value}), ed_signer(keys))
        with pytest.raises(Unauthenticated, match=f"(invalid|no valid) {name}"):
            verifier.verify(token)

    def test_the_last_second_a_datetime_holds_is_still_an_expiry(self, keys, verifier):
        token = encode(our_header(keys), good_claims(exp=253_402_300_799), ed_signer(keys))
        assert verifier.verify(token)["exp"] == 253_402_300_799


# ---------------------------------------------------------------- refusals: claims


class TestClaims:
    def test_wrong_issuer_is_refused(self, keys, verifier):
        token = encode(our_header(keys), good_claims(iss=ISSUER + "/"), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="wrong issuer"):
            verifier.verify(token)

    @pytest.mark.parametrize("aud", ["other-api", ["other-api"], [], "CREDENCE-API"])
    def test_wrong_audience_is_refused(self, keys, verifier, aud):
        token = encode(our_header(keys), good_claims(aud=aud), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="wrong audience"):
            verifier.verify(token)

    @pytest.mark.parametrize("name", ["jti", "iat", "sub", "exp", "aud", "iss"])
    def test_missing_required_claim_is_refused(self, keys, verifier, name):
        token = encode(our_header(keys), good_claims(**{name: None}), ed_signer(keys))
        with pytest.raises(Unauthenticated):
            verifier.verify(token)

    def test_empty_jti_is_refused(self, keys, verifier):
        token = encode(our_header(keys), good_claims(jti=""), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="no jti"):
            verifier.verify(token)


# ---------------------------------------------------------------- refusals: header and signature


class TestHeader:
    def test_missing_typ_is_refused(self, keys, verifier):
        token = encode(our_header(keys, typ=None), good_claims(), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="typ must be at\\+jwt"):
            verifier.verify(token)

    @pytest.mark.parametrize("typ", ["JWT", "jwt", "AT+JWT", "at+jwt ", "application/jwt"])
    def test_other_typ_is_refused(self, keys, verifier, typ):
        token = encode(our_header(keys, typ=typ), good_claims(), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="typ must be at\\+jwt"):
            verifier.verify(token)

    def test_alg_none_is_refused(self, keys, verifier):
        header = b64(json.dumps(our_header(keys, alg="none")).encode())
        payload = b64(json.dumps(good_claims()).encode())
        with pytest.raises(Unauthenticated):
            verifier.verify(f"{header}.{payload}.")
        # Even with something in the signature slot, `none` is not an algorithm we accept.
        with pytest.raises(Unauthenticated, match="algorithm not allowed"):
            verifier.verify(f"{header}.{payload}.{b64(b'x')}")

    def test_hs256_signed_with_the_public_key_is_refused(self, keys, verifier):
        public = keys.private_jwk().public_key
        secrets_tried = [
            public.public_bytes(Encoding.Raw, PublicFormat.Raw),
            public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
            json.dumps(keys.jwks()["keys"][0]).encode(),
        ]
        for secret in secrets_tried:
            token = encode(
                our_header(keys, alg="HS256"),
                good_claims(),
                lambda msg, s=secret: hmac.new(s, msg, hashlib.sha256).digest(),
            )
            with pytest.raises(Unauthenticated, match="algorithm not allowed"):
                verifier.verify(token)

    def test_rs256_from_a_key_we_do_not_hold_is_refused(self, keys, verifier):
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

        def sign(msg: bytes) -> bytes:
            return rsa_key.sign(msg, padding.PKCS1v15(), hashes.SHA256())

        unknown = encode(our_header(keys, alg="RS256", kid="foreign-rsa"), good_claims(), sign)
        with pytest.raises(Unauthenticated, match="unknown signing key"):
            verifier.verify(unknown)
        # Naming our Ed25519 kid does not make an RSA signature acceptable either.
        confused = encode(our_header(keys, alg="RS256"), good_claims(), sign)
        with pytest.raises(Unauthenticated, match="does not match the algorithm"):
            verifier.verify(confused)

    def test_unknown_kid_is_refused(self, keys, verifier):
        token = encode(our_header(keys, kid="0123456789abcdef"), good_claims(), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="unknown signing key"):
            verifier.verify(token)

    def test_missing_kid_is_refused(self, keys, verifier):
        token = encode(our_header(keys, kid=None), good_claims(), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="no key id"):
            verifier.verify(token)

    def test_crit_header_is_refused(self, keys, verifier):
        token = encode(our_header(keys, crit=["b64"], b64=False), good_claims(), ed_signer(keys))
        with pytest.raises(Unauthenticated, match="critical"):
            verifier.verify(token)

    def test_tampered_payload_is_refused(self, keys, verifier):
        token = mint(keys)
        head, payload, sig = token.split(".")
        claims = json.loads(unb64(payload))
        claims["role"] = "admin"
        forged = f"{head}.{b64(json.dumps(claims).encode())}.{sig}"
        with pytest.raises(Unauthenticated, match="bad signature") as refused:
            verifier.verify(forged)
        assert payload not in refused.value.detail
        assert "admin" not in refused.value.detail

    def test_tampered_signature_is_refused(self, keys, verifier):
        token = mint(keys)
        head, payload, sig = token.split(".")
        raw = bytearray(unb64(sig))
        raw[0] ^= 0x01
        with pytest.raises(Unauthenticated, match="bad signature"):
            verifier.verify(f"{head}.{payload}.{b64(bytes(raw))}")

    def test_embedded_jwk_signed_by_its_own_key_is_refused(self, keys, verifier):
        attacker = OKPKey.generate_key("Ed25519")
        public = attacker.as_dict(private=False)
        header = our_header(keys, kid=attacker.thumbprint(), jwk=public)
        token = encode(header, good_claims(), attacker.private_key.sign)
        with pytest.raises(Unauthenticated, match="unknown signing key"):
            verifier.verify(token)
        # Borrowing our kid only means our key checks the attacker's signature.
        token = encode(our_header(keys, jwk=public), good_claims(), attacker.private_key.sign)
        with pytest.raises(Unauthenticated, match="bad signature"):
            verifier.verify(token)

    def test_jku_is_never_fetched(self, keys, verifier, loopback):
        attacker = OKPKey.generate_key("Ed25519", parameters={"kid": "evil", "use": "sig"})
        jwks = json.dumps({"keys": [attacker.as_dict(private=False)]}).encode()
        loopback.routes["/jwks.json"] = lambda: jwks
        for kid in ("evil", keys.current_kid):
            header = our_header(keys, kid=kid, jku=f"{loopback.url}/jwks.json")
            token = encode(header, good_claims(), attacker.private_key.sign)
            with pytest.raises(Unauthenticated):
                verifier.verify(token)
        assert loopback.requests == []

    @pytest.mark.parametrize(
        "token",
        [
            "",
            "a.b",
            "a.b.c.d",
            "!!!.###.$$$",
            "e30.e30.e30",  # {} . {} . "{}"
            "bnVsbA.bnVsbA.AA",  # null . null
            "ey.ey.ey",
            "токен.x.y",
        ],
    )
    def test_garbage_is_refused_as_malformed(self, verifier, token):
        with pytest.raises(Unauthenticated):
            verifier.verify(token)

    def test_duplicate_header_members_are_refused(self, keys, verifier):
        claims = b64(json.dumps(good_claims()).encode())
        raw_header = '{"alg":"EdDSA","typ":"JWT","typ":"at+jwt","kid":"' + keys.current_kid + '"}'
        signing_input = f"{b64(raw_header.encode())}.{claims}"
        token = f"{signing_input}.{b64(ed_signer(keys)(signing_input.encode()))}"
        with pytest.raises(Unauthenticated, match="malformed"):
            verifier.verify(token)


# ---------------------------------------------------------------- the verified-token cache


class TestCache:
    def test_repeat_verify_skips_the_key_lookup_and_returns_the_same_claims(self, keys):
        source = CountingSource(EmbeddedKeySource(keys))
        verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, keys=source)
        token = mint(keys)
        first = verifier.verify(token)
        first["role"] = "admin"  # callers get a copy; the cache is not theirs to change
        second = verifier.verify(token)
        assert source.lookups == 1
        assert second["role"] == "auditor"
        assert {k: v for k, v in first.items() if k != "role"} == {
            k: v for k, v in second.items() if k != "role"
        }

    def test_cached_token_is_refused_after_its_expiry(self, keys):
        clock.freeze(T0)
        source = CountingSource(EmbeddedKeySource(keys))
        verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, keys=source)
        token = mint(keys, ttl=timedelta(seconds=60))
        verifier.verify(token)
        clock.advance(timedelta(seconds=60 + 30))
        with pytest.raises(Unauthenticated, match="token expired"):
            verifier.verify(token)
        assert source.lookups == 1  # refused from the cache entry itself
        with pytest.raises(Unauthenticated, match="token expired"):
            verifier.verify(token)

    def test_refused_tokens_are_not_cached(self, keys):
        source = CountingSource(EmbeddedKeySource(keys))
        verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, keys=source)
        token = encode(our_header(keys), good_claims(aud="other"), ed_signer(keys))
        for _ in range(2):
            with pytest.raises(Unauthenticated, match="wrong audience"):
                verifier.verify(token)
        assert source.lookups == 2

    def test_cache_is_bounded_least_recently_used(self, keys):
        source = CountingSource(EmbeddedKeySource(keys))
        verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, keys=source, cache_size=2)
        a, b, c = mint(keys), mint(keys), mint(keys)
        verifier.verify(a)
        verifier.verify(b)
        verifier.verify(a)  # a is now the most recent
        verifier.verify(c)  # evicts b
        assert source.lookups == 3
        verifier.verify(a)
        assert source.lookups == 3
        verifier.verify(b)
        assert source.lookups == 4


# ---------------------------------------------------------------- the key file


class TestIssuerKeysFile:
    def test_created_with_mode_0600_and_reloaded_with_the_same_key(self, tmp_path):
        path = tmp_path / "data" / "issuer-keys.json"
        keys = IssuerKeys.load_or_create(path)
        assert (path.stat().st_mode & 0o777) == 0o600
        again = IssuerKeys.load_or_create(path)
        assert again.current_kid == keys.current_kid
        assert again.jwks() == keys.jwks()
        assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left

    @pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o660, 0o644])
    def test_refused_when_others_have_access(self, keys, mode):
        os.chmod(keys.path, mode)
        with pytest.raises(IssuerKeysError, match="chmod 600"):
            IssuerKeys.load_or_create(keys.path)

    @pytest.mark.parametrize(
        "content",
        [
            b"not json",
            b"{}",
            b'{"version": 1, "current": "x", "keys": []}',
            b'{"version": 2, "current": "x", "keys": [{}]}',
            b"[]",
        ],
    )
    def test_malformed_file_is_refused(self, tmp_path, content):
        path = tmp_path / "issuer-keys.json"
        path.write_bytes(content)
        path.chmod(0o600)
        with pytest.raises(IssuerKeysError, match="malformed"):
            IssuerKeys.load_or_create(path)

    def test_mismatched_key_is_refused_without_quoting_it(self, keys):
        data = json.loads(keys.path.read_bytes())
        other = OKPKey.generate_key("Ed25519").as_dict(private=True)
        data["keys"][0]["jwk"]["d"] = other["d"]
        keys.path.write_text(json.dumps(data))
        with pytest.raises(IssuerKeysError, match="malformed") as refused:
            IssuerKeys.load_or_create(keys.path)
        assert other["d"] not in str(refused.value)
        assert other["d"] not in repr(refused.value.__cause__)

    def test_symlink_is_refused(self, keys, tmp_path):
        link = tmp_path / "link.json"
        link.symlink_to(keys.path)
        with pytest.raises(IssuerKeysError, match="unreadable"):
            IssuerKeys.load_or_create(link)

    def test_repr_shows_no_key_material(self, keys):
        jwk = keys.private_jwk().as_dict(private=True)
        text = repr(keys)
        assert keys.current_kid in text
        assert str(jwk["d"]) not in text
        assert str(jwk["x"]) not in text

    def test_jwks_is_public_and_labelled(self, keys):
        (entry,) = keys.jwks()["keys"]
        assert entry["kid"] == keys.current_kid
        assert (entry["kty"], entry["crv"], entry["alg"], entry["use"]) == (
            "OKP",
            "Ed25519",
            "EdDSA",
            "sig",
        )
        assert "d" not in entry

    def test_kids_are_random_hex(self, tmp_path):
        kids = {IssuerKeys.load_or_create(tmp_path / f"k{i}.json").current_kid for i in range(5)}
        assert len(kids) == 5
        assert all(len(k) == 16 and int(k, 16) >= 0 for k in kids)


class TestRotation:
    def test_rotate_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_kid(
        self, keys, verifier
    ):
        old_kid = keys.current_kid
        old_token = mint(keys)
        new_kid = keys.rotate()
        assert new_kid != old_kid
        assert keys.current_kid == new_kid
        new_token = mint(keys)
        assert header_of(new_token)["kid"] == new_kid
        fresh = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, keys=EmbeddedKeySource(keys))
        for v in (verifier, fresh):
            assert v.verify(old_token)["sub"] == "user-1"
            assert v.verify(new_token)["sub"] == "user-1"
        assert {k["kid"] for k in keys.jwks()["keys"]} == {old_kid, new_kid}

    def test_rotation_is_persisted(self, keys):
        new_kid = keys.rotate()
        reloaded = IssuerKeys.load_or_create(keys.path)
        assert reloaded.current_kid == new_kid
        assert reloaded.kids == keys.kids
        assert (keys.path.stat().st_mode & 0o777) == 0o600

    def test_embedded_source_sees_a_rotation_made_by_another_process(self, keys, verifier):
        # A second IssuerKeys over the same file stands in for `credence keys rotate`.
        other = IssuerKeys.load_or_create(keys.path)
        other.rotate()
        token = mint(other)
        assert verifier.verify(token)["sub"] == "user-1"
        assert keys.current_kid == other.current_kid

    def test_embedded_source_sees_rotated_keys(self, keys):
        source = EmbeddedKeySource(keys)
        new_kid = keys.rotate()
        assert source.key_for(new_kid) is not None
        assert source.key_for(new_kid).as_dict() == keys.jwks()["keys"][-1]

    def test_retired_key_stops_verifying(self, keys):
        old_kid = keys.current_kid
        old_token = mint(keys)
        keys.rotate()
        keys.retire(old_kid)
        assert old_kid not in {k["kid"] for k in keys.jwks()["keys"]}
        verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, keys=EmbeddedKeySource(keys))
        with pytest.raises(Unauthenticated, match="unknown signing key"):
            verifier.verify(old_token)
        assert old_kid not in keys.path.read_text()

    def test_current_key_cannot_be_retired(self, keys):
        with pytest.raises(IssuerKeysError, match="rotate first"):
            keys.retire(keys.current_kid)


class TestBuildVerifier:
    def test_embedded_issuer_verifies_its_own_tokens(self, tmp_path, keys):
        settings = Settings(data_dir=tmp_path, oidc_issuer=None)
        verifier = build_verifier(settings, keys)
        assert verifier.issuer == settings.embedded_issuer_id
        assert verifier.audience == settings.token_audience
        token = mint_access_token(
            keys=keys,
            issuer=settings.embedded_issuer_id,
            audience=settings.token_audience,
            subject="s",
            claims={},
            ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            now=clock.now(),
            client_id="c",
        )
        assert verifier.verify(token)["sub"] == "s"
        with pytest.raises(Unauthenticated, match="wrong issuer"):
            verifier.verify(mint(keys))

    def test_embedded_issuer_needs_keys(self, tmp_path):
        with pytest.raises(ValueError, match="signing keys"):
            build_verifier(Settings(data_dir=tmp_path, oidc_issuer=None), None)
