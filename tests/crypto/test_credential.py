"""Signed repair credentials: the canonical bytes, the binding, the signature, the key."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import credential as signed


def test_canonical_sorted_compact_utf8():
    body = {"v": 1, "issuer": "c", "amount_cents": 5, "id": "收据-1"}
    assert signed.canonical(body) == '{"amount_cents":5,"id":"收据-1","issuer":"c","v":1}'.encode()


def test_binding_is_sha256_of_code_then_id():
    expected = hashlib.sha256(b"110105199001011234R-1").hexdigest()
    assert signed.subject_binding("110105199001011234", "R-1") == expected


def test_a_signature_verifies_only_its_own_credential_and_key():
    key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    other = Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32)
    body = {"v": 1, "id": "R-1"}
    signature = signed.sign(key, body)
    public = signed.raw_public_key(key)
    assert signed.verify(public, body, signature)
    assert not signed.verify(public, body | {"id": "R-2"}, signature)
    assert not signed.verify(signed.raw_public_key(other), body, signature)
    assert not signed.verify(public, body, "not base64!")
    assert not signed.verify(public, body, "AAAA")


@pytest.mark.parametrize("text", ["", "AAAA", "!!!!", "A" * 60])
def test_a_public_key_is_32_base64_bytes(text):
    with pytest.raises(signed.BadKey):
        signed.public_key_from_b64(text)


def test_a_good_public_key_round_trips():

    raw = signed.raw_public_key(Ed25519PrivateKey.from_private_bytes(bytes(32)))
    assert signed.public_key_from_b64(base64.b64encode(raw).decode()) == raw
