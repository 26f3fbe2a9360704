"""Blind index and pseudonyms: keyed, deterministic, independent of master key rotation."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from crypto.blind_index import BlindIndexer, pseudonym
from crypto.keys import EnvKeyProvider, LocalFileKeyProvider, MasterKey, encode_env_keys
from crypto.suites import AES, SM4, Suite

CODE = "11010519491231002X"
OTHER_CODE = "110105194912310029"


@pytest.fixture(params=[AES, SM4], ids=lambda s: s.name)
def suite(request: pytest.FixtureRequest) -> Suite:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def master() -> MasterKey:
    return MasterKey(version=1, material=os.urandom(32))


@pytest.fixture
def indexer(suite: Suite, master: MasterKey) -> BlindIndexer:
    return BlindIndexer.from_master(suite, master)


def _unkeyed(suite: Suite, data: bytes) -> bytes:
    h = hashes.Hash(suite.hash())
    h.update(data)
    return h.finalize()


class TestBlindIndex:
    def test_is_deterministic(self, indexer: BlindIndexer, suite: Suite, master: MasterKey) -> None:
        again = BlindIndexer.from_master(suite, master)
        assert indexer.index(CODE) == indexer.index(CODE) == again.index(CODE)

    def test_differs_for_different_codes(self, indexer: BlindIndexer) -> None:
        assert indexer.index(CODE) != indexer.index(OTHER_CODE)
        assert indexer.index("") != indexer.index(CODE)

    def test_differs_under_another_master_key(self, indexer: BlindIndexer, suite: Suite) -> None:
        other = BlindIndexer.from_master(suite, MasterKey(1, os.urandom(32)))
        assert other.index(CODE) != indexer.index(CODE)

    def test_differs_between_suites(self, master: MasterKey) -> None:
        aes = BlindIndexer.from_master(AES, master)
        sm4 = BlindIndexer.from_master(SM4, master)
        assert aes.index(CODE) != sm4.index(CODE)

    @pytest.mark.parametrize("code", ["", CODE, "张三", "x" * 1000])
    def test_is_32_bytes(self, indexer: BlindIndexer, code: str) -> None:
        value = indexer.index(code)
        assert isinstance(value, bytes)
        assert len(value) == 32

    def test_is_not_an_unkeyed_hash(self, indexer: BlindIndexer, suite: Suite) -> None:
        value = indexer.index(CODE)
        assert value != _unkeyed(suite, CODE.encode())
        assert value != hashlib.sha256(CODE.encode()).digest()
        assert value != _unkeyed(SM4, CODE.encode())

    def test_matches_hmac_with_the_suite_hash(self, indexer: BlindIndexer, suite: Suite) -> None:
        from cryptography.hazmat.primitives import hmac

        h = hmac.HMAC(indexer.key, suite.hash())
        h.update(CODE.encode())
        assert indexer.index(CODE) == h.finalize()

    def test_index_key_is_not_the_master_material(
        self, indexer: BlindIndexer, master: MasterKey
    ) -> None:
        assert indexer.key != master.material
        assert len(indexer.key) == 32

    def test_index_is_not_a_mac_under_the_raw_master(
        self, indexer: BlindIndexer, suite: Suite, master: MasterKey
    ) -> None:
        assert indexer.index(CODE) != suite.mac(master.material, CODE.encode())

    def test_repr_hides_key(self, indexer: BlindIndexer) -> None:
        text = repr(indexer)
        assert "redacted" in text
        for form in (
            indexer.key.hex(),
            repr(indexer.key)[2:-1],
            base64.b64encode(indexer.key).decode(),
        ):
            assert form not in text


class TestRotationIndependence:
    def test_env_provider_index_key_ignores_added_versions(self, suite: Suite) -> None:
        k1, k2 = os.urandom(32), os.urandom(32)
        before = EnvKeyProvider(encode_env_keys({1: k1}))
        after = EnvKeyProvider(encode_env_keys({1: k1, 2: k2}))
        old = BlindIndexer.from_master(suite, before.index_key())
        new = BlindIndexer.from_master(suite, after.index_key())
        assert new.index(CODE) == old.index(CODE)
        # The current key did move, so deriving from it instead would break lookups.
        moved = BlindIndexer.from_master(suite, after.current())
        assert moved.index(CODE) != old.index(CODE)

    def test_local_file_index_key_survives_rotation(self, suite: Suite, tmp_path: Path) -> None:
        path = tmp_path / "master.json"
        provider = LocalFileKeyProvider(path, create=True)
        before = BlindIndexer.from_master(suite, provider.index_key()).index(CODE)
        provider.add_version()
        after = BlindIndexer.from_master(suite, provider.index_key()).index(CODE)
        reopened = BlindIndexer.from_master(suite, LocalFileKeyProvider(path).index_key())
        assert after == before
        assert reopened.index(CODE) == before
        assert BlindIndexer.from_master(suite, provider.current()).index(CODE) != before


class TestPseudonym:
    def test_is_deterministic_and_32_bytes(self, suite: Suite) -> None:
        subject = os.urandom(suite.key_len)
        first = pseudonym(suite, subject, b"export")
        assert first == pseudonym(suite, subject, b"export")
        assert len(first) == 32

    def test_differs_per_subject_key(self, suite: Suite) -> None:
        label = b"export"
        a = pseudonym(suite, os.urandom(suite.key_len), label)
        b = pseudonym(suite, os.urandom(suite.key_len), label)
        assert a != b

    def test_differs_per_label(self, suite: Suite) -> None:
        subject = os.urandom(suite.key_len)
        assert pseudonym(suite, subject, b"export") != pseudonym(suite, subject, b"audit")
        assert pseudonym(suite, subject, b"") != pseudonym(suite, subject, b"export")

    def test_differs_between_suites(self) -> None:
        subject = os.urandom(32)
        assert pseudonym(AES, subject, b"export") != pseudonym(SM4, subject, b"export")

    def test_is_not_a_mac_under_the_raw_subject_key(self, suite: Suite) -> None:
        subject = os.urandom(suite.key_len)
        assert pseudonym(suite, subject, b"export") != suite.mac(subject, b"export")

    def test_differs_from_blind_index_under_same_secret(self, suite: Suite) -> None:
        secret = os.urandom(32)
        indexer = BlindIndexer.from_master(suite, MasterKey(1, secret))
        assert pseudonym(suite, secret, CODE.encode()) != indexer.index(CODE)
